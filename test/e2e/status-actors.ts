// The status actors (test/infra/actors: Envoy Gateway, cert-manager, external-dns) as a long-lived
// process next to a background control plane (`make cluster-actors`, `make demo`), so objects
// written by `pulumi up` become Ready as if the real controllers ran.
//
//   node test/e2e/status-actors.ts run   <kubeconfig> [--dns]           foreground, until SIGTERM/SIGINT
//   node test/e2e/status-actors.ts start <kubeconfig> <stateDir> [--dns] background; pid + log in stateDir
//   node test/e2e/status-actors.ts stop  <stateDir>                      stop the background one (by PID)
// --real-envoy-gateway plays only cert-manager (the real Envoy Gateway runs: test/infra/dataplane/cli.ts).
//
// --dns also starts a local PowerDNS and the DNS actor (test/e2e/dns-actor.ts), which publishes the
// TXT record of every Domain the provider creates; point the provider's `dnsServers` at the
// address printed as "dns: <ip:port>" (also written to <stateDir>/dns-address) and Domains verify
// for real. PowerDNS stops with the actors.
import { KubeConfig } from "@kubernetes/client-node";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { certManagerActors, startActors } from "../infra/actors/index.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { killPid, pidAlive } from "../infra/procs.ts";
import { startDnsActor, type DnsActor } from "./dns-actor.ts";

const READY_LINE = "actors: watching";

function usage(): never {
  console.error("usage: status-actors.ts run <kubeconfig> [--dns] [--real-envoy-gateway] | start <kubeconfig> <stateDir> [--dns] [--real-envoy-gateway] | stop <stateDir>");
  process.exit(2);
}

async function run(kubeconfigPath: string, withDns: boolean, realEnvoyGateway: boolean): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  // A background cluster lives for hours: the per-test bounds (5000 writes, 50 watch restarts)
  // exist to stop runaway loops in a test, not to end a demo session, so they are raised here.
  // With the real Envoy Gateway running (test/infra/dataplane/cli.ts), only cert-manager is played.
  const actors = startActors(kc, { maxWrites: 1_000_000, maxWatchRestarts: 100_000, ...(realEnvoyGateway && { only: certManagerActors }) });
  let dns: PowerDns | undefined;
  let dnsActor: DnsActor | undefined;
  let reportedErrors = 0;
  let reportedRecords = 0;
  const poll = setInterval(() => {
    const errors = [...actors.errors(), ...(dnsActor?.errors() ?? [])];
    for (const e of errors.slice(reportedErrors)) console.error(`actors: ${e}`);
    reportedErrors = errors.length;
    const records = dnsActor?.published() ?? [];
    for (const r of records.slice(reportedRecords)) console.log(`dns: published ${r}`);
    reportedRecords = records.length;
  }, 500);
  const stop = async (why: string, exitCode: number): Promise<void> => {
    clearInterval(poll);
    actors.stop();
    dnsActor?.stop();
    await dns?.stop();
    console.log(`actors: stopped (${why})`);
    process.exit(exitCode);
  };
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  process.on("SIGINT", () => void stop("SIGINT", 0));
  if (withDns) {
    try {
      dns = await startPowerDns();
      dnsActor = await startDnsActor(kc, dns);
    } catch (e) {
      console.error(`actors: cannot start the DNS server: ${e instanceof Error ? e.message : String(e)}`);
      await stop("startup failure", 1);
      return;
    }
    console.log(`dns: ${dns.dnsAddress}`);
  }
  console.log(`${READY_LINE} ${kc.getCurrentCluster()?.server ?? "(unknown server)"} (pid ${process.pid})`);
}

/** Starts `run` detached, waits for its ready line, records its PID (and the DNS address). */
async function start(kubeconfigPath: string, stateDir: string, withDns: boolean, realEnvoyGateway: boolean): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const pidFile = join(stateDir, "actors.pid");
  if (existsSync(pidFile) && pidAlive(Number(readFileSync(pidFile, "utf8")))) {
    console.log(`status actors already running (pid ${readFileSync(pidFile, "utf8").trim()})`);
    return;
  }
  const logFile = join(stateDir, "actors.log");
  const fd = openSync(logFile, "w");
  const child = spawn(process.execPath, ["--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", process.argv[1] ?? "", "run", kubeconfigPath, ...(withDns ? ["--dns"] : []), ...(realEnvoyGateway ? ["--real-envoy-gateway"] : [])], {
    detached: true,
    stdio: ["ignore", fd, fd],
  });
  closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error("could not start the status actors");
  let exited = false;
  child.on("exit", () => (exited = true));
  writeFileSync(pidFile, `${child.pid}\n`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const log = readFileSync(logFile, "utf8");
    if (log.includes(READY_LINE)) {
      const dnsAddress = /^dns: (\S+:\d+)$/m.exec(log)?.[1];
      if (dnsAddress !== undefined) writeFileSync(join(stateDir, "dns-address"), `${dnsAddress}\n`);
      console.log(`status actors running (pid ${child.pid}${dnsAddress !== undefined ? `, DNS ${dnsAddress}` : ""}; log ${logFile})`);
      return;
    }
    if (exited || Date.now() > deadline) {
      await killPid(child.pid, 1_000);
      rmSync(pidFile, { force: true });
      throw new Error(`the status actors did not start:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopBackground(stateDir: string): Promise<void> {
  const pidFile = join(stateDir, "actors.pid");
  if (!existsSync(pidFile)) {
    console.log("no status actors running");
    return;
  }
  const pid = Number(readFileSync(pidFile, "utf8"));
  if (Number.isInteger(pid) && pid > 0) await killPid(pid, 5_000);
  rmSync(pidFile, { force: true });
  rmSync(join(stateDir, "dns-address"), { force: true });
  console.log(`stopped the status actors (${pid})`);
}

const [cmd, ...rest] = process.argv.slice(2);
const positional = rest.filter((a) => !a.startsWith("--"));
const withDns = rest.includes("--dns");
const realEnvoyGateway = rest.includes("--real-envoy-gateway");
const main = async (): Promise<void> => {
  if (cmd === "run" && positional[0] !== undefined) return run(resolve(positional[0]), withDns, realEnvoyGateway);
  if (cmd === "start" && positional[0] !== undefined && positional[1] !== undefined) return start(resolve(positional[0]), resolve(positional[1]), withDns, realEnvoyGateway);
  if (cmd === "stop" && positional[0] !== undefined) return stopBackground(resolve(positional[0]));
  usage();
};
main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
