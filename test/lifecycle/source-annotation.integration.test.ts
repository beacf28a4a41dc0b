// The source annotation on a real kube-apiserver: a large valid HTTPProxy whose plain source the
// API server refuses (> 256 KiB of annotations) is created, refreshed and imported; a proxy with a
// credential header keeps the credential out of the cluster's annotations, and its import names
// the value to supply.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, RESOURCE_KINDS, type ResourceLifecycle } from "../../provider/lifecycle/index.ts";
import { createKubeClient, type KubeClient, type KubeObject } from "../../provider/kube/index.ts";
import { SOURCE_ANNOTATION } from "../../provider/lifecycle/downstream.ts";
import { MAX_ANNOTATIONS_BYTES } from "../../provider/lifecycle/annotation-size.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { largeHTTPProxy } from "./large-proxy.ts";

const TOKEN = "datum:networking:HTTPProxy";
const GATEWAY = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway" } as const;
let cp: ControlPlane;
let admin: KubeClient;
let ns: string;

function engineFor(kubeconfig: string) {
  const s = resolveEngineSettings({ kubeconfig, skipAwait: true, guardrails: { gateway: { disableHostnameVerification: true } } });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const { engine, byToken } = lifecycles(s.settings);
  return { engine, proxy: byToken.get(TOKEN) as ResourceLifecycle };
}

function inputsOf(source: Record<string, unknown>): Record<string, unknown> {
  const { apiVersion: _a, kind: _k, ...inputs } = source;
  return inputs;
}

function annotationBytes(o: KubeObject | undefined): number {
  return Object.entries(o?.metadata.annotations ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
}

beforeAll(async () => {
  cp = await getControlPlane();
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
  ns = await cp.newNamespace("annotation");
});

afterAll(async () => {
  await admin?.close();
});

describe("a large HTTPProxy", () => {
  test("its source as plain JSON is refused by the API server (what failed at up before)", async () => {
    const { engine } = engineFor(cp.kubeconfig);
    const source = largeHTTPProxy("plain", ns);
    const gateway = engine.renderSource(RESOURCE_KINDS.find((k) => k.token === TOKEN)!, source).find((o) => o.kind === "Gateway")!;
    const plain = JSON.stringify(inputsOf(source));
    expect(Buffer.byteLength(plain)).toBeGreaterThan(MAX_ANNOTATIONS_BYTES);
    const old = { ...gateway, metadata: { ...gateway.metadata, annotations: { [SOURCE_ANNOTATION]: plain } } };
    await expect(admin.apply(old as unknown as KubeObject)).rejects.toThrow(/metadata\.annotations: Too long: (must have at most|may not be more than) 262144 bytes/);
  });

  test("is created, refreshed and imported: its source is stored compressed", async () => {
    const { engine, proxy } = engineFor(cp.kubeconfig);
    const inputs = inputsOf(largeHTTPProxy("big", ns));
    try {
      const created = await proxy.create(inputs, { preview: false });
      expect(created.id).toBe(`${ns}/big`);
      const gw = await admin.get({ ...GATEWAY, namespace: ns, name: "big" });
      expect(gw?.metadata.annotations?.[SOURCE_ANNOTATION]?.startsWith("gz1:")).toBe(true);
      expect(annotationBytes(gw)).toBeLessThan(MAX_ANNOTATIONS_BYTES / 10);

      const refreshed = await proxy.read(created.id, created.outputs, inputs, { preview: false });
      expect(refreshed?.outputs["drift"]).toEqual([]);
      expect(refreshed?.inputs["spec"]).toEqual(inputs["spec"]);
      const warnings: string[] = [];
      const imported = await proxy.read(created.id, undefined, undefined, { preview: false, onWarning: (w) => warnings.push(w) });
      expect(imported?.inputs["spec"]).toEqual(inputs["spec"]);
      expect(warnings).toEqual([]);
    } finally {
      await proxy.delete(`${ns}/big`, {}, { preview: false });
      await engine.close();
    }
  });

  test("one that cannot fit even compressed fails at preview and writes nothing", async () => {
    const { engine, proxy } = engineFor(cp.kubeconfig);
    const inputs = inputsOf(largeHTTPProxy("noise", ns, { incompressible: true }));
    try {
      await expect(proxy.create(inputs, { preview: true })).rejects.toThrow(/Gateway .*\/noise: metadata\.annotations: Too long: \d+ bytes, the API server accepts at most 262144/);
      await expect(proxy.create(inputs, { preview: false })).rejects.toThrow(/Too long/);
      expect(await admin.get({ ...GATEWAY, namespace: ns, name: "noise" })).toBeUndefined();
      expect(await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, name: "noise" })).toBeUndefined();
    } finally {
      await engine.close();
    }
  });
});

describe("a proxy with a credential header", () => {
  const BEARER = "Bearer integ-6e1b9d4a7c2f8035";

  test("keeps the credential out of the annotation; import names what to supply; the next up writes it", async () => {
    const { engine, proxy } = engineFor(cp.kubeconfig);
    const spec = (value: string) => ({ rules: [{ name: "api", filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "Authorization", value }] } }], backends: [{ endpoint: "https://api.example.com" }] }] });
    const inputs = { metadata: { name: "cred", namespace: ns }, spec: spec(BEARER) };
    try {
      const created = await proxy.create(inputs, { preview: false });
      const gw = await admin.get({ ...GATEWAY, namespace: ns, name: "cred" });
      expect(JSON.stringify(gw?.metadata)).not.toContain(BEARER);
      const route = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, name: "cred" });
      expect(JSON.stringify(route?.["spec"])).toContain(BEARER);

      const refreshed = await proxy.read(created.id, created.outputs, inputs, { preview: false });
      expect(refreshed?.inputs["spec"]).toEqual(inputs.spec);
      expect(refreshed?.outputs["drift"]).toEqual([]);

      const warnings: string[] = [];
      const imported = await proxy.read(created.id, undefined, undefined, { preview: false, onWarning: (w) => warnings.push(w) });
      expect(warnings).toEqual([
        `HTTPProxy ${ns}/cred: the cluster keeps no copy of credentials and secret values; supply them in your program: spec.rules[0].filters[0].requestHeaderModifier.set[0].value (header Authorization)`,
      ]);
      expect(imported?.outputs["drift"]).toEqual([]);
      expect(JSON.stringify(imported)).not.toContain(BEARER);

      // The program then supplies the value: the update from the imported state writes it.
      const updated = await proxy.update(created.id, imported!.outputs, inputs, { preview: false });
      expect(updated.outputs["spec"]).toEqual(inputs.spec);
      const after = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, name: "cred" });
      expect(JSON.stringify(after?.["spec"])).toContain(BEARER);
    } finally {
      await proxy.delete(`${ns}/cred`, {}, { preview: false });
      await engine.close();
    }
  });
});
