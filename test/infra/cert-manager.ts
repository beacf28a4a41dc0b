// cert-manager's real controllers (our main over the upstream controller registry, built by
// `build-tools.sh cert-manager` from github.com/cert-manager/cert-manager) against a local
// kube-apiserver, plus an ACME ClusterIssuer on the local pebble solved with DNS-01 through RFC2136
// on the local PowerDNS.
//
// The controller opens no listening socket (no metrics, health, pprof or webhook server) and
// talks only to the API server, pebble and PowerDNS on loopback; it is stopped by PID.
import { KubeConfig } from "@kubernetes/client-node";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findCondition, conditionsOf, kube, type KObject } from "./kube.ts";
import type { Pebble } from "./pebble.ts";
import type { PowerDns, TsigKey } from "./powerdns.ts";
import { childHandle, killPid, killPidSync, spawnLogged, waitFor, type ChildHandle, type Spawned } from "./procs.ts";
import { requireTools, VERSIONS } from "./tools.ts";

export interface CertManagerOptions {
  readonly kubeconfigPath: string;
  /** host:port of the DNS servers for the DNS-01 self-check (only these are asked); none: no DNS-01 issuer. */
  readonly dns01Nameservers?: readonly string[];
  /** Namespace of the Secrets a ClusterIssuer refers to (created if missing). Default `cert-manager`. */
  readonly clusterResourceNamespace?: string;
  /** Wait between DNS-01 propagation checks (cert-manager's default is 10 s). Default 1 s. */
  readonly dns01CheckRetrySeconds?: number;
  /** Directory for the log (default: a fresh temp dir, removed by stop()). */
  readonly dir?: string;
  /** Keep running after this Node process exits (for `make cluster`). */
  readonly detached?: boolean;
  readonly timeoutMs?: number;
}

export interface CertManager extends ChildHandle {
  readonly version: string;
  readonly clusterResourceNamespace: string;
}

/** The command line `startCertManager` runs (also what `make cluster` should run). */
export function certManagerArgs(opts: CertManagerOptions): string[] {
  return [
    `--kubeconfig=${opts.kubeconfigPath}`,
    `--cluster-resource-namespace=${opts.clusterResourceNamespace ?? "cert-manager"}`,
    ...(opts.dns01Nameservers?.length ? [`--dns01-recursive-nameservers=${opts.dns01Nameservers.join(",")}`, "--dns01-recursive-nameservers-only"] : []),
    `--dns01-check-retry-period=${opts.dns01CheckRetrySeconds ?? 1}s`,
  ];
}

async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  const k = kube(kc);
  if ((await k.get("v1", "Namespace", undefined, name)) === undefined) {
    await k.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  }
}

export async function startCertManager(opts: CertManagerOptions): Promise<CertManager> {
  const { certManagerController: bin } = requireTools("certManagerController");
  const version = execFileSync(bin, ["--version"], { encoding: "utf8" }).trim();
  if (version !== VERSIONS.certManager) {
    throw new Error(`${bin} reports ${version}, expected ${VERSIONS.certManager}; run \`make infra-tools\``);
  }
  const clusterResourceNamespace = opts.clusterResourceNamespace ?? "cert-manager";
  const kc = new KubeConfig();
  kc.loadFromFile(opts.kubeconfigPath);
  await ensureNamespace(kc, clusterResourceNamespace);
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "pulumi-datum-cert-manager-"));
  const p: Spawned = spawnLogged("cert-manager-controller", bin, certManagerArgs(opts), join(dir, "cert-manager.log"), {
    detached: opts.detached === true,
  });
  if (opts.detached !== true) process.once("exit", () => killPidSync(p.pid));
  try {
    await waitFor("cert-manager controllers running", async () => (p.tail(200).includes(`cert-manager-controller ${version} running: `) ? true : undefined), {
      timeoutMs: opts.timeoutMs ?? 60_000,
      intervalMs: 100,
      onFail: () => p.tail(),
      abortIf: () => (p.isRunning() ? undefined : "cert-manager-controller exited"),
    });
  } catch (e) {
    await killPid(p.pid, 1_000);
    throw e;
  }
  return { ...childHandle(p, opts.dir === undefined ? dir : undefined), version, clusterResourceNamespace };
}

