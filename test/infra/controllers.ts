// The real controllers behind every suite that runs the provider's lifecycle against a cluster:
// the Envoy Gateway data plane (controller + Envoy run by the node agent, test/infra/dataplane) and
// the real cert-manager with a ClusterIssuer under the provider's default name. Nothing here writes
// the status of a Gateway, route, policy or Certificate: the controllers do.
//
//   const rc = await getControllers();       // one per process (= per test file), on its control plane
//   rc.gatewayAddress                         // what every Gateway's status.addresses carries
//
// The ClusterIssuer here is a CA issuer (its root issued by a SelfSigned one): issuance is real and
// takes about a second, with no ACME server or DNS in the way. The ACME path (pebble, DNS-01 on
// PowerDNS) is proven in test/dataplane and test/infra/cert-manager.test.ts.
import type { KubeConfig } from "@kubernetes/client-node";
import { rmSync } from "node:fs";
import { createCaClusterIssuer, startCertManager, type CertManager } from "./cert-manager.ts";
import { getControlPlane, type ControlPlane } from "./controlplane.ts";
import { EG_CONTROLLER_NAME, EG_NAMESPACE, startDataPlane, type DataPlane } from "./dataplane/index.ts";
import { conditionsOf, findCondition, kube } from "./kube.ts";
import { waitFor } from "./procs.ts";

/** The provider's default `clusterIssuer` (provider/core/render/settings.ts). */
export const CLUSTER_ISSUER = "datum-acme";

export interface Controllers {
  readonly cp: ControlPlane;
  readonly dp: DataPlane;
  readonly certManager: CertManager;
  /** The load-balancer address Envoy Gateway writes into every Gateway's status (the data plane's). */
  readonly gatewayAddress: string;
  stop(): Promise<void>;
}

/** Starts the real controllers on `cp` and the default ClusterIssuer; stop() stops them by PID. */
export async function startControllers(cp: ControlPlane): Promise<Controllers> {
  const certManager = await startCertManager({ kubeconfigPath: cp.kubeconfigPath });
  let dp: DataPlane | undefined;
  try {
    await createCaClusterIssuer(cp.kc, { name: CLUSTER_ISSUER, secretNamespace: certManager.clusterResourceNamespace });
    dp = await startDataPlane({ kc: cp.kc, kubeconfigPath: cp.kubeconfigPath });
  } catch (e) {
    await certManager.stop();
    throw e;
  }
  const d = dp;
  // Without stop() (a vitest worker ends with process.exit, so beforeExit never comes), the processes
  // still die with this one (their own exit hooks); the namespace and the directory (logs) go here.
  const onExit = (): void => {
    d.ns.delete();
    rmSync(d.dir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  return {
    cp,
    dp: d,
    certManager,
    gatewayAddress: d.address,
    stop: async () => {
      process.removeListener("exit", onExit);
      await d.stop();
      await certManager.stop();
    },
  };
}

let memo: Promise<Controllers> | undefined;
/** The real controllers on this process's control plane (getControlPlane()), started once. */
export function getControllers(): Promise<Controllers> {
  if (memo === undefined) {
    const p = getControlPlane().then(async (cp) => {
      const rc = await startControllers(cp);
      process.once("beforeExit", () => void rc.stop());
      return rc;
    });
    p.catch(() => {
      if (memo === p) memo = undefined;
    });
    memo = p;
  }
  return memo;
}

/**
 * A GatewayClass the real Envoy Gateway refuses (Accepted=False, InvalidParameters): its parameters
 * name an EnvoyProxy that does not exist. Gateways of this class are never programmed: the real
 * terminal failure. Created once per control plane; returns its name when the refusal is written.
 */
export async function refusedGatewayClass(kc: KubeConfig, name: string): Promise<string> {
  const k = kube(kc);
  if ((await k.get("gateway.networking.k8s.io/v1", "GatewayClass", undefined, name)) === undefined) {
    await k.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name },
      spec: { controllerName: EG_CONTROLLER_NAME, parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: "missing", namespace: EG_NAMESPACE } },
    });
  }
  await waitFor(`Envoy Gateway to refuse GatewayClass ${name}`, async () => {
    const accepted = findCondition(conditionsOf(await k.get("gateway.networking.k8s.io/v1", "GatewayClass", undefined, name)), "Accepted");
    return accepted?.status === "False" ? true : undefined;
  }, { timeoutMs: 30_000 });
  return name;
}
