// PowerDNS Authoritative (Debian pdns-server + pdns-backend-sqlite3) on loopback free ports,
// managed through its HTTP API. Install with test/infra/install-apt.sh.
import { randomBytes } from "node:crypto";
import { promises as dnsPromises } from "node:dns";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { NetNs } from "./dataplane/netns.ts";
import { freePort, killPid, killPidSync, run, spawnLogged, waitFor, type Spawned } from "./procs.ts";

const PDNS_SERVER = "/usr/sbin/pdns_server";
const SCHEMA = "/usr/share/doc/pdns-backend-sqlite3/schema.sqlite3.sql";

export interface RRSetRecord {
  readonly content: string;
  readonly disabled?: boolean;
}

export interface PowerDns {
  /** DNS (UDP+TCP) listen address, e.g. 127.0.0.1:5300 — pass to pebble -dnsserver / Resolver.setServers. */
  readonly dnsAddress: string;
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly pid: number;
  readonly dir: string;
  /** Create a Native zone (name with or without trailing dot) with NS ns1.<zone>. */
  createZone(zone: string): Promise<void>;
  deleteZone(zone: string): Promise<void>;
  /** REPLACE an rrset. Names/contents are absolute (trailing dot added to names). TXT content must be quoted. */
  setRecord(zone: string, name: string, type: string, records: readonly RRSetRecord[] | readonly string[], ttl?: number): Promise<void>;
  deleteRecord(zone: string, name: string, type: string): Promise<void>;
  /** A resolver bound to this server only. */
  resolver(): dnsPromises.Resolver;
  /**
   * Create a TSIG key (hmac-sha256) and allow RFC2136 updates of `zone` signed with it (or with a
   * key allowed before; unsigned updates are refused).
   * Needs `startPowerDns({ dnsUpdate: true })`. Returns the key name and its base64 secret.
   */
  allowTsigUpdates(zone: string, keyName: string): Promise<TsigKey>;
  stop(): Promise<void>;
}

export function requirePowerDns(): void {
  if (!existsSync(PDNS_SERVER) || !existsSync(SCHEMA)) {
    throw new Error(`PowerDNS is not installed (${PDNS_SERVER}, ${SCHEMA}); run \`make infra-tools\` (test/infra/install-apt.sh)`);
  }
}

export interface TsigKey {
  readonly name: string;
  readonly algorithm: "hmac-sha256";
  /** base64 */
  readonly secret: string;
}

export interface PowerDnsOptions {
  readonly timeoutMs?: number;
  /** Accept RFC2136 dynamic updates from loopback (per zone only with a TSIG key: allowTsigUpdates). */
  readonly dnsUpdate?: boolean;
  /**
   * Run inside this network namespace instead of on the machine's loopback: DNS on the namespace's
   * loopback and its veth address, the API on the veth address (reachable from the machine).
   */
  readonly netns?: NetNs;
  /** DNS port (default: a free one); 53 where a resolv.conf must name the server. */
  readonly dnsPort?: number;
}

const dot = (n: string): string => (n.endsWith(".") ? n : `${n}.`);

