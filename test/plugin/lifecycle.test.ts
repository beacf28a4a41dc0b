// The native plugin driven over gRPC the way `pulumi preview/up/refresh/import/destroy` drive it,
// against a real kube-apiserver (test/infra) with the real Envoy Gateway and cert-manager
// (test/infra/controllers.ts). The plugin is the built binary, configured with the control plane's
// kubeconfig. A readiness wait that never ends is a real one: a plugin configured with a
// ClusterIssuer that does not exist, whose HTTPS listener waits for a certificate that never comes.
import * as grpc from "@grpc/grpc-js";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubeClient, type KubeClient } from "../../provider/kube/index";
import type { ControlPlane } from "../infra/controlplane";
import { getControllers, type Controllers } from "../infra/controllers";
import {
  checkRequest,
  configureRequest,
  createRequest,
  failuresOf,
  js,
  plainStrings,
  rpc,
  rpcError,
  secret,
  spawnPlugin,
  startEngineLog,
  struct,
  UNKNOWN,
  type Props,
  type SpawnedProvider,
} from "./harness";

const TYPE = "datum:networking:HTTPProxy";
const SOURCE_LABEL = "pulumi-datum.io/source-name";
const TOKEN = "Bearer s3cr3t-t0ken-for-upstream";
/** No ClusterIssuer of this name exists: cert-manager never issues, Envoy Gateway keeps the HTTPS listener unready. */
const MISSING_ISSUER = "no-such-issuer";

let rc: Controllers;
let cp: ControlPlane;
let admin: KubeClient;
let logs: Awaited<ReturnType<typeof startEngineLog>>;
let plugin: SpawnedProvider;
let ns: string;

const urn = (name: string): string => `urn:pulumi:test::proj::${TYPE}::${name}`;

beforeAll(async () => {
  rc = await getControllers();
  cp = rc.cp;
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
  ns = await cp.newNamespace("plugin");
  logs = await startEngineLog();
  plugin = await spawnPlugin(logs.address);
  const c = plugin.client;
  const config = { kubeconfig: secret(cp.kubeconfig), namespace: ns, timeoutSeconds: "60" };
  const checked = await rpc(c, c.checkConfig, checkRequest("pulumi:providers:datum", config));
  expect(failuresOf(checked)).toEqual([]);
  const res = await rpc(c, c.configure, configureRequest(js(checked.getInputs())));
  expect(res.getSupportspreview()).toBe(true);
}, 240_000);

afterAll(async () => {
  await plugin?.stop();
  await logs?.stop();
  await admin?.close();
  await rc?.stop();
});

/** Another plugin whose listener certificates come from MISSING_ISSUER: every create waits for readiness until its timeout. */
async function pendingPlugin(): Promise<SpawnedProvider> {
  const p = await spawnPlugin(logs.address);
  await rpc(p.client, p.client.configure, configureRequest({ kubeconfig: secret(cp.kubeconfig), namespace: ns, clusterIssuer: MISSING_ISSUER }));
  return p;
}

function proxy(name: string, spec: Props): Props {
  return { metadata: { name }, spec };
}

const simpleSpec = (endpoint: unknown = "https://api.example.com"): Props => ({
  rules: [
    {
      name: "web",
      filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Signature", value: secret(TOKEN) }] } }],
      backends: [{ endpoint }],
    },
  ],
});

async function check(news: Props, olds?: Props, name = "shop"): Promise<Props> {
  const c = plugin.client;
  const res = await rpc(c, c.check, checkRequest(TYPE, news, olds, name));
  expect(failuresOf(res)).toEqual([]);
  return js(res.getInputs());
}

function createReq(name: string, inputs: Props, preview: boolean, timeout = 0): providerPb.CreateRequest {
  return createRequest(TYPE, name, inputs, preview, timeout);
}

async function ownedObjects(name: string): Promise<string[]> {
  const out: string[] = [];
  for (const [apiVersion, kind] of [
    ["gateway.networking.k8s.io/v1", "Gateway"],
    ["gateway.networking.k8s.io/v1", "HTTPRoute"],
  ] as const) {
    const l = await admin.list({ apiVersion, kind, namespace: ns, labelSelector: `${SOURCE_LABEL}=${name}` });
    out.push(...l.items.map((o) => `${o.kind}/${o.metadata.name}`));
  }
  return out.sort();
}

