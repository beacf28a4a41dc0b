// `dnsIntegration` end to end on the local cluster: the engine renders and applies an HTTPProxy's
// DNSEndpoint, the real external-dns (CRD source, PowerDNS provider) publishes it into the local
// PowerDNS, the DNSEndpoint's readiness comes from the status external-dns writes, and `awaitDns`
// resolves the custom hostname through PowerDNS. Envoy Gateway and cert-manager are the real
// controllers (test/infra/controllers.ts): the Gateway's address is the one Envoy Gateway wrote
// (rc.gatewayAddress), and the engine publishes it for the canonical name. Nothing writes a status.
import type { promises as dnsPromises } from "node:dns";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle } from "../../provider/lifecycle/index.ts";
import { createKubeClient, type KubeClient } from "../../provider/kube/index.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import { dnsAnswer, startExternalDns, waitForDnsAnswer, type ExternalDns } from "../infra/external-dns.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";

const ZONE = "dnsint.test";
const TARGET_DOMAIN = `edge.${ZONE}`;

let rc: Controllers;
let pdns: PowerDns;
let edns: ExternalDns;
let admin: KubeClient;
let resolver: dnsPromises.Resolver;

beforeAll(async () => {
  rc = await getControllers();
  pdns = await startPowerDns();
  await pdns.createZone(ZONE);
  edns = await startExternalDns({ kubeconfigPath: rc.cp.kubeconfigPath, powerDns: pdns, domainFilter: [ZONE] });
  admin = createKubeClient({ kubeconfig: rc.cp.kubeconfig });
  resolver = pdns.resolver();
}, 240_000);

afterAll(async () => {
  resolver?.cancel();
  await admin?.close();
  await edns?.stop();
  await pdns?.stop();
  await rc?.stop();
});

describe("dnsIntegration with the real external-dns and PowerDNS", () => {
  test("up publishes the DNSEndpoint, readiness waits for external-dns and DNS; delete removes the records", async () => {
    const ns = await rc.cp.newNamespace("dnsint");
    const s = resolveEngineSettings({
      kubeconfig: rc.cp.kubeconfig,
      timeoutSeconds: 60,
      dnsIntegration: true,
      targetDomain: TARGET_DOMAIN,
      awaitDns: true,
      dnsServers: [pdns.dnsAddress],
      guardrails: { gateway: { disableHostnameVerification: true } },
    });
    if (!s.ok) throw new Error(JSON.stringify(s.errors));
    const { engine, byToken } = lifecycles(s.settings);
    const proxy = byToken.get("datum:networking:HTTPProxy") as ResourceLifecycle;
    const shop = `shop.${ZONE}`;
    const inputs = { metadata: { name: "shop", namespace: ns }, spec: { hostnames: [shop], rules: [{ name: "web", backends: [{ endpoint: "https://api.example.com" }] }] } };
    const checked = await proxy.check(undefined, inputs, { urnName: "shop" });
    expect(checked.failures).toEqual([]);

    const progress: string[] = [];
    const created = await proxy.create(checked.inputs, { preview: false, onProgress: (m) => progress.push(m) });
    expect(created.outputs["ready"]).toBe(true);
    const canonical = String(created.outputs["canonicalHostname"]);
    expect(canonical.endsWith(`.${TARGET_DOMAIN}`)).toBe(true);

    // The DNSEndpoint the engine wrote, and the status the real external-dns gave it.
    const de = await admin.get({ apiVersion: "externaldns.k8s.io/v1alpha1", kind: "DNSEndpoint", namespace: ns, name: "shop" });
    expect(de?.["status"]).toEqual({ observedGeneration: de?.metadata.generation });
    // The canonical name (and its v4 name) point at the address Envoy Gateway gave the Gateway; the custom hostname is a CNAME to it.
    expect((de?.["spec"] as { endpoints: unknown[] }).endpoints).toEqual([
      { dnsName: canonical, recordType: "A", recordTTL: 300, targets: [rc.gatewayAddress] },
      { dnsName: `v4.${canonical}`, recordType: "A", recordTTL: 300, targets: [rc.gatewayAddress] },
      { dnsName: shop, recordType: "CNAME", recordTTL: 300, targets: [canonical] },
    ]);

    // awaitDns saw the CNAME that external-dns published, resolved through PowerDNS.
    expect(progress).toContain(`DNS ${shop} → CNAME ${canonical} (points at the Gateway)`);
    expect(await dnsAnswer(() => resolver.resolveCname(shop))).toBe(JSON.stringify([canonical]));
    // The canonical name resolves to the Gateway's address (the engine passes status.addresses into the render).
    expect(await dnsAnswer(() => resolver.resolve4(canonical))).toBe(JSON.stringify([rc.gatewayAddress]));
    const gw = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "shop" });
    expect((gw?.["status"] as { addresses?: unknown }).addresses).toEqual([{ type: "IPAddress", value: rc.gatewayAddress }]);

    await proxy.delete(created.id, created.outputs, { preview: false });
    await waitForDnsAnswer(edns, "the CNAME removed by external-dns", () => resolver.resolveCname(shop), "ENOTFOUND");
    await waitForDnsAnswer(edns, "the canonical A record removed by external-dns", () => resolver.resolve4(canonical), "ENOTFOUND");
    await engine.close();
  }, 180_000);
});
