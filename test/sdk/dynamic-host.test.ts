// The dynamic adapter as Pulumi really runs it: the provider is serialized with the SDK's own
// closure serializer (what `new dynamic.Resource` stores as `__provider`), and the SDK's dynamic
// provider host (`@pulumi/pulumi/cmd/dynamic-provider`) deserializes and calls it over gRPC,
// against a real kube-apiserver with the real Envoy Gateway and cert-manager (test/infra/controllers.ts).
import * as pulumi from "@pulumi/pulumi";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubeClient, type KubeClient } from "../../provider/kube/index";
import { dynamicProvider } from "../../sdk/dynamic/provider";
import type { ControlPlane } from "../infra/controlplane";
import { getControllers, type Controllers } from "../infra/controllers";
import { checkRequest, configureRequest, failuresOf, js, rpc, rpcError, spawnDynamicHost, struct, UNKNOWN, type Props, type SpawnedProvider } from "../plugin/harness";

const TYPE = "datum:networking:HTTPProxy";
const DYN_TYPE = "pulumi-nodejs:dynamic/networking:HTTPProxy";
const SOURCE_LABEL = "pulumi-datum.io/source-name";

let rc: Controllers;
let cp: ControlPlane;
let admin: KubeClient;
let host: SpawnedProvider;
let serialized: string;
let ns: string;

beforeAll(async () => {
  rc = await getControllers();
  cp = rc.cp;
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
  ns = await cp.newNamespace("dyn");
  const provider = dynamicProvider(TYPE);
  serialized = (await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true })).text;
  host = await spawnDynamicHost();
  // The host hands every stack config key to the provider's configure(); datum:* keys are defaults.
  await rpc(host.client, host.client.configure, configureRequest({ "datum:timeoutSeconds": "60" }));
}, 240_000);

afterAll(async () => {
  await host?.stop();
  await admin?.close();
  await rc?.stop();
});

/** The private key inside the kubeconfig: it must never appear in a message. */
function clientKey(): string {
  const m = /client-key-data: (\S+)/.exec(cp.kubeconfig);
  if (!m?.[1]) throw new Error("the test kubeconfig has no client-key-data");
  return m[1].slice(0, 40);
}

function news(name: string, endpoint: unknown): Props {
  return {
    __provider: serialized,
    resourceName: name,
    settings: { kubeconfig: cp.kubeconfig, namespace: ns },
    metadata: { name },
    spec: { rules: [{ name: "web", backends: [{ endpoint }] }] },
  };
}

async function owned(name: string): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ["Gateway", "HTTPRoute"]) {
    const l = await admin.list({ apiVersion: "gateway.networking.k8s.io/v1", kind, namespace: ns, labelSelector: `${SOURCE_LABEL}=${name}` });
    out.push(...l.items.map((o) => `${o.kind}/${o.metadata.name}`));
  }
  return out.sort();
}

