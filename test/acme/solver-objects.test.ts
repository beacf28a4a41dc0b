// The objects the ACME path writes — the http-01 HTTPRouteFilter + HTTPRoute and the listener's
// kubernetes.io/tls Secret — applied with strict field validation to a real kube-apiserver that
// serves the Gateway API v1.5.1 and Envoy Gateway v1.8.1 CRDs (schema + CEL).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttp01Solver, http01Objects, tlsSecretObject, type ObjectWriter } from "../../provider/acme/index.ts";
import { createKubeClient, type KubeClient, type KubeObject } from "../../provider/kube/index.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";

let cp: ControlPlane;
let client: KubeClient;

beforeAll(async () => {
  cp = await getControlPlane();
  client = createKubeClient({ kubeconfigPath: cp.kubeconfigPath });
});

afterAll(async () => {
  await client?.close();
  await cp?.stop();
});

/** provider/kube as the solver's ObjectWriter. */
function kubeWriter(k: KubeClient): ObjectWriter {
  return {
    async apply(obj, signal) {
      await k.apply(obj as unknown as KubeObject, signal ? { signal } : {});
    },
    async delete(ref, signal) {
      await k.delete(ref, signal ? { signal } : {});
    },
  };
}

describe("ACME objects on a real API server", () => {
  it("the http-01 HTTPRouteFilter and HTTPRoute pass the CRDs' validation", async () => {
    const namespace = await cp.newNamespace("acme");
    const keyAuthorization = `${"t".repeat(43)}.${"p".repeat(43)}`;
    const { filter, route } = http01Objects({ name: "shop", namespace, sectionName: "http" }, { hostname: "shop.example.com", token: "t".repeat(43), keyAuthorization });
    const storedFilter = await client.apply(filter as unknown as KubeObject);
    const storedRoute = await client.apply(route as unknown as KubeObject);
    expect((storedFilter["spec"] as typeof filter.spec).directResponse.body.inline).toBe(keyAuthorization);
    expect((storedRoute["spec"] as { rules: { matches: unknown[] }[] }).rules[0]?.matches).toEqual([{ path: { type: "Exact", value: `/.well-known/acme-challenge/${"t".repeat(43)}` } }]);
  });

  it("the solver's cleanup removes both objects", async () => {
    const namespace = await cp.newNamespace("acme");
    const solver = createHttp01Solver({ gateway: { name: "shop", namespace }, writer: kubeWriter(client) });
    const task = { hostname: "www.example.com", wildcard: false, token: "abc", keyAuthorization: "abc.thumb" };
    await solver.present(task, {});
    const { route } = http01Objects({ name: "shop", namespace }, task);
    const ref = { apiVersion: route.apiVersion, kind: route.kind, namespace, name: route.metadata.name };
    expect(await client.get(ref)).toBeDefined();
    await solver.cleanup(task, {});
    expect(await client.get(ref)).toBeUndefined();
    expect(await client.get({ ...ref, apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "HTTPRouteFilter" })).toBeUndefined();
  });

  it("the TLS Secret is a valid kubernetes.io/tls Secret", async () => {
    const namespace = await cp.newNamespace("acme");
    const secret = tlsSecretObject({
      name: "shop-https",
      namespace,
      certificatePem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
      privateKeyPem: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n",
      notAfter: "2031-01-01T00:00:00.000Z",
      directoryUrl: "https://ca.example/dir",
    });
    const stored = await client.apply(secret as unknown as KubeObject);
    expect(stored["type"]).toBe("kubernetes.io/tls");
    expect(Object.keys(stored["data"] as object).sort()).toEqual(["tls.crt", "tls.key"]);
    // The API server enforces the tls type's required keys: a Secret without tls.key is refused.
    const broken = { ...secret, metadata: { ...secret.metadata, name: "broken" }, data: { "tls.crt": secret.data["tls.crt"] } };
    await expect(client.apply(broken as unknown as KubeObject)).rejects.toMatchObject({ code: 422 });
  });
});
