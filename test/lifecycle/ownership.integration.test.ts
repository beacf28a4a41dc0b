// Which stack's objects are which, on a real kube-apiserver shared by several stacks, with the
// real Envoy Gateway and cert-manager (test/infra/controllers.ts): objects carry the stack's owner
// id; a stack never adopts, forces, prunes or deletes another's objects; a field-manager change
// converges; a hand edit of an owned object is taken back by the next update; objects and claims
// of earlier versions (no owner mark, identity = field manager) are taken over by the same field
// manager.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle, type ResourceState } from "../../provider/lifecycle/index.ts";
import { createKubeClient, type KubeClient, type KubeObject } from "../../provider/kube/index.ts";
import { OWNER_ANNOTATION } from "../../provider/lifecycle/ownership.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import type { ControlPlane } from "../infra/controlplane.ts";

const TOKEN = "datum:networking:HTTPProxy";
const CLAIMS = "datum-downstream-gateway-hostnames";
const SOURCE = "pulumi-datum.io/source-name";
const GATEWAY = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway" } as const;
const ROUTE = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" } as const;

let rc: Controllers;
let cp: ControlPlane;
let admin: KubeClient;

/** One stack's provider instance: its owner id and field manager. */
function stack(ownerId: string | undefined, fieldManager: string, extra: Record<string, unknown> = {}) {
  const s = resolveEngineSettings({
    kubeconfig: cp.kubeconfig,
    fieldManager,
    ...(ownerId !== undefined && { ownerId }),
    timeoutSeconds: 30,
    // Hostname verification has its own tests; the claims are what matter here.
    guardrails: { gateway: { disableHostnameVerification: true } },
    ...extra,
  });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const { engine, byToken } = lifecycles(s.settings);
  return { engine, proxy: byToken.get(TOKEN) as ResourceLifecycle, domain: byToken.get("datum:networking:Domain") as ResourceLifecycle };
}

function inputs(ns: string, name: string, host: string, path = "/api") {
  return {
    metadata: { name, namespace: ns },
    spec: { hostnames: [host], rules: [{ name: "api", matches: [{ path: { type: "PathPrefix", value: path } }], backends: [{ endpoint: "https://api.example.com" }] }] },
  };
}

async function create(s: ReturnType<typeof stack>, ns: string, name: string, host: string) {
  const checked = await s.proxy.check(undefined, inputs(ns, name, host), { urnName: name });
  expect(checked.failures).toEqual([]);
  return s.proxy.create(checked.inputs, { preview: false });
}

async function update(s: ReturnType<typeof stack>, olds: ResourceState, ns: string, name: string, host: string, path?: string) {
  const checked = await s.proxy.check(olds, inputs(ns, name, host, path), { urnName: name });
  expect(checked.failures).toEqual([]);
  return s.proxy.update(`${ns}/${name}`, olds, checked.inputs, { preview: false });
}

/**
 * Every labelled object of the proxy as its clients wrote it: "unchanged" means equal snapshots.
 * The controllers' status writes (the status subresource, which the provider never writes) are
 * left out: Envoy Gateway and cert-manager may still settle a status after the object is ready.
 */
async function snapshot(ns: string, name: string): Promise<string[]> {
  const out: string[] = [];
  for (const k of [GATEWAY, ROUTE, { apiVersion: "cert-manager.io/v1", kind: "Certificate" }, { apiVersion: "v1", kind: "Service" }] as const) {
    const l = await admin.list({ ...k, namespace: ns, labelSelector: `${SOURCE}=${name}` });
    out.push(...l.items.map((o) => `${o.kind}/${o.metadata.name}@${JSON.stringify(withoutStatus(o))}`));
  }
  return out.sort();
}

function withoutStatus(o: KubeObject): KubeObject {
  const { status: _status, ...rest } = o;
  const { resourceVersion: _rv, managedFields, ...metadata } = o.metadata;
  const writes = (Array.isArray(managedFields) ? managedFields : []).filter((m: { subresource?: string }) => m.subresource !== "status");
  return { ...rest, metadata: { ...metadata, managedFields: writes } };
}

