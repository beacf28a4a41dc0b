// A real local Kubernetes control plane for tests: etcd + kube-apiserver built from Go modules
// (test/infra/build-tools.sh), client-certificate auth (system:masters), CRDs from the cache.
//
//   const cp = await getControlPlane();      // one per test worker process (memoized)
//   const ns = await cp.newNamespace("gw");  // one namespace per test
//
// There is no kube-controller-manager: deleted namespaces stay Terminating and ownerReference
// garbage collection does not happen. Tests must not rely on either.
// client-node's loadAllYaml deserializes into its typed models (x-kubernetes-* keys become
// camelCase properties); feeding raw js-yaml output to the typed API would silently drop them.
import { ApiextensionsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, loadAllYaml, type V1CustomResourceDefinition } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, killPid, killPidSync, pidAlive, spawnLogged, startReaper, waitFor, type Spawned } from "./procs.ts";
import { kube } from "./kube.ts";
import { createCA, createKeyPair } from "./tls.ts";
import { crdFiles, requireTools, VERSIONS } from "./tools.ts";

export interface StartupTimings {
  readonly pkiMs: number;
  readonly etcdMs: number;
  readonly apiserverMs: number;
  readonly crdsMs: number;
  readonly totalMs: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly kubeconfig: string;
  readonly kc: KubeConfig;
  readonly etcdUrl: string;
  readonly pids: { readonly etcd: number; readonly apiserver: number };
  readonly timings: StartupTimings;
  /** Names of CRDs installed and Established. */
  readonly crds: readonly string[];
  /** Create a fresh namespace (unique name, label test.datum.net/owner=infra). */
  newNamespace(prefix?: string): Promise<string>;
  /** GET a raw API path with the admin client certificate; returns status and parsed JSON body. */
  rawGet(path: string): Promise<{ status: number; body: unknown }>;
  /**
   * Kill kube-apiserver (by PID), keep it down for `downMs`, then start a new one on the same
   * port, etcd and etcd prefix: the cluster's data survives, every connection drops and clients
   * see refused connections until it is ready again. Updates `pids.apiserver`.
   */
  restartApiserver(opts?: { downMs?: number; signal?: "SIGTERM" | "SIGKILL" }): Promise<{ downMs: number }>;
  /** Kill kube-apiserver then etcd (by PID) and remove the temp dir unless keepDir. */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Install CRDs from the cache (default true). */
  readonly installCrds?: boolean;
  /** Directory to use instead of a fresh temp dir. */
  readonly dir?: string;
  /** Leave processes running after this process exits (for `make cluster`). */
  readonly detached?: boolean;
  /** Overall start-up timeout (default 120 s). */
  readonly timeoutMs?: number;
}

interface TlsMaterial {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

function httpsGet(url: string, tls: TlsMaterial, timeoutMs = 5_000): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "GET", ca: tls.ca, cert: tls.cert, key: tls.key, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout GET ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

function kubeconfigYaml(server: string, caFile: string, certFile: string, keyFile: string): string {
  const b64 = (f: string): string => readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: local",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caFile)}`,
    "users:",
    "- name: admin",
    "  user:",
    `    client-certificate-data: ${b64(certFile)}`,
    `    client-key-data: ${b64(keyFile)}`,
    "contexts:",
    "- name: local",
    "  context: {cluster: local, user: admin}",
    "current-context: local",
    "",
  ].join("\n");
}

const live = new Set<Spawned>();
/** Temp dirs of control planes not stopped yet (etcd data ≈ 130 MB each): removed at exit too. */
const liveDirs = new Set<string>();
let hooksInstalled = false;
function killAndClean(): void {
  for (const p of live) killPidSync(p.pid);
  for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
}
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // A vitest worker ends with process.exit (no beforeExit): the memoized control plane's stop() may
  // never run, so its processes and its directory go here.
  process.on("exit", killAndClean);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      killAndClean();
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
}

