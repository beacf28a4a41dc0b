// "DNS points at the Gateway", checked against real authoritative DNS (PowerDNS on loopback):
// A/AAAA equal to the Gateway's addresses, or a CNAME chain (across zones) to its canonical name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHostnameDns, createResolver, gatewayTarget, waitForDns, type DnsResolver, type GatewayTarget } from "../../provider/await/dns/index.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { VirtualClock } from "./virtual-clock.ts";

const USER = "shop.test";
const PLATFORM = "gw.test";
const CANONICAL = `abc-def-12345.${PLATFORM}`;

let pdns: PowerDns;
let resolver: DnsResolver;
const target: GatewayTarget = gatewayTarget(
  { addresses: [{ type: "IPAddress", value: "192.0.2.1" }, { type: "IPAddress", value: "2001:db8::1" }, { type: "Hostname", value: "v4.abc-def-12345.gw.test" }] },
  CANONICAL,
);

beforeAll(async () => {
  pdns = await startPowerDns();
  await pdns.createZone(USER);
  await pdns.createZone(PLATFORM);
  await pdns.setRecord(PLATFORM, CANONICAL, "A", ["192.0.2.1"]);
  resolver = createResolver({ servers: [pdns.dnsAddress], timeoutMs: 1_000, tries: 1 });
});

afterAll(async () => {
  await pdns?.stop();
});

describe("gatewayTarget", () => {
  it("reads IPAddress and Hostname addresses (type defaults to IPAddress)", () => {
    expect(target).toEqual({ hostnames: [CANONICAL, "v4.abc-def-12345.gw.test"], addresses: ["192.0.2.1", "2001:db8::1"] });
    expect(gatewayTarget({ addresses: [{ value: "198.51.100.7" }, { type: "NamedAddress", value: "x" }, "junk"] })).toEqual({ hostnames: [], addresses: ["198.51.100.7"] });
    expect(gatewayTarget(undefined)).toEqual({ hostnames: [], addresses: [] });
  });
});

describe("checkHostnameDns", () => {
  it("accepts A and AAAA records that are all Gateway addresses (any IPv6 spelling)", async () => {
    await pdns.setRecord(USER, `a.${USER}`, "A", ["192.0.2.1"]);
    await pdns.setRecord(USER, `a.${USER}`, "AAAA", ["2001:0db8:0000::0001"]);
    const s = await checkHostnameDns(`a.${USER}`, target, resolver);
    expect(s).toMatchObject({ ready: true, via: "address" });
    expect(s.message).toBe(`DNS a.${USER} → 192.0.2.1, 2001:db8::1 (Gateway addresses)`);
  });

  it("accepts a CNAME chain across zones that reaches the canonical hostname", async () => {
    await pdns.setRecord(USER, `www.${USER}`, "CNAME", [`edge.${USER}.`]);
    await pdns.setRecord(USER, `edge.${USER}`, "CNAME", [`${CANONICAL}.`]);
    const s = await checkHostnameDns(`WWW.${USER}.`, target, resolver);
    expect(s).toMatchObject({ ready: true, via: "cname", chain: [`www.${USER}`, `edge.${USER}`, CANONICAL] });
    expect(s.message).toBe(`DNS www.${USER} → CNAME edge.${USER} → CNAME ${CANONICAL} (points at the Gateway)`);
  });

  it("rejects a chain that ends at someone else's address", async () => {
    await pdns.setRecord(USER, `old.${USER}`, "CNAME", [`legacy.${USER}.`]);
    await pdns.setRecord(USER, `legacy.${USER}`, "A", ["203.0.113.5"]);
    const s = await checkHostnameDns(`old.${USER}`, target, resolver);
    expect(s.ready).toBe(false);
    expect(s.message).toBe(
      `DNS old.${USER} → CNAME legacy.${USER}: resolves to 203.0.113.5, want CNAME to ${CANONICAL} or v4.abc-def-12345.gw.test or A/AAAA in [192.0.2.1, 2001:db8::1]`,
    );
  });

  it("rejects a mix of Gateway and foreign addresses, naming the foreign ones", async () => {
    await pdns.setRecord(USER, `mixed.${USER}`, "A", ["192.0.2.1", "198.51.100.9"]);
    const s = await checkHostnameDns(`mixed.${USER}`, target, resolver);
    expect(s.ready).toBe(false);
    expect(s.message).toContain("(not Gateway: 198.51.100.9)");
  });

  it("reports NXDOMAIN and CNAME loops", async () => {
    expect((await checkHostnameDns(`missing.${USER}`, target, resolver)).message).toMatch(new RegExp(`^DNS missing\\.${USER.replace(".", "\\.")}: NXDOMAIN, want `));
    await pdns.setRecord(USER, `loop1.${USER}`, "CNAME", [`loop2.${USER}.`]);
    await pdns.setRecord(USER, `loop2.${USER}`, "CNAME", [`loop1.${USER}.`]);
    const s = await checkHostnameDns(`loop1.${USER}`, target, resolver);
    expect(s.ready).toBe(false);
    expect(s.message).toContain("CNAME loop");
  });

  it("says when the Gateway has no address yet", async () => {
    const s = await checkHostnameDns(`a.${USER}`, { hostnames: [], addresses: [] }, resolver);
    expect(s.message).toContain("want a Gateway address (the Gateway has none yet)");
  });
});

describe("waitForDns", () => {
  it("waits for records that appear late (NXDOMAIN → found), with real timers", async () => {
    const names = [`late1.${USER}`, `late2.${USER}`];
    setTimeout(() => void pdns.setRecord(USER, names[0] as string, "A", ["192.0.2.1"]), 150).unref();
    setTimeout(() => void pdns.setRecord(USER, names[1] as string, "CNAME", [`${CANONICAL}.`]), 300).unref();
    const progress: string[] = [];
    const t0 = performance.now();
    const r = await waitForDns(names, target, { resolver, intervalMs: 50, timeoutMs: 10_000, onProgress: (m) => progress.push(m) });
    const ms = performance.now() - t0;
    console.log(`[domain] DNS propagation wait for 2 late hostnames: ${ms.toFixed(0)} ms`);
    expect(r.ready).toBe(true);
    expect(progress.some((m) => m.includes("NXDOMAIN"))).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(250);
    // How each name points at the Gateway, once both records are there. (During the wait, a poll that
    // asks for the CNAME just before it is created and for A just after sees the name through its
    // addresses: also ready, but "address".)
    const settled = await waitForDns(names, target, { resolver, intervalMs: 50, timeoutMs: 10_000 });
    expect(settled.hostnames.map((h) => h.ready && h.via)).toEqual(["address", "cname"]);
  });

  it("times out with each hostname's last state", async () => {
    const clock = new VirtualClock();
    const r = await waitForDns([`a.${USER}`, `never.${USER}`], target, { resolver, clock, intervalMs: 5_000, timeoutMs: 30_000 });
    expect(r).toMatchObject({ ready: false, reason: "timeout", elapsedMs: 30_000 });
    expect(r.hostnames[0]?.ready).toBe(true);
    expect(r.hostnames[1]?.message).toContain("NXDOMAIN");
    expect(clock.sleeps).toEqual([5_000, 5_000, 5_000, 5_000, 5_000, 5_000]);
  });

  it("stops when aborted", async () => {
    const ac = new AbortController();
    const clock = new VirtualClock();
    clock.at(12_000, () => ac.abort());
    const r = await waitForDns([`never.${USER}`], target, { resolver, clock, intervalMs: 5_000, signal: ac.signal });
    expect(r).toMatchObject({ ready: false, reason: "aborted" });
  });
});
