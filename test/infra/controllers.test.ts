// The shared real-controller harness (controllers.ts): an HTTPProxy created through the provider's
// lifecycle is programmed by the real Envoy Gateway (the data plane's address in the Gateway status)
// and its listener certificate issued by the real cert-manager from the CA ClusterIssuer.
import { afterAll, beforeAll, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings } from "../../provider/lifecycle/index.ts";
import { CLUSTER_ISSUER, getControllers, type Controllers } from "./controllers.ts";
import { conditionsOf, findCondition, kube } from "./kube.ts";

let rc: Controllers;
beforeAll(async () => {
  rc = await getControllers();
}, 240_000);
afterAll(async () => {
  await rc?.stop();
});

test("a proxy created through the engine is programmed by Envoy Gateway and its certificate issued by cert-manager", async () => {
  const s = resolveEngineSettings({ kubeconfig: rc.cp.kubeconfig, timeoutSeconds: 120, guardrails: { gateway: { disableHostnameVerification: true } } });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const proxy = lifecycles(s.settings, {}).byToken.get("datum:networking:HTTPProxy");
  if (!proxy) throw new Error("no HTTPProxy lifecycle");
  const ns = await rc.cp.newNamespace("rc");
  const checked = await proxy.check(undefined, { metadata: { name: "shop", namespace: ns }, spec: { hostnames: ["shop.example.com"], rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] } }, { urnName: "shop" });
  expect(checked.failures).toEqual([]);
  const created = await proxy.create(checked.inputs, { preview: false });
  expect(created.outputs["ready"]).toBe(true);

  const k = kube(rc.cp.kc);
  const gw = await k.get("gateway.networking.k8s.io/v1", "Gateway", ns, "shop");
  expect(gw?.status?.["addresses"]).toEqual([{ type: "IPAddress", value: rc.gatewayAddress }]);
  const certs = await k.list("cert-manager.io/v1", "Certificate", ns);
  expect(certs.map((c) => (c.spec?.["issuerRef"] as { name: string }).name)).toContain(CLUSTER_ISSUER);
  for (const c of certs) expect(findCondition(conditionsOf(c), "Ready")?.status).toBe("True");
  await proxy.delete(created.id, created.outputs, { preview: false });
}, 180_000);
