// external-dns (built by `build-tools.sh external-dns` from sigs.k8s.io/external-dns) against a local
// kube-apiserver: the CRD source (DNSEndpoint) and the PowerDNS provider with the TXT registry, so
// DNSEndpoint records land in the local PowerDNS. Its metrics/health server listens on loopback;
// it is stopped by PID.
//
// What the real controller writes on a DNSEndpoint: only `status.observedGeneration`, set when its
// source *lists* the object, i.e. before the records are pushed to PowerDNS (and also for endpoints
// it then skips). Readiness that matters is therefore "the name resolves", not the status.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PowerDns } from "./powerdns.ts";
import { childHandle, freePort, startUntilReady, waitFor, type ChildHandle, type Spawned } from "./procs.ts";
import { requireTools, VERSIONS } from "./tools.ts";

export interface ExternalDnsOptions {
  readonly kubeconfigPath: string;
  /** The PowerDNS whose HTTP API external-dns writes to; the zones must exist (external-dns never creates zones). */
  readonly powerDns: Pick<PowerDns, "apiUrl" | "apiKey">;
  /** Zones (domain suffixes) external-dns may write; others are left alone. */
  readonly domainFilter: readonly string[];
  /** TXT registry owner; records owned by another id are never changed. Default `pulumi-datum`. */
  readonly txtOwnerId?: string;
  /** Full resync period in seconds (besides the DNSEndpoint watch, `--events`). Default 1. */
  readonly intervalSeconds?: number;
  /** Only DNSEndpoints of this namespace (default: all namespaces). */
  readonly namespace?: string;
  /** Directory for the log (default: a fresh temp dir, removed by stop()). */
  readonly dir?: string;
  /** Keep running after this Node process exits (for `make cluster`). */
  readonly detached?: boolean;
  readonly timeoutMs?: number;
}

export interface ExternalDns extends ChildHandle {
  readonly version: string;
  /** http://127.0.0.1:<port> serving /healthz and /metrics. */
  readonly metricsUrl: string;
  /** When the last successful sync (source → plan → PowerDNS) finished, in ms since the epoch; 0 before the first. */
  lastSyncMs(): Promise<number>;
}

/**
 * The command line `startExternalDns` runs (also what `make cluster` should run). The PowerDNS API
 * key is not in it: it goes in the environment (`externalDnsEnv`), so it stays out of `ps`.
 */
export function externalDnsArgs(opts: ExternalDnsOptions, metricsPort: number): string[] {
  const interval = opts.intervalSeconds ?? 1;
  return [
    `--kubeconfig=${opts.kubeconfigPath}`,
    "--source=crd",
    "--crd-source-apiversion=externaldns.k8s.io/v1alpha1",
    "--crd-source-kind=DNSEndpoint",
    ...(opts.namespace !== undefined ? [`--namespace=${opts.namespace}`] : []),
    "--provider=pdns",
    `--pdns-server=${opts.powerDns.apiUrl}`,
    ...opts.domainFilter.map((d) => `--domain-filter=${d.replace(/\.$/, "")}`),
    "--registry=txt",
    `--txt-owner-id=${opts.txtOwnerId ?? "pulumi-datum"}`,
    // A DNSEndpoint change schedules a sync at most 5 s later (fixed in the controller); the short
    // interval makes the next periodic sync come sooner than that.
    "--events",
    `--interval=${interval}s`,
    `--min-event-sync-interval=${interval}s`,
    "--policy=sync",
    `--metrics-address=127.0.0.1:${metricsPort}`,
  ];
}

/**
 * The environment for the controller: ours without any inherited `EXTERNAL_DNS_*` (every flag can
 * be set that way), plus the PowerDNS API key.
 */
export function externalDnsEnv(opts: Pick<ExternalDnsOptions, "powerDns">, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(base).filter(([k]) => !k.startsWith("EXTERNAL_DNS_")));
  return { ...env, EXTERNAL_DNS_PDNS_API_KEY: opts.powerDns.apiKey };
}

const LAST_SYNC = /^external_dns_controller_last_sync_timestamp_seconds (\S+)$/m;

export async function startExternalDns(opts: ExternalDnsOptions): Promise<ExternalDns> {
  const { externalDns: bin } = requireTools("externalDns");
  // kingpin prints the version on stderr.
  const printed = spawnSync(bin, ["--version"], { encoding: "utf8" });
  const version = `${printed.stdout}${printed.stderr}`.trim();
  if (version !== VERSIONS.externalDns) {
    throw new Error(`${bin} reports ${version}, expected ${VERSIONS.externalDns}; run \`make infra-tools\``);
  }
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), "pulumi-datum-external-dns-"));
  const metricsPort = await freePort();
  const metricsUrl = `http://127.0.0.1:${metricsPort}`;
  const lastSyncMs = async (): Promise<number> => {
    const r = await fetch(`${metricsUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
    const m = LAST_SYNC.exec(await r.text());
    return m === null ? 0 : Math.round(Number(m[1]) * 1000);
  };
  let p: Spawned;
  try {
    // The first sync proves the whole path: the DNSEndpoint list/watch, the PowerDNS API and key.
    p = await startUntilReady("external-dns", bin, externalDnsArgs(opts, metricsPort), join(dir, "external-dns.log"), {
      env: externalDnsEnv(opts),
      detached: opts.detached === true,
      ready: async () => (await lastSyncMs()) > 0,
      timeoutMs: opts.timeoutMs ?? 30_000,
      intervalMs: 200,
    });
  } catch (e) {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { ...childHandle(p, ownDir ? dir : undefined), version, metricsUrl, lastSyncMs };
}

/** What a resolver answers, sorted, as JSON; or the error code (ENOTFOUND = NXDOMAIN, ENODATA = no record of that type). */
export async function dnsAnswer(query: () => Promise<readonly unknown[]>): Promise<string> {
  try {
    return JSON.stringify([...(await query())].map(String).sort());
  } catch (e) {
    return String((e as { code?: unknown }).code ?? e);
  }
}

/** Bounded wait (30 s) until `query` answers `want` (see dnsAnswer); the error shows the last answer and the log. */
export async function waitForDnsAnswer(edns: Pick<ExternalDns, "tail">, what: string, query: () => Promise<readonly unknown[]>, want: string): Promise<void> {
  let last = "";
  await waitFor(
    what,
    async () => {
      last = await dnsAnswer(query);
      return last === want ? true : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, onFail: () => `last answer ${last}\n${edns.tail()}` },
  );
}
