// The HTTPProxy lifecycle against a real kube-apiserver with the real Envoy Gateway and cert-manager
// (test/infra/controllers.ts): create, no-op diff, update with pruning, drift, import, preview
// without writes, readiness failures (a GatewayClass its controller refuses) and timeouts (a
// certificate that never issues), delete, and two clusters side by side.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle, type ResourceState } from "../../provider/lifecycle/index.ts";
import { countsSince, createKubeClient, RequestCounter, type KubeClient } from "../../provider/kube/index.ts";
import { UNKNOWN } from "../../provider/core/unknown.ts";
import { readRenderContext } from "../../provider/lifecycle/httpproxy/render-context.ts";
import { getControllers, refusedGatewayClass, type Controllers } from "../infra/controllers.ts";
import { startControlPlane, type ControlPlane } from "../infra/controlplane.ts";

let rc: Controllers;
let cp: ControlPlane;
let admin: KubeClient;
const TOKEN = "datum:networking:HTTPProxy";
const SOURCE = "pulumi-datum.io/source-name";

// These tests are about rendering, applying and awaiting; hostname verification has its own
// (test/lifecycle/hostnames.integration.test.ts), so it is off here as an operator can turn it off.
function engineFor(kubeconfig: string, extra: Record<string, unknown> = {}) {
  const s = resolveEngineSettings({ kubeconfig, timeoutSeconds: 30, guardrails: { gateway: { disableHostnameVerification: true } }, ...extra });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const metrics = new RequestCounter();
  const { engine, byToken } = lifecycles(s.settings, { metrics });
  return { engine, metrics, proxy: byToken.get(TOKEN) as ResourceLifecycle };
}

function proxyInputs(ns: string, name: string, rules = 3) {
  const all = [
    { name: "api", matches: [{ path: { type: "PathPrefix", value: "/api" } }], backends: [{ endpoint: "https://api.example.com" }] },
    { name: "old", matches: [{ path: { type: "PathPrefix", value: "/old" } }], filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "new.example.com", statusCode: 301 } }] },
    { name: "web", backends: [{ endpoint: "http://203.0.113.7:8080" }] },
  ];
  return { metadata: { name, namespace: ns }, spec: { hostnames: [`${name}.example.com`], rules: all.slice(0, rules) } };
}

async function owned(ns: string, name: string): Promise<string[]> {
  const out: string[] = [];
  for (const k of [
    ["gateway.networking.k8s.io/v1", "Gateway"],
    ["gateway.networking.k8s.io/v1", "HTTPRoute"],
    ["gateway.networking.k8s.io/v1", "BackendTLSPolicy"],
    ["discovery.k8s.io/v1", "EndpointSlice"],
    ["v1", "Service"],
    ["cert-manager.io/v1", "Certificate"],
  ] as const) {
    const l = await admin.list({ apiVersion: k[0], kind: k[1], namespace: ns, labelSelector: `${SOURCE}=${name}` });
    out.push(...l.items.map((o) => `${o.kind}/${o.metadata.name}`));
  }
  return out.sort();
}

/** What reading the live render context of one proxy costs (its Gateway's status, its class): no more per object. */
async function renderContextReads(ns: string, name: string, spec: unknown): Promise<number> {
  const metrics = new RequestCounter();
  const client = createKubeClient({ kubeconfig: cp.kubeconfig }, { metrics });
  const before = metrics.snapshot();
  const gateway = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name, namespace: ns, labels: {} } };
  await readRenderContext(client, { kind: "HTTPProxy", metadata: { name, namespace: ns }, spec }, [gateway], "envoy-gateway");
  await client.close();
  return countsSince(before, metrics.snapshot()).reads;
}

beforeAll(async () => {
  rc = await getControllers();
  cp = rc.cp;
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
}, 240_000);

afterAll(async () => {
  await admin?.close();
  await rc?.stop();
});

