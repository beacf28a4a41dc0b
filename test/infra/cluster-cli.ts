// `make cluster` / `make cluster-down`: a long-lived local control plane for manual use.
//   node test/infra/cluster-cli.ts up   [stateDir]   (default .local/cluster)
//   node test/infra/cluster-cli.ts down [stateDir]
// `up` writes <repo>/.local/kubeconfig and <stateDir>/pids.json; `down` kills those PIDs only.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startControlPlane } from "./controlplane.ts";
import { killPid, pidAlive } from "./procs.ts";

interface PidFile {
  readonly etcd: number;
  readonly apiserver: number;
  readonly server: string;
  readonly dir: string;
}

async function up(stateDir: string, kubeconfigOut: string): Promise<void> {
  const pidFile = join(stateDir, "pids.json");
  if (existsSync(pidFile)) {
    const p = JSON.parse(readFileSync(pidFile, "utf8")) as PidFile;
    if (pidAlive(p.apiserver) && pidAlive(p.etcd)) {
      console.log(`cluster already running at ${p.server} (kubeconfig ${kubeconfigOut})`);
      return;
    }
    await down(stateDir, kubeconfigOut);
  }
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  const cp = await startControlPlane({ dir: stateDir, detached: true });
  const pids: PidFile = { etcd: cp.pids.etcd, apiserver: cp.pids.apiserver, server: cp.server, dir: stateDir };
  writeFileSync(pidFile, JSON.stringify(pids, null, 2) + "\n");
  copyFileSync(cp.kubeconfigPath, kubeconfigOut);
  const t = cp.timings;
  console.log(
    `cluster up at ${cp.server} in ${t.totalMs} ms (pki ${t.pkiMs}, etcd ${t.etcdMs}, apiserver ${t.apiserverMs}, ${cp.crds.length} CRDs ${t.crdsMs}); ` +
      `etcd pid ${pids.etcd}, kube-apiserver pid ${pids.apiserver}; KUBECONFIG=${kubeconfigOut}`,
  );
}

async function down(stateDir: string, kubeconfigOut: string): Promise<void> {
  const pidFile = join(stateDir, "pids.json");
  if (!existsSync(pidFile)) {
    console.log("no cluster state; nothing to stop");
    return;
  }
  const p = JSON.parse(readFileSync(pidFile, "utf8")) as PidFile;
  await killPid(p.apiserver);
  await killPid(p.etcd);
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(kubeconfigOut, { force: true });
  console.log(`stopped kube-apiserver (${p.apiserver}) and etcd (${p.etcd})`);
}

const [cmd, dirArg] = process.argv.slice(2);
const stateDir = resolve(dirArg ?? ".local/cluster");
const kubeconfigOut = resolve(join(stateDir, "..", "kubeconfig"));
const main = cmd === "up" ? up : cmd === "down" ? down : undefined;
if (main === undefined) {
  console.error("usage: cluster-cli.ts up|down [stateDir]");
  process.exit(2);
}
main(stateDir, kubeconfigOut).then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
