// `dnsIntegration` through the real data plane: the engine reads the address Envoy Gateway gave the
// proxy's Gateway and, in the same `up`, publishes it as the canonical name's A record (phase two of
// the apply); the real external-dns writes it into PowerDNS; the custom hostname's CNAME and the
// zone apex's A record lead to it; and a request sent to the address DNS returns reaches the backend
// through Envoy. No status here is written by the tests.
import type { promises as dnsPromises } from "node:dns";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { dnsAnswer, startExternalDns, waitForDnsAnswer, type ExternalDns } from "../infra/external-dns.ts";
import { startBackend, type Backend } from "./backends.ts";
import { edgeRequest, startHarness, ZONE, type Harness } from "./harness.ts";

const PROXY = "datum:networking:HTTPProxy";
let h: Harness;
let edns: ExternalDns;
let web: Backend;
let resolver: dnsPromises.Resolver;

beforeAll(async () => {
  h = await startHarness({ dnsIntegration: true, awaitDns: true });
  edns = await startExternalDns({ kubeconfigPath: h.cp.kubeconfigPath, powerDns: h.pdns, domainFilter: [ZONE] });
  web = await startBackend(h.dp, "web");
  resolver = h.pdns.resolver();
}, 240_000);

afterAll(async () => {
  resolver?.cancel();
  await web?.stop();
  await edns?.stop();
  await h?.stop();
});

describe("DNS records from the Gateway's live address", () => {
  test("one up: canonical A = the Gateway address, custom CNAME → canonical, apex A; a request to the resolved address is served", async () => {
    const ns = await h.cp.newNamespace("dns");
    const custom = `www.${ZONE}`;
    const out = await h.up(PROXY, { metadata: { name: "site", namespace: ns }, spec: { hostnames: [custom, ZONE], rules: [{ name: "web", backends: [{ endpoint: web.url }] }] } }, "site");
    expect(out["ready"]).toBe(true);
    const canonical = String(out["canonicalHostname"]);
    expect(out["addresses"]).toEqual([h.dp.address]);

    // Written by the real external-dns from the DNSEndpoint the engine completed in the same up.
    expect(await dnsAnswer(() => resolver.resolve4(canonical))).toBe(JSON.stringify([h.dp.address]));
    expect(await dnsAnswer(() => resolver.resolveCname(custom))).toBe(JSON.stringify([canonical]));
    expect(await dnsAnswer(() => resolver.resolve4(ZONE))).toBe(JSON.stringify([h.dp.address]));

    // What a client does: resolve the name, connect to the address, send the name as Host.
    const [address] = await resolver.resolve4(canonical);
    const r = await edgeRequest(String(address), custom, "/hello");
    expect(r.status).toBe(200);
    expect(r.json()["backend"]).toBe("web");

    await h.lifecycle(PROXY).delete(`${ns}/site`, out, { preview: false });
    await waitForDnsAnswer(edns, "the canonical A record removed by external-dns", () => resolver.resolve4(canonical), "ENOTFOUND");
  }, 240_000);
});
