// Connector backends with the live Connector state in the render (engine → render context), against
// the real Envoy Gateway (which must accept the EnvoyPatchPolicy) and cert-manager.
//
// Stand-ins, for what cannot run here: NSO's Connector CRD (go.datum.net/network-services-operator
// is not served by the module proxy; the CRD below has the fields of spec §3.7 that the provider
// reads) and the Datum Connect agent that keeps a Connector Ready with its tunnel key (an iroh peer);
// the test writes that status as the agent would. Everything else is real.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle } from "../../provider/lifecycle/index.ts";
import { CONNECTOR_API_VERSION } from "../../provider/lifecycle/httpproxy/render-context.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import { installCrds } from "../infra/controlplane.ts";
import { kube } from "../infra/kube.ts";

const PROXY = "datum:networking:HTTPProxy";
let rc: Controllers;
let proxy: ResourceLifecycle;

const CONNECTOR_CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "connectors.networking.datumapis.com" },
  spec: {
    group: "networking.datumapis.com",
    scope: "Namespaced",
    names: { kind: "Connector", plural: "connectors", singular: "connector", listKind: "ConnectorList" },
    versions: [
      {
        name: "v1alpha1",
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", required: ["connectorClassName"], properties: { connectorClassName: { type: "string", minLength: 1 } } },
              status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            },
          },
        },
      },
    ],
  },
};

function inputs(ns: string, host: string) {
  return {
    metadata: { name: "tunnel", namespace: ns },
    spec: { hostnames: [host], rules: [{ name: "app", backends: [{ endpoint: "http://localhost:3000", connector: { name: "laptop" } }] }] },
  };
}

async function patchPolicy(ns: string): Promise<string> {
  const epp = await kube(rc.cp.kc).get("gateway.envoyproxy.io/v1alpha1", "EnvoyPatchPolicy", ns, "connector-tunnel");
  return JSON.stringify(epp?.spec ?? null);
}

beforeAll(async () => {
  rc = await getControllers();
  const s = resolveEngineSettings({ kubeconfig: rc.cp.kubeconfig, timeoutSeconds: 90, guardrails: { gateway: { disableHostnameVerification: true } } });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  proxy = lifecycles(s.settings, {}).byToken.get(PROXY) as ResourceLifecycle;
}, 240_000);

afterAll(async () => {
  await rc?.stop();
});

describe("connector backends follow the live Connector", () => {
  test("offline while the cluster has no Connector kind (and says so); online once the agent's Connector is Ready", async () => {
    const ns = await rc.cp.newNamespace("conn");
    const host = `tunnel-${ns}.example.com`;
    const checked = await proxy.check(undefined, inputs(ns, host), { urnName: "tunnel" });
    expect(checked.failures).toEqual([]);
    const warnings: string[] = [];
    const created = await proxy.create(checked.inputs, { preview: false, onWarning: (w) => warnings.push(w) });
    expect(created.outputs["ready"]).toBe(true);
    expect(String(created.outputs["readiness"])).toMatch(/connector laptop: the cluster does not serve Connector \(networking\.datumapis\.com\/v1alpha1\)/);
    expect(warnings.join("\n")).toMatch(/does not serve Connector/);
    expect(await patchPolicy(ns)).toMatch(/Tunnel not online/);

    // NSO's CRD installed and the agent online: the next up renders the tunnel.
    const dir = mkdtempSync(join(tmpdir(), "connector-crd-"));
    writeFileSync(join(dir, "connector.yaml"), JSON.stringify(CONNECTOR_CRD));
    await installCrds(rc.cp.kc, [join(dir, "connector.yaml")]);
    rmSync(dir, { recursive: true, force: true });
    const k = kube(rc.cp.kc);
    await k.create({ apiVersion: CONNECTOR_API_VERSION, kind: "Connector", metadata: { name: "laptop", namespace: ns }, spec: { connectorClassName: "datum-connect" } });
    await k.patchStatus(CONNECTOR_API_VERSION, "Connector", ns, "laptop", {
      conditions: [{ type: "Ready", status: "True", reason: "ConnectorReady", message: "lease renewed", lastTransitionTime: new Date().toISOString() }],
      connectionDetails: { type: "PublicKey", publicKey: { id: "agent-key-1", discoveryMode: "DNS", homeRelay: "https://relay.example.com", addresses: [] } },
    });
    const updated = await proxy.update(created.id, created.outputs, checked.inputs, { preview: false });
    expect(updated.outputs["ready"]).toBe(true);
    expect(updated.outputs["readiness"]).toBe("ready");
    const online = await patchPolicy(ns);
    expect(online).not.toMatch(/Tunnel not online/);
    expect(online).toContain("agent-key-1");
    expect(online).toContain("localhost:3000");

    // Refresh renders with the same live state: no drift.
    const read = await proxy.read(created.id, updated.outputs, checked.inputs, { preview: false });
    expect(read?.outputs["drift"]).toEqual([]);
    expect(read?.outputs["ready"]).toBe(true);
    await proxy.delete(created.id, updated.outputs, { preview: false });
  }, 240_000);
});