export interface AcmeClusterIssuerOptions {
  readonly name: string;
  readonly pebble: Pebble;
  readonly pdns: PowerDns;
  /** The zone cert-manager may update; PowerDNS must have been started with `dnsUpdate: true`. */
  readonly zone: string;
  /** Namespace for the TSIG and account-key Secrets: the controller's cluster resource namespace. */
  readonly secretNamespace: string;
  /**
   * Accept challenges this long after presenting them instead of running the self-check (solver
   * `waitInsteadOfSelfCheck`, new in v1.21). The self-check itself always sleeps 60 s after the
   * record is visible (hard-coded in cert-manager's DNS-01 solver), and it holds a challenges
   * worker meanwhile; suites issuing many certificates want e.g. "1s". Default: self-check.
   */
  readonly waitInsteadOfSelfCheck?: string;
  readonly timeoutMs?: number;
}

/**
 * Creates a TSIG key in PowerDNS that may update `zone`, its Secret, and an ACME ClusterIssuer on
 * pebble (trusting pebble's TLS CA through `caBundle`) solving DNS-01 by RFC2136; waits until the
 * real issuers controller reports it Ready (the ACME account is registered).
 */
export async function createAcmeClusterIssuer(kc: KubeConfig, opts: AcmeClusterIssuerOptions): Promise<KObject> {
  const k = kube(kc);
  const tsig: TsigKey = await opts.pdns.allowTsigUpdates(opts.zone, `${opts.name}-tsig`);
  const tsigSecret = `${opts.name}-tsig`;
  await k.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: tsigSecret, namespace: opts.secretNamespace },
    type: "Opaque",
    stringData: { secret: tsig.secret },
  } as KObject);
  await k.create({
    apiVersion: "cert-manager.io/v1",
    kind: "ClusterIssuer",
    metadata: { name: opts.name },
    spec: {
      acme: {
        server: opts.pebble.directoryUrl,
        caBundle: Buffer.from(opts.pebble.tlsCa).toString("base64"),
        privateKeySecretRef: { name: `${opts.name}-account` },
        solvers: [
          {
            selector: { dnsZones: [opts.zone] },
            ...(opts.waitInsteadOfSelfCheck === undefined ? {} : { waitInsteadOfSelfCheck: opts.waitInsteadOfSelfCheck }),
            dns01: {
              rfc2136: {
                nameserver: opts.pdns.dnsAddress,
                tsigKeyName: tsig.name,
                tsigAlgorithm: "HMACSHA256",
                tsigSecretSecretRef: { name: tsigSecret, key: "secret" },
              },
            },
          },
        ],
      },
    },
  } as KObject);
  return await clusterIssuerReady(kc, opts.name, opts.timeoutMs);
}

/** Waits until the real clusterissuers controller reports ClusterIssuer `name` Ready. */
export async function clusterIssuerReady(kc: KubeConfig, name: string, timeoutMs = 30_000): Promise<KObject> {
  const k = kube(kc);
  return await waitFor(
    `ClusterIssuer ${name} Ready`,
    async () => {
      const ci = await k.get("cert-manager.io/v1", "ClusterIssuer", undefined, name);
      return findCondition(conditionsOf(ci), "Ready")?.status === "True" ? ci : undefined;
    },
    { timeoutMs, intervalMs: 200, onFail: () => "the issuers controller did not mark it Ready (see the cert-manager log)" },
  );
}

/**
 * A CA ClusterIssuer `name` whose root certificate cert-manager itself issues from a SelfSigned
 * ClusterIssuer (`<name>-root`): real issuance with no ACME server and no DNS, for suites that
 * prove the lifecycle rather than the ACME path. Waits until both are Ready.
 */
export async function createCaClusterIssuer(kc: KubeConfig, opts: { name: string; secretNamespace: string; timeoutMs?: number }): Promise<KObject> {
  const k = kube(kc);
  const root = `${opts.name}-root`;
  await k.create({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: root }, spec: { selfSigned: {} } });
  await clusterIssuerReady(kc, root, opts.timeoutMs);
  await k.create({
    apiVersion: "cert-manager.io/v1",
    kind: "Certificate",
    metadata: { name: root, namespace: opts.secretNamespace },
    spec: {
      isCA: true,
      commonName: `${opts.name} test root`,
      secretName: root,
      privateKey: { algorithm: "ECDSA", size: 256 },
      issuerRef: { kind: "ClusterIssuer", name: root },
    },
  });
  await k.create({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: opts.name }, spec: { ca: { secretName: root } } });
  // The CA issuer turns Ready once the root's Secret exists, i.e. once the root was issued.
  return await clusterIssuerReady(kc, opts.name, opts.timeoutMs ?? 60_000);
}
