// The controllers and DNS around a background control plane (`make cluster`, `make demo`), next to
// the data plane (test/infra/dataplane/cli.ts) — the real ones the suites use, nothing that writes a
// controller's status:
// - cert-manager v1.21.2 with the CA ClusterIssuer `datum-acme` (the provider's default
//   clusterIssuer; its root self-signed), as test/infra/controllers.ts sets it up for the suites;
// - a local PowerDNS holding the zone of canonical hostnames (the default targetDomain, datum.local);
// - external-dns v0.20.0 writing every DNSEndpoint (`dnsIntegration: true`) into every zone of that
//   PowerDNS (never creating zones);
// - the DNS actor (dns-actor.ts): publishes each Domain's verification TXT record there, creating the
//   Domain's zone — what a user does at their DNS provider.
//
//   node test/e2e/cluster-services.ts run   <kubeconfig> <stateDir>   foreground, until SIGTERM/SIGINT
//   node test/e2e/cluster-services.ts start <kubeconfig> <stateDir>   background; pid, log, dns-address in stateDir
//   node test/e2e/cluster-services.ts stop  <stateDir>                stop it and its children (by PID)
// Point the provider's `dnsServers` at <stateDir>/dns-address. The children's PIDs are in
// <stateDir>/children.json, so `stop` ends them even if `run` itself was killed.
import { KubeConfig } from "@kubernetes/client-node";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startDetached, stopDetached } from "../infra/background.ts";
import { createCaClusterIssuer, startCertManager, type CertManager } from "../infra/cert-manager.ts";
import { CLUSTER_ISSUER } from "../infra/controllers.ts";
import { startExternalDns, type ExternalDns } from "../infra/external-dns.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { killPid } from "../infra/procs.ts";
import { startDnsActor, type DnsActor } from "./dns-actor.ts";

const NAME = "services";
const READY = "services: ready";
/** The provider's default targetDomain (provider/core/render/settings.ts): the zone of canonical hostnames. */
const CANONICAL_ZONE = "datum.local";

async function run(kubeconfigPath: string, stateDir: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const certManagerDir = join(stateDir, "cert-manager");
  const externalDnsDir = join(stateDir, "external-dns");
  for (const d of [certManagerDir, externalDnsDir]) mkdirSync(d, { recursive: true });
  let dns: PowerDns | undefined;
  let dnsActor: DnsActor | undefined;
  let certManager: CertManager | undefined;
  let externalDns: ExternalDns | undefined;
  let reportedErrors = 0;
  let reportedRecords = 0;
  const report = setInterval(() => {
    const errors = dnsActor?.errors() ?? [];
    for (const e of errors.slice(reportedErrors)) console.error(`dns actor: ${e}`);
    reportedErrors = errors.length;
    const records = dnsActor?.published() ?? [];
    for (const r of records.slice(reportedRecords)) console.log(`dns actor: published ${r}`);
    reportedRecords = records.length;
  }, 500);
  const stopAll = async (): Promise<void> => {
    clearInterval(report);
    await externalDns?.stop();
    await certManager?.stop();
    dnsActor?.stop();
    await dns?.stop();
  };
  let stopping: Promise<void> | undefined;
  const onSignal = (): void => {
    stopping ??= stopAll().then(() => process.exit(0));
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    dns = await startPowerDns();
    await dns.createZone(CANONICAL_ZONE);
    dnsActor = await startDnsActor(kc, dns);
    certManager = await startCertManager({ kubeconfigPath, dir: certManagerDir });
    await createCaClusterIssuer(kc, { name: CLUSTER_ISSUER, secretNamespace: certManager.clusterResourceNamespace });
    externalDns = await startExternalDns({ kubeconfigPath, powerDns: dns, domainFilter: [], dir: externalDnsDir });
  } catch (e) {
    console.error(`services: cannot start: ${e instanceof Error ? e.message : String(e)}`);
    await stopAll();
    process.exit(1);
  }
  writeFileSync(join(stateDir, "children.json"), `${JSON.stringify({ pdns: dns.pid, certManager: certManager.pid, externalDns: externalDns.pid })}\n`);
  writeFileSync(join(stateDir, "dns-address"), `${dns.dnsAddress}\n`);
  console.log(`dns: ${dns.dnsAddress} (PowerDNS, zone ${CANONICAL_ZONE}; external-dns ${externalDns.version} writes every zone)`);
  console.log(`cert-manager ${certManager.version}: ClusterIssuer ${CLUSTER_ISSUER} (CA) ready; log ${certManager.logFile}`);
  console.log(`${READY} (pid ${process.pid})`);
}

async function start(kubeconfigPath: string, stateDir: string): Promise<void> {
  const line = await startDetached(NAME, process.argv[1] ?? "", [kubeconfigPath, stateDir], stateDir, READY);
  if (line === undefined) {
    console.log("cert-manager, external-dns and DNS are already running");
    return;
  }
  console.log(readFileSync(join(stateDir, `${NAME}.log`), "utf8").trim());
}

async function stop(stateDir: string): Promise<void> {
  // SIGTERM lets `run` stop its children; whatever survives (run killed earlier) is stopped here.
  await stopDetached(NAME, stateDir, 30_000);
  const children = join(stateDir, "children.json");
  if (existsSync(children)) {
    for (const pid of Object.values(JSON.parse(readFileSync(children, "utf8")) as Record<string, number>)) await killPid(pid);
  }
  rmSync(children, { force: true });
  rmSync(join(stateDir, "dns-address"), { force: true });
}

const [cmd, a, b] = process.argv.slice(2);
const main =
  cmd === "run" && a && b ? () => run(resolve(a), resolve(b)) : cmd === "start" && a && b ? () => start(resolve(a), resolve(b)) : cmd === "stop" && a ? () => stop(resolve(a)) : undefined;
if (main === undefined) {
  console.error("usage: cluster-services.ts run|start <kubeconfig> <stateDir> | stop <stateDir>");
  process.exit(2);
}
main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