async function claimHolder(host: string): Promise<string | undefined> {
  const cm = await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: CLAIMS, name: host });
  return cm ? String((cm["data"] as Record<string, unknown>)["owner"]) : undefined;
}

async function get(ref: { apiVersion: string; kind: string }, ns: string, name: string): Promise<KubeObject | undefined> {
  return admin.get({ ...ref, namespace: ns, name });
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

describe("two stacks on one cluster, same names", () => {
  for (const [label, fmB] of [
    ["same field manager", "pulumi-datum"],
    ["different field managers", "pulumi-datum-b"],
  ] as const) {
    test(`${label}: the second fails naming the first; the first keeps working through the second's destroy`, async () => {
      const ns = await cp.newNamespace("own");
      const host = `shop-${ns}.example.com`;
      const a = stack("shop/prod", "pulumi-datum");
      const b = stack("shop/staging", fmB);
      const created = await create(a, ns, "shop", host);
      expect(created.outputs["ready"]).toBe(true);
      expect((await get(GATEWAY, ns, "shop"))?.metadata.annotations?.[OWNER_ANNOTATION]).toBe("shop/prod");
      const before = await snapshot(ns, "shop");

      const err = await create(b, ns, "shop", host).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "OwnershipError" });
      const message = String((err as Error).message);
      expect(message).toContain(`Gateway ${ns}/shop already exists and belongs to stack "shop/prod", not to this stack ("shop/staging"); nothing was written.`);
      expect(message).toContain("datum:adoptExisting");
      expect(await snapshot(ns, "shop")).toEqual(before);
      expect(await claimHolder(host)).toBe(`shop/prod/${ns}/shop`);

      // The failed create left no state; destroy of the second stack runs with the id alone.
      const warnings: string[] = [];
      await b.proxy.delete(`${ns}/shop`, {}, { preview: false, onWarning: (w) => warnings.push(w) });
      expect(await snapshot(ns, "shop")).toEqual(before);
      expect(await claimHolder(host)).toBe(`shop/prod/${ns}/shop`);
      expect(warnings).toContainEqual(`Gateway ${ns}/shop was left in place: it belongs to stack "shop/prod", not to this stack`);

      // The first stack still updates and deletes its proxy.
      const updated = await update(a, created.outputs, ns, "shop", host, "/v2");
      expect(updated.outputs["ready"]).toBe(true);
      await a.proxy.delete(`${ns}/shop`, updated.outputs, { preview: false });
      expect(await snapshot(ns, "shop")).toEqual([]);
      expect(await claimHolder(host)).toBeUndefined();
      await a.engine.close();
      await b.engine.close();
    });
  }

  test("preview shows the refusal too, and writes nothing", async () => {
    const ns = await cp.newNamespace("ownp");
    const a = stack("p/a", "pulumi-datum");
    const b = stack("p/b", "pulumi-datum");
    const created = await create(a, ns, "web", `web-${ns}.example.com`);
    const checked = await b.proxy.check(undefined, inputs(ns, "web", `web-${ns}.example.com`), { urnName: "web" });
    await expect(b.proxy.create(checked.inputs, { preview: true })).rejects.toMatchObject({ name: "OwnershipError" });
    await a.proxy.delete(created.id, created.outputs, { preview: false });
    await a.engine.close();
    await b.engine.close();
  });

  test("an object made by another client is refused naming its field manager, and adopted only with adoptExisting", async () => {
    const ns = await cp.newNamespace("owna");
    const host = `hand-${ns}.example.com`;
    await admin.apply(
      { ...GATEWAY, metadata: { name: "hand", namespace: ns }, spec: { gatewayClassName: "envoy-gateway", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] } },
      { fieldManager: "kubectl-create" },
    );
    const a = stack("hand/prod", "pulumi-datum");
    const err = await create(a, ns, "hand", host).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain(`Gateway ${ns}/hand already exists and belongs to field manager "kubectl-create", not to this stack ("hand/prod")`);
    expect(await claimHolder(host)).toBeUndefined();

    const adopting = stack("hand/prod", "pulumi-datum", { adoptExisting: true });
    const created = await create(adopting, ns, "hand", host);
    expect(created.outputs["ready"]).toBe(true);
    const gw = await get(GATEWAY, ns, "hand");
    expect(gw?.metadata.annotations?.[OWNER_ANNOTATION]).toBe("hand/prod");
    // Adopted and forced: the listeners are the rendered ones now.
    expect(JSON.stringify(gw?.["spec"])).not.toContain('"name":"http","port":80,"protocol":"HTTP"}]');
    await adopting.proxy.delete(created.id, created.outputs, { preview: false });
    expect(await get(GATEWAY, ns, "hand")).toBeUndefined();
    await a.engine.close();
    await adopting.engine.close();
  });
});

