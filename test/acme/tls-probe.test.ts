// Live TLS probe (SNI = hostname) against a local TLS server that holds a certificate issued by a
// real ACME server (pebble, DNS-01 through PowerDNS) — the way the provider checks a Gateway.
import { createServer, type Server } from "node:tls";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDns01Solver, issueCertificate, PowerDnsBackend } from "../../provider/acme/index.ts";
import { createResolver } from "../../provider/await/dns/index.ts";
import { probeTls, waitForTls } from "../../provider/await/tls/index.ts";
import { startPebble, type Pebble } from "../infra/pebble.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { VirtualClock } from "../domain/virtual-clock.ts";

const ZONE = "tls.test";
const HOST = `shop.${ZONE}`;
const DAY = 86_400_000;

let pdns: PowerDns;
let pebble: Pebble;
let server: Server;
let port: number;
let root: string;
let notAfter: number;

beforeAll(async () => {
  pdns = await startPowerDns();
  await pdns.createZone(ZONE);
  pebble = await startPebble({ dnsServer: pdns.dnsAddress });
  const issued = await issueCertificate({
    settings: { directoryUrl: pebble.directoryUrl, email: "ops@tls.test", challenge: "dns-01", caBundle: pebble.tlsCa },
    hostnames: [HOST],
    solver: createDns01Solver({
      backend: new PowerDnsBackend({ apiUrl: pdns.apiUrl, apiKey: pdns.apiKey }),
      resolver: createResolver({ servers: [pdns.dnsAddress] }),
      pollIntervalMs: 50,
    }),
    pollIntervalMs: 100,
  });
  notAfter = Date.parse(issued.notAfter);
  root = await pebble.rootCert();
  // The Gateway stand-in: serves the issued chain for any SNI, like a listener with one cert.
  server = createServer({ cert: issued.certificatePem, key: issued.secrets.privateKeyPem }, (s) => s.end());
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await pebble?.stop();
  await pdns?.stop();
});

describe("probeTls", () => {
  it("accepts a trusted chain that covers the hostname and is far from expiry", async () => {
    const t0 = performance.now();
    const r = await probeTls({ address: "127.0.0.1", port, hostname: HOST, ca: root, minValidityDays: 30 });
    console.log(`[acme] TLS probe: ${(performance.now() - t0).toFixed(1)} ms — ${r.message}`);
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.certificate?.subjectAltName).toBe(`DNS:${HOST}`);
    expect(r.certificate?.chainLength).toBeGreaterThanOrEqual(2);
    expect(r.message).toMatch(new RegExp(`^TLS ${HOST.replace(".", "\\.")} @ 127\\.0\\.0\\.1:${port}: valid until .* \\(issuer CN=Pebble Intermediate CA`));
  });

  it("flags a hostname the certificate does not cover", async () => {
    const r = await probeTls({ address: "127.0.0.1", port, hostname: `other.${ZONE}`, ca: root });
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([`certificate does not cover other.${ZONE} (SANs: DNS:${HOST})`]);
  });

  it("flags a chain the trust roots do not anchor", async () => {
    const r = await probeTls({ address: "127.0.0.1", port, hostname: HOST });
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/^chain not trusted \(/);
  });

  it("flags a certificate expiring within N days, and an expired one", async () => {
    const soon = await probeTls({ address: "127.0.0.1", port, hostname: HOST, ca: root, minValidityDays: 14, nowMs: notAfter - 3 * DAY - 1000 });
    expect(soon.problems).toEqual([`certificate expires in 3 days (< 14) at ${new Date(notAfter).toISOString()}`]);
    const edge = await probeTls({ address: "127.0.0.1", port, hostname: HOST, ca: root, minValidityDays: 14, nowMs: notAfter - 14 * DAY });
    expect(edge.ok).toBe(true);
    const gone = await probeTls({ address: "127.0.0.1", port, hostname: HOST, ca: root, nowMs: notAfter + 1000 });
    expect(gone.problems).toEqual([`certificate expired at ${new Date(notAfter).toISOString()}`]);
  });

  it("reports a failed handshake", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await probeTls({ address: "127.0.0.1", port: deadPort, hostname: HOST, ca: root, timeoutMs: 2_000 });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(new RegExp(`^TLS ${HOST.replace(".", "\\.")} @ 127\\.0\\.0\\.1:${deadPort}: handshake failed: .*ECONNREFUSED`));
  });

  it("waitForTls polls until the served certificate passes", async () => {
    // Judged against the virtual "now": 10 days before expiry, with 20 required, it never passes.
    const clock = new VirtualClock(notAfter - 10 * DAY - 60_000);
    const progress: string[] = [];
    const r = await waitForTls({ address: "127.0.0.1", port, hostname: HOST, ca: root, minValidityDays: 20, clock, waitTimeoutMs: 30_000, intervalMs: 10_000, onProgress: (m) => progress.push(m) });
    expect(r).toMatchObject({ ok: false, reason: "timeout" });
    expect(clock.sleeps).toEqual([10_000, 10_000, 10_000]);
    expect(progress).toHaveLength(1);
    const ok = await waitForTls({ address: "127.0.0.1", port, hostname: HOST, ca: root, clock: new VirtualClock(Date.now()), waitTimeoutMs: 30_000 });
    expect(ok.ok).toBe(true);
  });
});
