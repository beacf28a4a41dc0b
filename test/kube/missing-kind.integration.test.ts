// A cluster without the Gateway API / Envoy Gateway / cert-manager CRDs: every operation on
// those kinds must say which kind is missing and what to install, and installing the CRDs
// mid-run must be picked up without restarting the client.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createKubeClient, MissingKindError, RequestCounter, type KubeClient } from "../../provider/kube/index.ts";
import { installCrds, startControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { toolPaths } from "../infra/tools.ts";

let cp: ControlPlane;
let c: KubeClient;
const metrics = new RequestCounter();

beforeAll(async () => {
  cp = await startControlPlane({ installCrds: false });
  c = createKubeClient({ kubeconfig: cp.kubeconfig }, { metrics });
});

afterAll(async () => {
  await c?.close();
  await cp?.stop();
});

const route = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "app", namespace: "default" }, spec: {} };

describe("missing CRDs", () => {
  test("apply, dry run, get, list, delete and watch all name the kind and what to install", async () => {
    const expected = "HTTPRoute (gateway.networking.k8s.io/v1) is not served by the cluster: install the Gateway API CRDs v1.5.1";
    const ref = { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "app" };
    const settle = (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
    const errors = await Promise.all([
      settle(c.apply(route)),
      settle(c.dryRunApply(route)),
      settle(c.get(ref)),
      settle(c.list({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: "default" })),
      settle(c.delete(ref)),
      settle(c.watch({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: "default" }, () => undefined)),
    ]);
    for (const err of errors) {
      expect(err).toBeInstanceOf(MissingKindError);
      expect((err as MissingKindError).message).toBe(expected);
      expect((err as MissingKindError).subject).toMatchObject({ kind: "HTTPRoute", apiVersion: "gateway.networking.k8s.io/v1" });
    }
    expect(metrics.snapshot().writes).toBe(0);
  });

  test("hints for the other CRD sets we render", async () => {
    const cases: [string, string, string][] = [
      ["gateway.envoyproxy.io/v1alpha1", "SecurityPolicy", "install the Envoy Gateway CRDs v1.8.1"],
      ["cert-manager.io/v1", "Certificate", "install cert-manager v1.19.2 (its CRDs)"],
      ["networking.datumapis.com/v1alpha", "TrafficProtectionPolicy", "install Datum's network-services-operator CRDs"],
    ];
    for (const [apiVersion, kind, hint] of cases) {
      const err = await c.get({ apiVersion, kind, namespace: "default", name: "x" }).catch((e: unknown) => e);
      expect((err as MissingKindError).message).toBe(`${kind} (${apiVersion}) is not served by the cluster: ${hint}`);
    }
  });

  test("a built-in kind in a version the server does not serve lists the served versions", async () => {
    const err = await c.get({ apiVersion: "discovery.k8s.io/v1beta1", kind: "EndpointSlice", namespace: "default", name: "x" }).catch((e: unknown) => e);
    expect((err as MissingKindError).message).toBe(
      "EndpointSlice (discovery.k8s.io/v1beta1) is not served by the cluster (the group serves v1): this Kubernetes version does not serve it; use a cluster version that does",
    );
  });

  test("installing the CRDs mid-run is picked up (misses are never cached)", async () => {
    const dir = toolPaths().crdDirs.find((d) => d.includes("gateway-api"));
    expect(dir).toBeDefined();
    const files = readdirSync(dir!).filter((f) => f.endsWith(".yaml")).map((f) => join(dir!, f));
    await installCrds(cp.kc, files);
    const out = await c.apply({ ...route, spec: { parentRefs: [{ name: "gw" }] } });
    expect(out.metadata.uid).toBeDefined();
  });

  test("a CRD deleted after discovery turns into MissingKindError, not a bare 404", async () => {
    const ref = { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", namespace: "default", name: "x" };
    expect(await c.get(ref)).toBeUndefined(); // discovered and cached
    const del = await cp.rawGet("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/grpcroutes.gateway.networking.k8s.io");
    expect(del.status).toBe(200);
    const admin = createKubeClient({ kubeconfig: cp.kubeconfig });
    try {
      await admin.deleteAndWait({ apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "grpcroutes.gateway.networking.k8s.io" }, { timeoutMs: 30_000 });
    } finally {
      await admin.close();
    }
    // Discovery may lag a moment behind the CRD deletion.
    let err: unknown;
    for (let i = 0; i < 50; i++) {
      err = await c.get(ref).then(() => undefined, (e: unknown) => e);
      if (err instanceof MissingKindError) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(err).toBeInstanceOf(MissingKindError);
    expect((err as MissingKindError).message).toBe("GRPCRoute (gateway.networking.k8s.io/v1) is not served by the cluster: install the Gateway API CRDs v1.5.1");
  });
});