describe("Domain records of two stacks", () => {
  test("a second stack's Domain with the same name fails naming the first; its destroy leaves the record", async () => {
    const ns = await cp.newNamespace("ownr");
    const a = stack("dom/prod", "pulumi-datum");
    const b = stack("dom/staging", "pulumi-datum");
    const domain = async (s: ReturnType<typeof stack>) => {
      const checked = await s.domain.check(undefined, { metadata: { name: "shop", namespace: ns }, spec: { domainName: `${ns}.example.com` }, waitForVerification: false }, { urnName: "shop" });
      return s.domain.create(checked.inputs, { preview: false });
    };
    const created = await domain(a);
    const record = { apiVersion: "v1", kind: "ConfigMap" } as const;
    const before = (await get(record, ns, "datum-domain-shop"))?.metadata.resourceVersion;
    const err = await domain(b).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "OwnershipError" });
    expect(String((err as Error).message)).toContain(`Domain record ConfigMap ${ns}/datum-domain-shop already exists and belongs to stack "dom/prod"`);
    const warnings: string[] = [];
    await b.domain.delete(`${ns}/shop`, {}, { preview: false, onWarning: (w) => warnings.push(w) });
    expect((await get(record, ns, "datum-domain-shop"))?.metadata.resourceVersion).toBe(before);
    expect(warnings).toEqual([`ConfigMap ${ns}/datum-domain-shop was left in place: it belongs to stack "dom/prod", not to this stack`]);
    await a.domain.delete(created.id, created.outputs, { preview: false });
    expect(await get(record, ns, "datum-domain-shop")).toBeUndefined();
    await a.engine.close();
    await b.engine.close();
  });
});

