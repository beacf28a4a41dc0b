// The status actors (test/infra/actors: Envoy Gateway, cert-manager, external-dns) as a long-lived
// process for a background control plane — `make demo` and `make cluster-actors` run it next to
// the control plane, so objects written by `pulumi up` become Ready as if the real controllers ran.
//
//   node test/e2e/status-actors.ts <kubeconfig> [--dns]
//
// --dns also starts a local PowerDNS and the DNS actor (test/e2e/dns-actor.ts), which publishes the
// TXT record of every Domain the provider creates; point the provider's `dnsServers` at the
// address printed as "dns: <ip:port>" and Domains verify for real.
//
// Runs until SIGTERM/SIGINT (the caller stops it by PID); PowerDNS is stopped with it. Prints
// "actors: watching <server>" once the watches are started, and every actor error as it happens.
import { KubeConfig } from "@kubernetes/client-node";
import { startActors } from "../infra/actors/index.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { startDnsActor, type DnsActor } from "./dns-actor.ts";

const args = process.argv.slice(2);
const kubeconfigPath = args.find((a) => !a.startsWith("--"));
if (kubeconfigPath === undefined) {
  console.error("usage: node test/e2e/status-actors.ts <kubeconfig> [--dns]");
  process.exit(2);
}

const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);

// A background cluster lives for hours: the per-test bounds (5000 writes, 50 watch restarts) exist
// to stop runaway loops in a test, not to end a demo session, so they are raised here.
const actors = startActors(kc, { maxWrites: 1_000_000, maxWatchRestarts: 100_000 });
let dns: PowerDns | undefined;
let dnsActor: DnsActor | undefined;

async function startDns(): Promise<void> {
  if (!args.includes("--dns")) return;
  dns = await startPowerDns();
  dnsActor = await startDnsActor(kc, dns);
  console.log(`dns: ${dns.dnsAddress}`);
}

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

async function stop(signal: string, exitCode = 0): Promise<void> {
  clearInterval(poll);
  actors.stop();
  dnsActor?.stop();
  await dns?.stop();
  console.log(`actors: stopped (${signal})`);
  process.exit(exitCode);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));

startDns().then(
  () => console.log(`actors: watching ${kc.getCurrentCluster()?.server ?? "(unknown server)"} (pid ${process.pid})`),
  async (e: unknown) => {
    console.error(`actors: cannot start the DNS server: ${e instanceof Error ? e.message : String(e)}`);
    await stop("startup failure", 1);
  },
);
