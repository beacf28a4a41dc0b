// The status actors (test/infra/actors: Envoy Gateway, cert-manager, external-dns) as a long-lived
// process for a background control plane — `make demo` and `make cluster-actors` run it next to
// `make cluster`, so objects written by `pulumi up` become Ready as if the real controllers ran.
//
//   node test/e2e/status-actors.ts <kubeconfig>
//
// Runs until SIGTERM/SIGINT (the caller stops it by PID). Prints one "actors: watching <server>"
// line once the watches are started, and every actor error as it happens.
import { KubeConfig } from "@kubernetes/client-node";
import { startActors } from "../infra/actors/index.ts";

const kubeconfigPath = process.argv[2];
if (kubeconfigPath === undefined) {
  console.error("usage: node test/e2e/status-actors.ts <kubeconfig>");
  process.exit(2);
}

const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);

// A background cluster lives for hours: the per-test bounds (5000 writes, 50 watch restarts) exist
// to stop runaway loops in a test, not to end a demo session, so they are raised here.
const actors = startActors(kc, { maxWrites: 1_000_000, maxWatchRestarts: 100_000 });
console.log(`actors: watching ${kc.getCurrentCluster()?.server ?? "(unknown server)"} (pid ${process.pid})`);

let reported = 0;
const errorPoll = setInterval(() => {
  const errors = actors.errors();
  for (const e of errors.slice(reported)) console.error(`actors: ${e}`);
  reported = errors.length;
}, 1_000);

function stop(signal: string): void {
  clearInterval(errorPoll);
  actors.stop();
  console.log(`actors: stopped (${signal})`);
  process.exit(0);
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