describe("HTTPProxy over gRPC on a real API server", () => {
  let inputs: Props;
  let state: Props;
  let id: string;

  it("check fills the namespace from the provider and keeps the secret header secret", async () => {
    inputs = await check(proxy("shop", simpleSpec()));
    expect(inputs["metadata"]).toMatchObject({ name: "shop", namespace: ns });
    expect(plainStrings(inputs).some((s) => s.includes("s3cr3t"))).toBe(false);
  });

  it("preview of a create writes nothing and leaves cluster-assigned outputs unknown", async () => {
    const c = plugin.client;
    const res = await rpc(c, c.create, createReq("shop", inputs, true));
    expect(res.getId()).toBe("");
    const props = js(res.getProperties());
    expect(props["ready"]).toBe(UNKNOWN);
    expect(await ownedObjects("shop")).toEqual([]);
  });

  it("create applies the downstream objects, waits for readiness and returns secret-safe state", async () => {
    const c = plugin.client;
    const before = logs.lines.length;
    const res = await rpc(c, c.create, createReq("shop", inputs, false, 60));
    id = res.getId();
    expect(id).toBe(`${ns}/shop`);
    state = js(res.getProperties());
    expect(state["ready"]).toBe(true);
    expect(state["canonicalHostname"]).toMatch(/\.datum\.local$/);
    expect((state["downstream"] as { kind: string }[]).map((d) => d.kind)).toEqual(expect.arrayContaining(["Gateway", "HTTPRoute"]));
    expect(await ownedObjects("shop")).toEqual(["Gateway/shop", "HTTPRoute/shop"]);
    expect(plainStrings(state).some((s) => s.includes("s3cr3t"))).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    const lines = logs.lines.slice(before);
    expect(lines.some((l) => l.urn === urn("shop") && l.ephemeral)).toBe(true);
    expect(JSON.stringify(logs.lines)).not.toContain("s3cr3t");
  });

  it("the same inputs again: no diff", async () => {
    const c = plugin.client;
    const again = await check(proxy("shop", simpleSpec()), inputs);
    const d = new providerPb.DiffRequest();
    d.setId(id);
    d.setUrn(urn("shop"));
    d.setType(TYPE);
    d.setOlds(struct(state));
    d.setNews(struct(again));
    const res = await rpc(c, c.diff, d);
    expect(res.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_NONE);
  });

  it("a changed endpoint: detailed diff, preview update without writes, then update", async () => {
    const c = plugin.client;
    const news = await check(proxy("shop", simpleSpec("https://other.example.com")), inputs);
    const d = new providerPb.DiffRequest();
    d.setId(id);
    d.setUrn(urn("shop"));
    d.setType(TYPE);
    d.setOlds(struct(state));
    d.setNews(struct(news));
    const diff = await rpc(c, c.diff, d);
    expect(diff.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(diff.getReplacesList()).toEqual([]);
    expect([...diff.getDetaileddiffMap().keys()]).toContain("spec.rules[0].backends[0].endpoint");

    const routeBefore = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, name: "shop" });
    const up = new providerPb.UpdateRequest();
    up.setId(id);
    up.setUrn(urn("shop"));
    up.setType(TYPE);
    up.setOlds(struct(state));
    up.setNews(struct(news));
    up.setPreview(true);
    await rpc(c, c.update, up);
    const routeAfterPreview = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, name: "shop" });
    expect(routeAfterPreview?.metadata.resourceVersion).toBe(routeBefore?.metadata.resourceVersion);

    up.setPreview(false);
    up.setTimeout(60);
    const res = await rpc(c, c.update, up);
    state = js(res.getProperties());
    inputs = news;
    expect(state["ready"]).toBe(true);
    const routeAfter = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, name: "shop" });
    expect(routeAfter?.metadata.resourceVersion).not.toBe(routeBefore?.metadata.resourceVersion);
  });

  it("refresh reads the objects back; import rebuilds the inputs from the cluster alone", async () => {
    const c = plugin.client;
    const refresh = new providerPb.ReadRequest();
    refresh.setId(id);
    refresh.setUrn(urn("shop"));
    refresh.setType(TYPE);
    refresh.setProperties(struct(state));
    refresh.setInputs(struct(inputs));
    const r = await rpc(c, c.read, refresh);
    expect(r.getId()).toBe(id);
    expect(js(r.getProperties())["drift"]).toEqual([]);

    const imp = new providerPb.ReadRequest();
    imp.setId(id);
    imp.setUrn(urn("imported"));
    imp.setType(TYPE);
    const got = await rpc(c, c.read, imp);
    expect(got.getId()).toBe(id);
    const imported = js(got.getInputs());
    expect(imported["metadata"]).toMatchObject({ name: "shop", namespace: ns });
    expect((imported["spec"] as { rules: { backends: { endpoint: string }[] }[] }).rules[0]?.backends[0]?.endpoint).toBe("https://other.example.com");

    const missing = new providerPb.ReadRequest();
    missing.setId(`${ns}/nothing-here`);
    missing.setUrn(urn("nothing"));
    missing.setType(TYPE);
    expect((await rpc(c, c.read, missing)).getId()).toBe("");
  });

  it("delete removes every downstream object", async () => {
    const c = plugin.client;
    const del = new providerPb.DeleteRequest();
    del.setId(id);
    del.setUrn(urn("shop"));
    del.setType(TYPE);
    del.setProperties(struct(state));
    await rpc(c, c.delete, del);
    expect(await ownedObjects("shop")).toEqual([]);
  });

  it("an object that does not become ready within the timeout is reported as created-but-not-ready", async () => {
    const pending = await pendingPlugin();
    const c = pending.client;
    const name = "slow";
    const checked = await rpc(c, c.check, checkRequest(TYPE, proxy(name, simpleSpec()), undefined, name));
    expect(failuresOf(checked)).toEqual([]);
    const err = await rpcError(c, c.create, createReq(name, js(checked.getInputs()), false, 2)).finally(() => pending.stop());
    const raw = err.metadata.get("grpc-status-details-bin")[0];
    expect(raw).toBeInstanceOf(Buffer);
    const statusPb = require("@pulumi/pulumi/proto/status_pb") as { Status: { deserializeBinary(b: Uint8Array): { getDetailsList(): { getTypeName(): string; getValue_asU8(): Uint8Array }[] } } };
    const detail = statusPb.Status.deserializeBinary(raw as Buffer).getDetailsList()[0];
    expect(detail?.getTypeName()).toBe("pulumirpc.ErrorResourceInitFailed");
    const failed = providerPb.ErrorResourceInitFailed.deserializeBinary(detail!.getValue_asU8());
    expect(failed.getId()).toBe(`${ns}/${name}`);
    expect(failed.getReasonsList().length).toBeGreaterThan(0);
    // What is still pending: the listener's certificate (the Gateway's own status depends on how far Envoy Gateway got in 2 s).
    expect(failed.getReasonsList().join(" ")).toContain(`Certificate ${ns}/${name}-default-https`);
    expect(js(failed.getProperties())["ready"]).toBe(false);
    expect(plainStrings(js(failed.getProperties())).some((s) => s.includes("s3cr3t"))).toBe(false);
    expect(failed.getReasonsList().join(" ")).not.toContain("s3cr3t");
    expect(await ownedObjects(name)).toEqual([`Gateway/${name}`, `HTTPRoute/${name}`]);
  });

  it("Cancel stops a create that is waiting for readiness", async () => {
    const other = await pendingPlugin();
    try {
      const c = other.client;
      const name = "stuck";
      const news = js((await rpc(c, c.check, checkRequest(TYPE, proxy(name, simpleSpec()), undefined, name))).getInputs());
      const pending = rpcError(c, c.create, createReq(name, news, false, 300));
      // Wait until the objects exist, i.e. the create is in its readiness wait.
      for (let i = 0; i < 100 && (await ownedObjects(name)).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      await rpc(c, c.cancel, new Empty());
      const err = await pending;
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect([grpc.status.CANCELLED, grpc.status.UNKNOWN]).toContain(err.code);
    } finally {
      await other.stop();
    }
  });
});