describe("HTTPProxy lifecycle on a real API server", () => {
  test("create → no-op diff → update prunes → drift → import → delete leaves nothing", async () => {
    const ns = await cp.newNamespace("lc");
    const { engine, metrics, proxy } = engineFor(cp.kubeconfig);
    const checked = await proxy.check(undefined, proxyInputs(ns, "shop"), { urnName: "shop" });
    expect(checked.failures).toEqual([]);

    // The hostname claim's namespace exists beforehand, so the writes below are exactly counted.
    await admin.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "datum-downstream-gateway-hostnames" } });
    const before = metrics.snapshot();
    const progress: string[] = [];
    const created = await proxy.create(checked.inputs, { preview: false, onProgress: (m) => progress.push(m) });
    const cost = countsSince(before, metrics.snapshot());
    expect(created.id).toBe(`${ns}/shop`);
    expect(created.outputs["ready"]).toBe(true);
    const refs = created.outputs["downstream"] as { kind: string; name: string }[];
    expect(cost.writes).toBe(refs.length + 1); // one write per downstream object, plus the claim of shop.example.com
    expect(await owned(ns, "shop")).toEqual(expect.arrayContaining(["Gateway/shop", "HTTPRoute/shop"]));
    expect(progress.some((p) => p.startsWith("Gateway"))).toBe(true);
    expect(created.outputs["canonicalHostname"]).toMatch(/^[a-z]+-[a-z]+-[a-z0-9]{5}\.datum\.local$/);

    // A second `up` with the same inputs: no diff, so Pulumi calls no update and nothing is written.
    const again = await proxy.check(checked.inputs, proxyInputs(ns, "shop"), { urnName: "shop" });
    const noop = await proxy.diff(created.id, created.outputs, again.inputs, { preview: true });
    expect(noop.changes).toBe(false);

    // Dropping the rule with the HTTP backend prunes its Service/EndpointSlice.
    const smaller = await proxy.check(checked.inputs, proxyInputs(ns, "shop", 2), { urnName: "shop" });
    const d = await proxy.diff(created.id, created.outputs, smaller.inputs, { preview: true });
    expect(d.changes).toBe(true);
    expect(d.downstream.delete.map((r) => r.kind)).toEqual(expect.arrayContaining(["EndpointSlice", "Service"]));
    const updated = await proxy.update(created.id, created.outputs, smaller.inputs, { preview: false });
    const after = await owned(ns, "shop");
    for (const r of d.downstream.delete) expect(after).not.toContain(`${r.kind}/${r.name}`);

    // Drift made by another field manager is reported by read, and diff then asks for an update.
    const gw = (await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "shop" }))!;
    const listeners = (gw["spec"] as { listeners: { port: number }[] }).listeners;
    await admin.apply(
      { apiVersion: gw.apiVersion, kind: gw.kind, metadata: { name: "shop", namespace: ns }, spec: { gatewayClassName: "other-class" } },
      { fieldManager: "kubectl-edit", force: true },
    );
    expect(listeners.length).toBeGreaterThan(0);
    const beforeRead = metrics.snapshot();
    const read = await proxy.read(created.id, updated.outputs, smaller.inputs, { preview: false });
    expect(read?.outputs["drift"]).toEqual(expect.arrayContaining([expect.stringContaining("spec.gatewayClassName")]));
    // One list for the primary object, the reads of the live render context (Gateway addresses,
    // class merging), then one list per rendered kind — not one GET per object.
    const kinds = new Set((updated.outputs["downstream"] as { kind: string }[]).map((r) => r.kind));
    const context = await renderContextReads(ns, "shop", smaller.inputs["spec"]);
    expect(countsSince(beforeRead, metrics.snapshot())).toMatchObject({ reads: 1 + context + kinds.size, writes: 0 });
    expect((updated.outputs["downstream"] as unknown[]).length).toBeGreaterThan(kinds.size);

    // A source label changed out of band: the object is no longer listed, is read by name, and the label is drift.
    const relabel = (value: string) =>
      admin.apply(
        { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "shop", namespace: ns, labels: { [SOURCE]: value } } },
        { fieldManager: "kubectl-label", force: true },
      );
    await relabel("someone-else");
    const relabelled = await proxy.read(created.id, updated.outputs, smaller.inputs, { preview: false });
    expect(relabelled?.outputs["drift"]).toContain(`HTTPRoute ${ns}/shop: metadata.labels.${SOURCE}: want "shop", found "someone-else"`);
    await relabel("shop");
    const repair = await proxy.diff(created.id, read!.outputs, smaller.inputs, { preview: true });
    expect(repair.changes).toBe(true);

    // Import by id rebuilds the inputs from the cluster alone.
    const imported = await proxy.read(`${ns}/shop`, undefined, undefined, { preview: false });
    expect(imported?.inputs["spec"]).toEqual(smaller.inputs["spec"]);

    await proxy.delete(created.id, updated.outputs, { preview: false });
    expect(await owned(ns, "shop")).toEqual([]);
    await engine.close();
  });

  test("a metadata-only update of a spec that today's rules refuse (grandfathered) is checked, previewed and applied as an UPDATE", async () => {
    const ns = await cp.newNamespace("gf");
    const { engine, proxy } = engineFor(cp.kubeconfig);
    const created = await proxy.create((await proxy.check(undefined, proxyInputs(ns, "legacy", 1), { urnName: "legacy" })).inputs, { preview: false });
    // State written by an older provider whose rules allowed a path on the endpoint.
    const spec = created.outputs["spec"] as { rules: { backends: { endpoint: string }[] }[] };
    const legacySpec = { ...spec, rules: [{ ...spec.rules[0], backends: [{ endpoint: "https://api.example.com/v1" }] }] };
    const olds = { ...created.outputs, spec: legacySpec };
    const relabelled = { metadata: { ...(created.outputs["metadata"] as object), labels: { team: "web" } }, spec: legacySpec };
    const checked = await proxy.check(olds, relabelled, { urnName: "legacy" });
    expect(checked.failures).toEqual([]);
    await proxy.update(created.id, olds, checked.inputs, { preview: true });
    const updated = await proxy.update(created.id, olds, checked.inputs, { preview: false });
    expect(updated.outputs["ready"]).toBe(true);
    const gw = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "legacy" });
    expect(gw).toBeDefined();
    await proxy.delete(created.id, updated.outputs, { preview: false });
    await engine.close();
  });

  test("preview makes zero writes and shows computed outputs as unknown", async () => {
    const ns = await cp.newNamespace("lcp");
    const { engine, metrics, proxy } = engineFor(cp.kubeconfig);
    const checked = await proxy.check(undefined, proxyInputs(ns, "pv"), { urnName: "pv" });
    const before = metrics.snapshot();
    const r = await proxy.create(checked.inputs, { preview: true });
    const cost = countsSince(before, metrics.snapshot());
    expect(cost.writes).toBe(0);
    expect(cost.dryRuns).toBeGreaterThan(0);
    expect(r.outputs["addresses"]).toBe(UNKNOWN);
    expect(await owned(ns, "pv")).toEqual([]);
    // Unknown inputs: no dry run at all, and check defers the rules that read them.
    const unknownEndpoint = proxyInputs(ns, "pv2", 1);
    (unknownEndpoint.spec.rules[0] as { backends: { endpoint: string }[] }).backends[0]!.endpoint = UNKNOWN;
    const c2 = await proxy.check(undefined, unknownEndpoint, { urnName: "pv2" });
    expect(c2.failures).toEqual([]);
    const r2 = await proxy.create(c2.inputs, { preview: true });
    expect(r2.outputs["downstream"]).toBe(UNKNOWN);
    await engine.close();
  });

  test("a terminal condition fails fast with the controller's message and keeps partial state", async () => {
    const ns = await cp.newNamespace("lcf");
    // Envoy Gateway refuses this class (its parameters name an EnvoyProxy that does not exist).
    const { engine, proxy } = engineFor(cp.kubeconfig, { gatewayClassName: await refusedGatewayClass(cp.kc, "lcf-refused") });
    const checked = await proxy.check(undefined, proxyInputs(ns, "bad", 1), { urnName: "bad" });
    const err = await proxy.create(checked.inputs, { preview: false }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "PartialFailureError", id: `${ns}/bad` });
    const state = (err as { outputs: ResourceState }).outputs;
    expect((state["downstream"] as unknown[]).length).toBeGreaterThan(0);
    expect(String((err as Error).message)).toMatch(/GatewayClass "lcf-refused" was not accepted by its controller gateway\.envoyproxy\.io\/gatewayclass-controller \(InvalidParameters: /);
    await proxy.delete(`${ns}/bad`, state, { preview: false });
    expect(await owned(ns, "bad")).toEqual([]);
    await engine.close();
  });

  test("readiness times out with what is still pending", async () => {
    const ns = await cp.newNamespace("lct");
    // cert-manager never issues from a ClusterIssuer that does not exist: the HTTPS listeners wait.
    const { engine, proxy } = engineFor(cp.kubeconfig, { clusterIssuer: "no-such-issuer" });
    const checked = await proxy.check(undefined, proxyInputs(ns, "slow", 1), { urnName: "slow" });
    const err = await proxy.create(checked.inputs, { preview: false, timeoutMs: 1500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "PartialFailureError" });
    expect(String((err as Error).message)).toMatch(/Gateway .*slow/);
    expect(String((err as Error).message)).toContain(`Certificate ${ns}/slow-default-https`);
    await proxy.delete(`${ns}/slow`, (err as { outputs: ResourceState }).outputs, { preview: false });
    await engine.close();
  });

  test("two provider instances on two control planes do not see each other", async () => {
    const other = await startControlPlane();
    try {
      const ns = await cp.newNamespace("mc");
      const a = engineFor(cp.kubeconfig, { skipAwait: true });
      const b = engineFor(other.kubeconfig, { skipAwait: true, gatewayClassName: "cluster-b" });
      const otherAdmin = createKubeClient({ kubeconfig: other.kubeconfig });
      await otherAdmin.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
      const ia = await a.proxy.check(undefined, proxyInputs(ns, "edge", 1), { urnName: "edge" });
      await a.proxy.create(ia.inputs, { preview: false });
      const ib = await b.proxy.check(undefined, proxyInputs(ns, "edge", 1), { urnName: "edge" });
      await b.proxy.create(ib.inputs, { preview: false });
      const gwA = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "edge" });
      const gwB = await otherAdmin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "edge" });
      expect((gwA?.["spec"] as { gatewayClassName: string }).gatewayClassName).toBe("envoy-gateway");
      expect((gwB?.["spec"] as { gatewayClassName: string }).gatewayClassName).toBe("cluster-b");
      await a.proxy.delete(`${ns}/edge`, {}, { preview: false });
      expect(await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "edge" })).toBeUndefined();
      expect(await otherAdmin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "edge" })).toBeDefined();
      await otherAdmin.close();
      await a.engine.close();
      await b.engine.close();
    } finally {
      await other.stop();
    }
  }, 120_000);
});
