// A backend that moves from a hostname to an IP changes its EndpointSlice's addressType, which the
// API server will not change in place: preview announces the replacement (nothing written), and one
// `up` deletes and creates the slice again, against the real API server and Envoy Gateway.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle } from "../../provider/lifecycle/index.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import { kube, type KObject } from "../infra/kube.ts";

let rc: Controllers;
let proxy: ResourceLifecycle;

beforeAll(async () => {
  rc = await getControllers();
  const s = resolveEngineSettings({ kubeconfig: rc.cp.kubeconfig, timeoutSeconds: 90, guardrails: { gateway: { disableHostnameVerification: true } } });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  proxy = lifecycles(s.settings, {}).byToken.get("datum:networking:HTTPProxy") as ResourceLifecycle;
}, 240_000);

afterAll(async () => {
  await rc?.stop();
});

const inputs = (ns: string, endpoint: string) => ({ metadata: { name: "move", namespace: ns }, spec: { hostnames: [`move-${ns}.example.com`], rules: [{ name: "app", backends: [{ endpoint }] }] } });

async function slices(ns: string): Promise<KObject[]> {
  return (await kube(rc.cp.kc).list("discovery.k8s.io/v1", "EndpointSlice", ns)).filter((s) => s.metadata.labels?.["pulumi-datum.io/source-name"] === "move");
}

describe("immutable fields", () => {
  test("FQDN → IPv4 backend: preview warns of the replacement; up recreates the EndpointSlice and is ready", async () => {
    const ns = await rc.cp.newNamespace("imm");
    const first = await proxy.check(undefined, inputs(ns, "https://api.example.com"), { urnName: "move" });
    const created = await proxy.create(first.inputs, { preview: false });
    expect(created.outputs["ready"]).toBe(true);
    const [before] = await slices(ns);
    expect(before?.["addressType"]).toBe("FQDN");

    const next = await proxy.check(created.outputs, inputs(ns, "http://203.0.113.7:8080"), { urnName: "move" });
    expect(next.failures).toEqual([]);
    const warnings: string[] = [];
    await proxy.update(created.id, created.outputs, next.inputs, { preview: true, onWarning: (w) => warnings.push(w) });
    expect(warnings.join("\n")).toContain(`EndpointSlice ${ns}/${before?.metadata.name} is replaced (deleted and created again): addressType: FQDN → IPv4 cannot change in place`);
    expect((await slices(ns)).map((s) => s.metadata.uid)).toEqual([before?.metadata.uid]);

    const progress: string[] = [];
    const updated = await proxy.update(created.id, created.outputs, next.inputs, { preview: false, onProgress: (m) => progress.push(m) });
    expect(updated.outputs["ready"]).toBe(true);
    expect(progress.some((m) => m.includes("is replaced"))).toBe(true);
    const after = await slices(ns);
    expect(after.map((s) => s["addressType"])).toEqual(["IPv4"]);
    expect(after[0]?.metadata.uid).not.toBe(before?.metadata.uid);
    expect(after[0]?.["endpoints"]).toEqual([expect.objectContaining({ addresses: ["203.0.113.7"] })]);
    await proxy.delete(created.id, updated.outputs, { preview: false });
  }, 240_000);
});