export async function startPowerDns(opts: PowerDnsOptions = {}): Promise<PowerDns> {
  requirePowerDns();
  const dir = mkdtempSync(join(tmpdir(), "pulumi-datum-pdns-"));
  const db = join(dir, "pdns.sqlite3");
  run("sqlite3", [db], { input: `.read ${SCHEMA}\n` });
  const apiKey = randomBytes(16).toString("hex");
  let proc: Spawned | undefined;
  let dnsPort = 0;
  let apiPort = 0;
  const ns = opts.netns;
  const apiHost = ns ? ns.nsIp : "127.0.0.1";
  for (let attempt = 1; attempt <= 3; attempt++) {
    dnsPort = opts.dnsPort ?? (await freePort());
    apiPort = await freePort();
    writeFileSync(
      join(dir, "pdns.conf"),
      [
        "launch=gsqlite3",
        `gsqlite3-database=${db}`,
        `local-address=127.0.0.1${ns ? `, ${ns.nsIp}` : ""}`,
        `local-port=${dnsPort}`,
        "api=yes",
        `api-key=${apiKey}`,
        "webserver=yes",
        `webserver-address=${apiHost}`,
        `webserver-port=${apiPort}`,
        `webserver-allow-from=127.0.0.0/8${ns ? `, ${ns.hostIp}/32` : ""}`,
        `socket-dir=${dir}`,
        "guardian=no",
        "daemon=no",
        "disable-syslog=yes",
        "loglevel=4",
        "cache-ttl=0",
        "query-cache-ttl=0",
        "negquery-cache-ttl=0",
        "zone-cache-refresh-interval=0",
        "default-soa-content=ns1.invalid. hostmaster.@ 0 10800 3600 604800 3600",
        "expand-alias=yes",
        `resolver=127.0.0.1:${dnsPort}`,
        ...(opts.dnsUpdate === true ? ["dnsupdate=yes", "allow-dnsupdate-from=127.0.0.0/8"] : []),
        "",
      ].join("\n"),
    );
    const cmd = ns ? ns.exec(PDNS_SERVER, [`--config-dir=${dir}`]) : { cmd: PDNS_SERVER, args: [`--config-dir=${dir}`] };
    const p = spawnLogged("pdns_server", cmd.cmd, cmd.args, join(dir, "pdns.log"));
    const exitHook = (): void => killPidSync(p.pid);
    process.once("exit", exitHook);
    try {
      await waitFor(
        "PowerDNS API",
        async () => {
          const r = await fetch(`http://${apiHost}:${apiPort}/api/v1/servers/localhost`, {
            headers: { "X-API-Key": apiKey },
            signal: AbortSignal.timeout(1_000),
          });
          return r.ok ? true : undefined;
        },
        { timeoutMs: opts.timeoutMs ?? 20_000, intervalMs: 50, onFail: () => p.tail(), abortIf: () => (p.isRunning() ? undefined : "pdns_server exited") },
      );
      proc = p;
      break;
    } catch (e) {
      await killPid(p.pid, 1_000);
      if (attempt === 3 || !/in use|bind/i.test(p.tail(100))) throw e;
    }
  }
  if (proc === undefined) throw new Error("PowerDNS did not start");
  const started = proc;
  const apiUrl = `http://${apiHost}:${apiPort}`;
  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const r = await fetch(`${apiUrl}/api/v1/servers/localhost${path}`, {
      method,
      headers: { "X-API-Key": apiKey, "Content-Type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`PowerDNS ${method} ${path}: ${r.status} ${text}`);
    return text === "" ? undefined : (JSON.parse(text) as unknown);
  };
  const dnsAddress = `${ns ? ns.nsIp : "127.0.0.1"}:${dnsPort}`;
  return {
    dnsAddress,
    apiUrl,
    apiKey,
    pid: started.pid,
    dir,
    async createZone(zone) {
      const z = dot(zone);
      await api("POST", "/zones", {
        name: z,
        kind: "Native",
        nameservers: [],
        rrsets: [{ name: z, type: "NS", ttl: 60, changetype: "REPLACE", records: [{ content: `ns1.${z}`, disabled: false }] }],
      });
    },
    async deleteZone(zone) {
      await api("DELETE", `/zones/${dot(zone)}`);
    },
    async setRecord(zone, name, type, records, ttl = 1) {
      const recs = records.map((r) => (typeof r === "string" ? { content: r, disabled: false } : { disabled: false, ...r }));
      await api("PATCH", `/zones/${dot(zone)}`, { rrsets: [{ name: dot(name), type, ttl, changetype: "REPLACE", records: recs }] });
    },
    async deleteRecord(zone, name, type) {
      await api("PATCH", `/zones/${dot(zone)}`, { rrsets: [{ name: dot(name), type, changetype: "DELETE" }] });
    },
    resolver() {
      const r = new dnsPromises.Resolver({ timeout: 1_000, tries: 2 });
      r.setServers([dnsAddress]);
      return r;
    },
    async allowTsigUpdates(zone, keyName) {
      if (opts.dnsUpdate !== true) throw new Error("allowTsigUpdates needs startPowerDns({ dnsUpdate: true })");
      const created = await api("POST", "/tsigkeys", { name: keyName, algorithm: "hmac-sha256" });
      const secret = (created as { key?: unknown } | undefined)?.key;
      if (typeof secret !== "string" || secret === "") throw new Error(`PowerDNS created TSIG key ${keyName} without a secret`);
      const meta = `/zones/${dot(zone)}/metadata/TSIG-ALLOW-DNSUPDATE`;
      const allowed = (await api("GET", meta)) as { metadata?: string[] } | undefined;
      await api("PUT", meta, { kind: "TSIG-ALLOW-DNSUPDATE", metadata: [...(allowed?.metadata ?? []), keyName] });
      return { name: keyName, algorithm: "hmac-sha256", secret };
    },
    async stop() {
      await killPid(started.pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