describe("dynamic adapter in Pulumi's dynamic-provider host", () => {
  let inputs: Props;
  let state: Props;
  let id: string;

  it("check: valid inputs pass, the settings and the serialized provider are carried along", async () => {
    const c = host.client;
    const res = await rpc(c, c.check, checkRequest(DYN_TYPE, news("shop", "https://api.example.com"), {}));
    expect(failuresOf(res)).toEqual([]);
    inputs = js(res.getInputs());
    expect(inputs["metadata"]).toMatchObject({ name: "shop", namespace: ns });
    expect(inputs["__provider"]).toBe(serialized);
    expect(inputs["settings"]).toEqual({ kubeconfig: cp.kubeconfig, namespace: ns });
  });

  it("check: NSO's message at the field path; unknown values are deferred", async () => {
    const c = host.client;
    const bad = await rpc(c, c.check, checkRequest(DYN_TYPE, news("shop", "https://api.example.com/v1"), {}));
    expect(failuresOf(bad)).toEqual([{ property: "spec.rules[0].backends[0].endpoint", reason: expect.stringContaining('Invalid value: "/v1"') }]);
    const unknown = await rpc(c, c.check, checkRequest(DYN_TYPE, news("shop", UNKNOWN), {}));
    expect(failuresOf(unknown)).toEqual([]);
  });

  it("check: invalid settings name the key and never print the kubeconfig", async () => {
    const c = host.client;
    const n = news("shop", "https://api.example.com");
    n["settings"] = { kubeconfig: cp.kubeconfig, timeoutSeconds: -1, kubeconifg: "x" };
    const f = failuresOf(await rpc(c, c.check, checkRequest(DYN_TYPE, n, {})));
    expect(f.map((x) => x.property).sort()).toEqual(["settings.kubeconifg", "settings.timeoutSeconds"]);
    expect(JSON.stringify(f)).not.toContain(clientKey());
  });

  it("create applies and waits; the engine code was loaded by the host, not serialized", async () => {
    const c = host.client;
    const r = new providerPb.CreateRequest();
    r.setUrn(`urn:pulumi:test::proj::${DYN_TYPE}::shop`);
    r.setProperties(struct(inputs));
    const res = await rpc(c, c.create, r);
    id = res.getId();
    state = js(res.getProperties());
    expect(id).toBe(`${ns}/shop`);
    expect(state["ready"]).toBe(true);
    expect(state["__provider"]).toBe(serialized);
    expect(state["settings"]).toEqual(inputs["settings"]);
    expect(await owned("shop")).toEqual(["Gateway/shop", "HTTPRoute/shop"]);
    expect(serialized.length).toBeLessThan(10_000);
  });

  it("diff: no change for the same inputs; a change (no detailed diff in this host) for a new endpoint", async () => {
    const c = host.client;
    const diff = async (n: Props): Promise<providerPb.DiffResponse> => {
      const d = new providerPb.DiffRequest();
      d.setId(id);
      d.setUrn(`urn:pulumi:test::proj::${DYN_TYPE}::shop`);
      d.setOlds(struct(state));
      d.setNews(struct(n));
      return rpc(c, c.diff, d);
    };
    expect((await diff(inputs)).getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_NONE);
    const changed = js((await rpc(c, c.check, checkRequest(DYN_TYPE, news("shop", "https://other.example.com"), inputs))).getInputs());
    const d = await diff(changed);
    expect(d.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(d.getReplacesList()).toEqual([]);
    expect(d.getHasdetaileddiff()).toBe(false);

    const u = new providerPb.UpdateRequest();
    u.setId(id);
    u.setUrn(`urn:pulumi:test::proj::${DYN_TYPE}::shop`);
    u.setOlds(struct(state));
    u.setNews(struct(changed));
    state = js((await rpc(c, c.update, u)).getProperties());
    expect(state["ready"]).toBe(true);
    expect((state["spec"] as { rules: { backends: { endpoint: string }[] }[] }).rules[0]?.backends[0]?.endpoint).toBe("https://other.example.com");
  });

  it("moving to another default namespace replaces the resource", async () => {
    const c = host.client;
    const moved = { ...inputs, settings: { kubeconfig: cp.kubeconfig, namespace: `${ns}-other` } };
    const d = new providerPb.DiffRequest();
    d.setId(id);
    d.setUrn(`urn:pulumi:test::proj::${DYN_TYPE}::shop`);
    d.setOlds(struct(state));
    d.setNews(struct(moved));
    const res = await rpc(c, c.diff, d);
    expect(res.getReplacesList()).toContain("settings");
  });

  it("refresh reads the objects back", async () => {
    const c = host.client;
    const r = new providerPb.ReadRequest();
    r.setId(id);
    r.setUrn(`urn:pulumi:test::proj::${DYN_TYPE}::shop`);
    r.setProperties(struct(state));
    const res = await rpc(c, c.read, r);
    expect(res.getId()).toBe(id);
    expect(js(res.getProperties())["drift"]).toEqual([]);
    expect(js(res.getInputs())["settings"]).toEqual(state["settings"]);
  });

  it("delete (with the settings in state) removes the objects", async () => {
    const c = host.client;
    const r = new providerPb.DeleteRequest();
    r.setId(id);
    r.setUrn(`urn:pulumi:test::proj::${DYN_TYPE}::shop`);
    r.setProperties(struct(state));
    await rpc(c, c.delete, r);
    expect(await owned("shop")).toEqual([]);
  });

  it("not ready within settings.timeoutSeconds: created-but-not-ready with the id", async () => {
    const c = host.client;
    const n = news("slow", "https://api.example.com");
    // No ClusterIssuer of this name exists: cert-manager never issues, the HTTPS listener stays unready.
    n["settings"] = { kubeconfig: cp.kubeconfig, namespace: ns, timeoutSeconds: 2, clusterIssuer: "no-such-issuer" };
    const checked = js((await rpc(c, c.check, checkRequest(DYN_TYPE, n, {}))).getInputs());
    const r = new providerPb.CreateRequest();
    r.setUrn(`urn:pulumi:test::proj::${DYN_TYPE}::slow`);
    r.setProperties(struct(checked));
    const err = await rpcError(c, c.create, r);
    const raw = err.metadata.get("grpc-status-details-bin")[0];
    expect(raw).toBeInstanceOf(Buffer);
    const statusPb = require("@pulumi/pulumi/proto/status_pb") as { Status: { deserializeBinary(b: Uint8Array): { getDetailsList(): { getValue_asU8(): Uint8Array }[] } } };
    const failed = providerPb.ErrorResourceInitFailed.deserializeBinary(statusPb.Status.deserializeBinary(raw as Buffer).getDetailsList()[0]!.getValue_asU8());
    expect(failed.getId()).toBe(`${ns}/slow`);
    expect(failed.getReasonsList().join(" ")).toContain(`Certificate ${ns}/slow-default-https`);
    expect(js(failed.getProperties())["settings"]).toEqual(n["settings"]);
    expect(err.details).not.toContain(clientKey());
  });
});
