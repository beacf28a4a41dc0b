// Pebble (Debian package `pebble`), Let's Encrypt's test ACME server, on loopback free ports with
// a freshly generated localhost certificate. DNS-01 validation queries `dnsServer`
// (e.g. PowerDNS from powerdns.ts). Install with test/infra/install-apt.sh.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, killPid, killPidSync, spawnLogged, waitFor, type Spawned } from "./procs.ts";
import { createCA } from "./tls.ts";

const PEBBLE = "/usr/bin/pebble";

export interface Pebble {
  /** https://127.0.0.1:<port>/dir */
  readonly directoryUrl: string;
  readonly managementUrl: string;
  /** PEM of the CA that signed pebble's own HTTPS certificate (trust it to talk ACME). */
  readonly tlsCa: string;
  /** An https.Agent trusting tlsCa. */
  readonly agent: Agent;
  readonly pid: number;
  /** PEM of pebble's current issuing root (regenerated at every start). */
  rootCert(): Promise<string>;
  stop(): Promise<void>;
}

export function requirePebble(): void {
  if (!existsSync(PEBBLE)) {
    throw new Error(`pebble is not installed (${PEBBLE}); run \`make infra-tools\` (test/infra/install-apt.sh)`);
  }
}

function httpsText(url: string, agent: Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout GET ${url}`)));
    req.on("error", reject);
    req.end();
  });
}

export interface PebbleOptions {
  /** host:port of the DNS server pebble uses for DNS-01 (and CAA) lookups. */
  readonly dnsServer: string;
  /** Extra env, e.g. { PEBBLE_VA_ALWAYS_VALID: "1" } or { PEBBLE_WFE_NONCEREJECT: "50" }. */
  readonly env?: Readonly<Record<string, string>>;
  /** Names pebble refuses to order (ACME rejectedIdentifier): a real issuance failure. */
  readonly domainBlocklist?: readonly string[];
  /** Port pebble connects to for http-01 (80: a real Gateway's HTTP listeners); default a free one. */
  readonly httpPort?: number;
  readonly timeoutMs?: number;
}

export async function startPebble(opts: PebbleOptions): Promise<Pebble> {
  requirePebble();
  const dir = mkdtempSync(join(tmpdir(), "pulumi-datum-pebble-"));
  const ca = createCA(dir, "pebble-tls-test-ca");
  const leaf = ca.issue("localhost", { cn: "localhost", dnsNames: ["localhost"], ips: ["127.0.0.1"] });
  const tlsCa = readFileSync(ca.cert, "utf8");
  const agent = new Agent({ ca: tlsCa, keepAlive: false });
  let proc: Spawned | undefined;
  let port = 0;
  let mgmt = 0;
  for (let attempt = 1; attempt <= 3 && proc === undefined; attempt++) {
    port = await freePort();
    mgmt = await freePort();
    const cfg = join(dir, "pebble.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${port}`,
          managementListenAddress: `127.0.0.1:${mgmt}`,
          certificate: leaf.cert,
          privateKey: leaf.key,
          // HTTP-01/TLS-ALPN-01 validation ports (pebble connects to them; it does not listen).
          httpPort: opts.httpPort ?? (await freePort()),
          tlsPort: await freePort(),
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
          domainBlocklist: opts.domainBlocklist ?? [],
        },
      }),
    );
    const p = spawnLogged("pebble", PEBBLE, ["-config", cfg, "-dnsserver", opts.dnsServer], join(dir, "pebble.log"), {
      env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", ...opts.env },
    });
    process.once("exit", () => killPidSync(p.pid));
    try {
      await waitFor(
        "pebble directory",
        async () => ((await httpsText(`https://127.0.0.1:${port}/dir`, agent)).status === 200 ? true : undefined),
        { timeoutMs: opts.timeoutMs ?? 20_000, intervalMs: 50, onFail: () => p.tail(), abortIf: () => (p.isRunning() ? undefined : "pebble exited") },
      );
      proc = p;
    } catch (e) {
      await killPid(p.pid, 1_000);
      if (attempt === 3 || !/in use/i.test(p.tail(100))) throw e;
    }
  }
  if (proc === undefined) throw new Error("pebble did not start");
  const started = proc;
  const managementUrl = `https://127.0.0.1:${mgmt}`;
  return {
    directoryUrl: `https://127.0.0.1:${port}/dir`,
    managementUrl,
    tlsCa,
    agent,
    pid: started.pid,
    async rootCert() {
      const r = await httpsText(`${managementUrl}/roots/0`, agent);
      if (r.status !== 200) throw new Error(`pebble /roots/0: ${r.status}`);
      return r.text;
    },
    async stop() {
      agent.destroy();
      await killPid(started.pid);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