async function startEtcd(dir: string, detached: boolean, timeoutMs: number): Promise<{ proc: Spawned; url: string }> {
  const { etcd } = requireTools("etcd");
  for (let attempt = 1; ; attempt++) {
    const clientPort = await freePort();
    const peerPort = await freePort();
    const url = `http://127.0.0.1:${clientPort}`;
    const peer = `http://127.0.0.1:${peerPort}`;
    const dataDir = join(dir, `etcd-data-${attempt}`);
    const proc = spawnLogged(
      "etcd",
      etcd,
      [
        "--name=default",
        `--data-dir=${dataDir}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=${peer}`,
        `--initial-advertise-peer-urls=${peer}`,
        `--initial-cluster=default=${peer}`,
        "--unsafe-no-fsync=true",
        "--log-level=warn",
        "--quota-backend-bytes=1073741824",
      ],
      join(dir, "etcd.log"),
      { detached },
    );
    if (!detached) live.add(proc);
    try {
      await waitFor(
        "etcd /readyz",
        async () => {
          const r = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
          return r.ok ? true : undefined;
        },
        { timeoutMs, intervalMs: 50, onFail: () => proc.tail(), abortIf: () => (proc.isRunning() ? undefined : "etcd exited") },
      );
      return { proc, url };
    } catch (e) {
      await killPid(proc.pid, 1_000);
      live.delete(proc);
      if (attempt >= 3 || !/address already in use/.test(proc.tail(200))) throw e;
    }
  }
}

interface ApiserverTls {
  readonly ca: string;
  readonly serving: { cert: string; key: string };
  readonly sa: { privateKey: string; publicKey: string };
  readonly client: TlsMaterial;
}

