// The real Envoy Gateway controller (built from the Go module proxy), run outside a cluster against the
// local kube-apiserver, inside the data-plane network namespace (all of its listeners — xDS 18000,
// webhooks, health — bind there, not on the machine).
//
// Two things a cluster would give a controller Pod are provided here:
// - its xDS TLS files at the fixed path /certs (the `envoy-gateway` Secret's data, bind-mounted in a
//   private mount namespace, as kubelet mounts a Secret volume);
// - a way to reach the API server: socat carries the apiserver's loopback port into the namespace's
//   loopback over a Unix socket, so the same kubeconfig works on both sides.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { ENVOY_GATEWAY_CONTROLLER } from "../controlplane.ts";
import { kube } from "../kube.ts";
import { killPid, killPidSync, run, spawnLogged, waitFor, type Spawned } from "../procs.ts";
import { toolPaths, VERSIONS } from "../tools.ts";
import type { NetNs } from "./netns.ts";

export const EG_NAMESPACE = "envoy-gateway-system";
export const EG_CONTROLLER_NAME = ENVOY_GATEWAY_CONTROLLER;

export interface EnvoyGatewayController {
  readonly pids: readonly number[];
  readonly logFile: string;
  readonly version: string;
  tail(lines?: number): string;
  stop(): Promise<void>;
}

/** Envoy Gateway's own configuration (kind EnvoyGateway): Kubernetes provider, extension APIs on. */
function controllerConfig(enableEnvoyPatchPolicy: boolean): string {
  return [
    "apiVersion: gateway.envoyproxy.io/v1alpha1",
    "kind: EnvoyGateway",
    "gateway:",
    `  controllerName: ${EG_CONTROLLER_NAME}`,
    "provider:",
    "  type: Kubernetes",
    "  kubernetes:",
    "    leaderElection:",
    "      disable: true",
    "    proxyTopologyInjector:",
    "      disabled: true",
    "extensionApis:",
    `  enableEnvoyPatchPolicy: ${enableEnvoyPatchPolicy}`,
    "  enableBackend: true",
    // Envoy's own admin (19000) and stats (19001) ports are taken by the Envoy fleet in the same
    // network namespace; the controller's admin moves aside and its metrics listener is off.
    "admin:",
    "  address:",
    "    host: 127.0.0.1",
    "    port: 19100",
    "telemetry:",
    "  metrics:",
    "    prometheus:",
    "      disable: true",
    "logging:",
    "  level:",
    "    default: info",
    "",
  ].join("\n");
}

function apiserverPort(kc: KubeConfig): number {
  const server = kc.getCurrentCluster()?.server;
  const port = server ? Number(new URL(server).port) : NaN;
  if (!Number.isInteger(port) || port <= 0) throw new Error(`kubeconfig server has no port: ${server}`);
  return port;
}

async function writeControllerCerts(kc: KubeConfig, dir: string): Promise<void> {
  const secret = (await kube(kc).get("v1", "Secret", EG_NAMESPACE, "envoy-gateway")) as { data?: Record<string, string> };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const key of ["tls.crt", "tls.key", "ca.crt"]) {
    const value = secret.data?.[key];
    if (value === undefined) throw new Error(`Secret ${EG_NAMESPACE}/envoy-gateway has no ${key} (envoy-gateway certgen)`);
    writeFileSync(join(dir, key), Buffer.from(value, "base64"), { mode: 0o600 });
  }
}

export async function startEnvoyGateway(opts: {
  kc: KubeConfig;
  kubeconfigPath: string;
  ns: NetNs;
  dir: string;
  detached?: boolean;
  /** extensionApis.enableEnvoyPatchPolicy (default true). */
  enableEnvoyPatchPolicy?: boolean;
}): Promise<EnvoyGatewayController> {
  const bin = toolPaths().envoyGateway;
  const { kc, ns, dir } = opts;
  const env = { ...process.env, KUBECONFIG: opts.kubeconfigPath, ENVOY_GATEWAY_NAMESPACE: EG_NAMESPACE };
  const k = kube(kc);
  try {
    await k.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: EG_NAMESPACE } });
  } catch (e) {
    if (!/AlreadyExists|already exists|409/.test(String(e))) throw e;
  }
  // The TLS material for xDS (controller ↔ Envoy), written as Secrets by the upstream tool.
  run(bin, ["certgen", "--disable-topology-injector"], { env });
  const certs = join(dir, "eg-certs");
  await writeControllerCerts(kc, certs);
  const configPath = join(dir, "envoy-gateway.yaml");
  writeFileSync(configPath, controllerConfig(opts.enableEnvoyPatchPolicy ?? true));
  mkdirSync("/certs", { recursive: true }); // mount point for the bind below (empty on the machine)

  const started: Spawned[] = [];
  const spawnOpts = { env, detached: opts.detached === true };
  const port = apiserverPort(kc);
  const sock = join(dir, "kube-apiserver.sock");
  try {
    started.push(
      spawnLogged("apiserver-bridge-host", "socat", [`UNIX-LISTEN:${sock},fork,unlink-early`, `TCP:127.0.0.1:${port}`], join(dir, "bridge-host.log"), spawnOpts),
    );
    const inNs = ns.exec("socat", [`TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${sock}`]);
    started.push(spawnLogged("apiserver-bridge-ns", inNs.cmd, inNs.args, join(dir, "bridge-ns.log"), spawnOpts));
    const script = `mount --bind "$1" /certs && exec "$2" server --config-path "$3"`;
    const eg = ns.exec("unshare", ["--mount", "--propagation", "private", "sh", "-c", script, "eg", certs, bin, configPath]);
    const logFile = join(dir, "envoy-gateway.log");
    const controller = spawnLogged("envoy-gateway", eg.cmd, eg.args, logFile, spawnOpts);
    started.push(controller);
    const pids = started.map((s) => s.pid);
    const onExit = (): void => pids.forEach(killPidSync);
    if (opts.detached !== true) process.once("exit", onExit);
    // Ready when the controller has accepted its GatewayClasses' world: its log says the provider started.
    await waitFor(
      "Envoy Gateway controller to start",
      async () => (/starting manager|Starting workers/i.test(controller.tail(400)) ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 200, abortIf: () => (controller.isRunning() ? undefined : "envoy-gateway exited"), onFail: () => controller.tail(40) },
    );
    return {
      pids,
      logFile,
      version: VERSIONS.envoyGateway,
      tail: (lines) => controller.tail(lines),
      stop: async () => {
        process.removeListener("exit", onExit);
        for (const p of [...pids].reverse()) await killPid(p);
      },
    };
  } catch (e) {
    for (const s of started.reverse()) await killPid(s.pid);
    throw e;
  }
}