describe("a stack converges its own objects", () => {
  test("changing the field manager: the next update succeeds on the stack's own claim and destroy leaves no claim", async () => {
    const ns = await cp.newNamespace("ownf");
    const host = `fm-${ns}.example.com`;
    const first = stack("fm/prod", "team-a");
    const created = await create(first, ns, "shop", host);
    expect(await claimHolder(host)).toBe(`fm/prod/${ns}/shop`);

    // The README's advice for shared clusters, applied to a running stack: a new field manager.
    const second = stack("fm/prod", "team-a-renamed");
    const updated = await update(second, created.outputs, ns, "shop", host, "/v2");
    expect(updated.outputs["ready"]).toBe(true);
    const route = await get(ROUTE, ns, "shop");
    expect(JSON.stringify(route?.["spec"])).toContain('"/v2"');
    // The field the old manager set and the new one changed is the new manager's alone now.
    const managers = (route?.metadata["managedFields"] as { manager: string; fieldsV1?: unknown }[]).filter((m) => JSON.stringify(m.fieldsV1).includes('"f:rules"'));
    expect(managers.map((m) => m.manager)).toEqual(["team-a-renamed"]);
    expect(await claimHolder(host)).toBe(`fm/prod/${ns}/shop`);

    await second.proxy.delete(created.id, updated.outputs, { preview: false });
    expect(await snapshot(ns, "shop")).toEqual([]);
    expect(await claimHolder(host)).toBeUndefined();
    await first.engine.close();
    await second.engine.close();
  });

  test("a hand edit by another field manager is drift, and the next update takes it back", async () => {
    const ns = await cp.newNamespace("ownd");
    const host = `edit-${ns}.example.com`;
    const a = stack("edit/prod", "pulumi-datum");
    const created = await create(a, ns, "shop", host);
    const route = (await get(ROUTE, ns, "shop"))!;
    const spec = route["spec"] as { rules: { matches: { path: { value: string } }[] }[] };
    const edited = { ...spec, rules: spec.rules.map((r) => ({ ...r, matches: [{ path: { type: "PathPrefix", value: "/hijacked" } }] })) };
    await admin.apply({ ...ROUTE, metadata: { name: "shop", namespace: ns }, spec: edited }, { fieldManager: "kubectl-edit", force: true });

    const read = await a.proxy.read(created.id, created.outputs, undefined, { preview: false });
    expect((read?.outputs["drift"] as string[]).some((d) => d.startsWith(`HTTPRoute ${ns}/shop: spec.rules`))).toBe(true);
    const repaired = await update(a, read!.outputs, ns, "shop", host);
    expect(repaired.outputs["ready"]).toBe(true);
    expect(JSON.stringify((await get(ROUTE, ns, "shop"))?.["spec"])).not.toContain("/hijacked");
    const again = await a.proxy.read(created.id, repaired.outputs, undefined, { preview: false });
    expect(again?.outputs["drift"]).toEqual([]);
    await a.proxy.delete(created.id, repaired.outputs, { preview: false });
    await a.engine.close();
  });

  test("objects and claims of an earlier version (no owner mark) are taken over by the same field manager", async () => {
    const ns = await cp.newNamespace("ownl");
    const host = `legacy-${ns}.example.com`;
    // An earlier version: no owner id, so its identity (and claim owner) was the field manager.
    const old = stack(undefined, "pulumi-datum");
    const created = await create(old, ns, "shop", host);
    expect(await claimHolder(host)).toBe(`pulumi-datum/${ns}/shop`);
    // Its objects had no mark: drop it, as this field manager.
    const gw = (await get(GATEWAY, ns, "shop"))!;
    const annotations = { ...gw.metadata.annotations };
    delete annotations[OWNER_ANNOTATION];
    await admin.apply({ ...GATEWAY, metadata: { name: "shop", namespace: ns, annotations }, spec: gw["spec"] }, { fieldManager: "pulumi-datum" });
    expect((await get(GATEWAY, ns, "shop"))?.metadata.annotations?.[OWNER_ANNOTATION]).toBeUndefined();

    // Another stack with the same names but another field manager may not take them.
    const other = stack("legacy/other", "someone-else");
    await expect(create(other, ns, "shop", host)).rejects.toMatchObject({ name: "OwnershipError" });

    // The upgraded stack (owner id from its URN, same field manager) takes both over.
    const upgraded = stack("legacy/prod", "pulumi-datum");
    const updated = await update(upgraded, created.outputs, ns, "shop", host, "/v2");
    expect(updated.outputs["ready"]).toBe(true);
    expect((await get(GATEWAY, ns, "shop"))?.metadata.annotations?.[OWNER_ANNOTATION]).toBe("legacy/prod");
    expect(await claimHolder(host)).toBe(`legacy/prod/${ns}/shop`);
    await upgraded.proxy.delete(created.id, updated.outputs, { preview: false });
    expect(await snapshot(ns, "shop")).toEqual([]);
    expect(await claimHolder(host)).toBeUndefined();
    await old.engine.close();
    await other.engine.close();
    await upgraded.engine.close();
  });
});