/** `fixed` (a restart) reuses the port and etcd prefix of the previous apiserver, so its data survives. */
async function startApiserver(
  dir: string,
  etcdUrl: string,
  tls: ApiserverTls,
  detached: boolean,
  timeoutMs: number,
  fixed?: { port: number; etcdPrefix: string },
): Promise<{ proc: Spawned; server: string; port: number; etcdPrefix: string }> {
  const { kubeApiserver } = requireTools("kubeApiserver");
  const etcdPrefix = fixed?.etcdPrefix ?? `/registry-${randomBytes(4).toString("hex")}`;
  for (let attempt = 1; ; attempt++) {
    const port = fixed?.port ?? (await freePort());
    const server = `https://127.0.0.1:${port}`;
    const proc = spawnLogged(
      "kube-apiserver",
      kubeApiserver,
      [
        `--etcd-servers=${etcdUrl}`,
        `--etcd-prefix=${etcdPrefix}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        `--secure-port=${port}`,
        `--cert-dir=${join(dir, "apiserver-certs")}`,
        `--tls-cert-file=${tls.serving.cert}`,
        `--tls-private-key-file=${tls.serving.key}`,
        `--client-ca-file=${tls.ca}`,
        "--service-cluster-ip-range=10.0.0.0/24",
        "--allow-privileged=true",
        "--authorization-mode=RBAC",
        "--disable-admission-plugins=ServiceAccount",
        `--service-account-issuer=${server}`,
        `--service-account-key-file=${tls.sa.publicKey}`,
        `--service-account-signing-key-file=${tls.sa.privateKey}`,
        "--enable-priority-and-fairness=false",
        "--endpoint-reconciler-type=none",
        "--profiling=false",
        "--v=1",
      ],
      join(dir, "kube-apiserver.log"),
      { detached },
    );
    if (!detached) live.add(proc);
    try {
      await waitFor(
        "kube-apiserver /readyz",
        async () => {
          const r = await httpsGet(`${server}/readyz`, tls.client, 2_000);
          return r.status === 200 ? true : undefined;
        },
        { timeoutMs, intervalMs: 100, onFail: () => proc.tail(), abortIf: () => (proc.isRunning() ? undefined : "kube-apiserver exited") },
      );
      return { proc, server, port, etcdPrefix };
    } catch (e) {
      await killPid(proc.pid, 2_000);
      live.delete(proc);
      // A restart on a fixed port may race the old listener's teardown: wait and try again.
      if (attempt >= 3 || !/address already in use/.test(proc.tail(200))) throw e;
      if (fixed) await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function isCrd(o: unknown): o is V1CustomResourceDefinition {
  return typeof o === "object" && o !== null && (o as { kind?: unknown }).kind === "CustomResourceDefinition";
}

/** Create (or keep) the given CRDs and wait until every one is Established. */
export async function installCrds(kc: KubeConfig, files: readonly string[], timeoutMs = 60_000): Promise<string[]> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const names: string[] = [];
  const creates: Promise<void>[] = [];
  for (const f of files) {
    for (const doc of loadAllYaml(readFileSync(f, "utf8")) as unknown[]) {
      if (!isCrd(doc)) continue;
      const name = doc.metadata?.name;
      if (!name) continue;
      names.push(name);
      creates.push(
        api.createCustomResourceDefinition({ body: doc }).then(
          () => undefined,
          (e: unknown) => {
            if ((e as { code?: number }).code !== 409) throw new Error(`creating CRD ${name} from ${f}: ${String(e)}`);
          },
        ),
      );
    }
  }
  await Promise.all(creates);
  await waitFor(
    `${names.length} CRDs Established`,
    async () => {
      const list = await api.listCustomResourceDefinition();
      const established = new Set(
        list.items
          .filter((c) => c.status?.conditions?.some((cond) => cond.type === "Established" && cond.status === "True"))
          .map((c) => c.metadata?.name),
      );
      return names.every((n) => established.has(n)) ? true : undefined;
    },
    { timeoutMs, intervalMs: 100 },
  );
  // Established is not enough: the watch cache of a new CRD answers 429 "storage is
  // (re)initializing" for a while. Wait until a cached LIST (resourceVersion=0) works for each.
  const custom = kc.makeApiClient(CustomObjectsApi);
  const crds = (await api.listCustomResourceDefinition()).items.filter((c) => names.includes(c.metadata?.name ?? ""));
  await Promise.all(
    crds.map((c) => {
      const version = c.spec.versions.find((v) => v.storage)?.name ?? c.spec.versions[0]?.name ?? "v1";
      return waitFor(
        `watch cache of ${c.metadata?.name}`,
        async () => {
          await custom.listClusterCustomObject({ group: c.spec.group, version, plural: c.spec.names.plural, resourceVersion: "0", limit: 1 });
          return true;
        },
        { timeoutMs, intervalMs: 100 },
      );
    }),
  );
  return names;
}

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  requireTools("etcd", "kubeApiserver", ...(opts.installCrds === false ? [] : (["crds"] as const)));
  const detached = opts.detached === true;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  if (!detached) installExitHooks();
  const t0 = Date.now();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "pulumi-datum-cp-"));
  mkdirSync(dir, { recursive: true });
  if (!detached && opts.dir === undefined) liveDirs.add(dir);
  const pki = join(dir, "pki");
  mkdirSync(pki, { recursive: true });

  const ca = createCA(pki);
  const serving = ca.issue("apiserver", { cn: "kube-apiserver", dnsNames: ["localhost", "kubernetes", "kubernetes.default"], ips: ["127.0.0.1", "10.0.0.1"] });
  const admin = ca.issue("admin", { cn: "admin", org: "system:masters", client: true, server: false });
  const sa = createKeyPair(pki, "sa");
  const client: TlsMaterial = { ca: readFileSync(ca.cert, "utf8"), cert: readFileSync(admin.cert, "utf8"), key: readFileSync(admin.key, "utf8") };
  const tPki = Date.now();

  const started: Spawned[] = [];
  const cleanup = async (): Promise<void> => {
    for (const p of started.reverse()) {
      // kube-apiserver's graceful shutdown waits for open watches; test data is throwaway
      await killPid(p.pid, 1_000);
      live.delete(p);
    }
  };
  try {
    const etcd = await startEtcd(dir, detached, timeoutMs);
    started.push(etcd.proc);
    const tEtcd = Date.now();
    const apiTls: ApiserverTls = { ca: ca.cert, serving, sa, client };
    let api = await startApiserver(dir, etcd.url, apiTls, detached, timeoutMs);
    started.push(api.proc);
    const tApi = Date.now();
    let reaper: number | undefined;
    if (!detached) reaper = startReaper(process.pid, [api.proc.pid, etcd.proc.pid]);

    const kubeconfig = kubeconfigYaml(api.server, ca.cert, admin.cert, admin.key);
    const kubeconfigPath = join(dir, "kubeconfig");
    writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfig);

    const crds = opts.installCrds === false ? [] : await installCrds(kc, crdFiles());
    // What installing Envoy Gateway leaves on a cluster: the GatewayClass the provider's Gateways
    // name by default (gatewayClassName `envoy-gateway`), owned by Envoy Gateway's controller. Its
    // status comes from whoever plays that controller (the real one in test/infra/dataplane).
    if (crds.length > 0) await createDefaultGatewayClass(kc);
    const tCrds = Date.now();
    const timings: StartupTimings = {
      pkiMs: tPki - t0,
      etcdMs: tEtcd - tPki,
      apiserverMs: tApi - tEtcd,
      crdsMs: tCrds - tApi,
      totalMs: tCrds - t0,
    };
    const core = kc.makeApiClient(CoreV1Api);
    let stopped = false;
    const pids = { etcd: etcd.proc.pid, apiserver: api.proc.pid };
    const cp: ControlPlane = {
      server: api.server,
      dir,
      kubeconfigPath,
      kubeconfig,
      kc,
      etcdUrl: etcd.url,
      pids,
      timings,
      crds,
      async newNamespace(prefix = "t") {
        const clean = prefix.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 40).replace(/-+$/, "");
        const name = `${clean || "t"}-${randomBytes(3).toString("hex")}`;
        await core.createNamespace({ body: { metadata: { name, labels: { "test.datum.net/owner": "infra" } } } });
        return name;
      },
      async rawGet(path) {
        const r = await httpsGet(`${api.server}${path}`, client);
        let body: unknown = r.text;
        try {
          body = JSON.parse(r.text);
        } catch {
          /* not JSON */
        }
        return { status: r.status, body };
      },
      async restartApiserver(o = {}) {
        if (stopped) throw new Error("control plane is stopped");
        const t0 = Date.now();
        const old = api.proc;
        if (o.signal === "SIGKILL") {
          try {
            process.kill(old.pid, "SIGKILL");
          } catch {
            /* already gone */
          }
        } else {
          await killPid(old.pid, 1_000);
        }
        await old.exited;
        live.delete(old);
        const rest = (o.downMs ?? 0) - (Date.now() - t0);
        if (rest > 0) await new Promise((r) => setTimeout(r, rest));
        api = await startApiserver(dir, etcd.url, apiTls, detached, timeoutMs, { port: api.port, etcdPrefix: api.etcdPrefix });
        started.splice(started.indexOf(old), 1, api.proc);
        pids.apiserver = api.proc.pid;
        if (!detached) {
          if (reaper !== undefined && pidAlive(reaper)) await killPid(reaper, 500);
          reaper = startReaper(process.pid, [api.proc.pid, etcd.proc.pid]);
        }
        return { downMs: Date.now() - t0 };
      },
      async stop(o = {}) {
        if (stopped) return;
        stopped = true;
        await cleanup();
        if (reaper !== undefined && pidAlive(reaper)) await killPid(reaper, 500);
        liveDirs.delete(dir);
        if (!o.keepDir && opts.dir === undefined) rmSync(dir, { recursive: true, force: true });
      },
    };
    return cp;
  } catch (e) {
    await cleanup();
    throw e;
  }
}

export const DEFAULT_GATEWAY_CLASS = "envoy-gateway";
export const ENVOY_GATEWAY_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";

async function createDefaultGatewayClass(kc: KubeConfig): Promise<void> {
  await kube(kc).create({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "GatewayClass",
    metadata: { name: DEFAULT_GATEWAY_CLASS },
    spec: { controllerName: ENVOY_GATEWAY_CONTROLLER },
  });
}

let memo: Promise<ControlPlane> | undefined;
/**
 * One control plane per process (= per vitest worker with pool "forks"). It is stopped on process
 * exit; calling stop() on it (e.g. in afterAll) also clears the memo so the next call starts anew.
 */
export function getControlPlane(): Promise<ControlPlane> {
  if (memo === undefined) {
    const p = startControlPlane().then((cp): ControlPlane => {
      const stop = cp.stop.bind(cp);
      const wrapped: ControlPlane = {
        ...cp,
        stop: async (o) => {
          if (memo === p) memo = undefined;
          await stop(o);
        },
      };
      process.once("beforeExit", () => void wrapped.stop());
      return wrapped;
    });
    p.catch(() => {
      if (memo === p) memo = undefined;
    });
    memo = p;
  }
  return memo;
}
/** The memoized control plane if one was requested in this process (does not start one). */
export function currentControlPlane(): Promise<ControlPlane> | undefined {
  return memo;
}

export { VERSIONS };
