// The real data plane next to a background control plane (`make cluster`, `make demo`):
//   node test/infra/dataplane/cli.ts run   <kubeconfig> <stateDir>   foreground, until SIGTERM/SIGINT
//   node test/infra/dataplane/cli.ts start <kubeconfig> <stateDir>   background; pid, log, address in stateDir
//   node test/infra/dataplane/cli.ts stop  <stateDir>                stop the background one (by PID)
// `run` starts Envoy Gateway + the node agent (which runs Envoy) in a network namespace and prints
// "data plane: <address>" — the address every Gateway of class envoy-gateway gets.
import { KubeConfig } from "@kubernetes/client-node";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { killPid, pidAlive, tailFile, waitFor } from "../procs.ts";
import { startDataPlane } from "./index.ts";

const READY = "data plane: ";

async function run(kubeconfigPath: string, stateDir: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  mkdirSync(stateDir, { recursive: true });
  const dp = await startDataPlane({ kc, kubeconfigPath, dir: join(stateDir, "work") });
  writeFileSync(join(stateDir, "address"), `${dp.address}\n`);
  console.log(`${READY}${dp.address} (Envoy Gateway ${dp.controller.version}, network namespace ${dp.ns.name})`);
  const report = setInterval(() => {
    for (const e of dp.agent.lastErrors()) console.error(`node agent: ${e}`);
  }, 5_000);
  await new Promise<void>((done) => {
    process.once("SIGTERM", done);
    process.once("SIGINT", done);
  });
  clearInterval(report);
  await dp.stop();
}

async function start(kubeconfigPath: string, stateDir: string): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  const log = join(stateDir, "dataplane.log");
  const fd = openSync(log, "a");
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? "", "run", kubeconfigPath, stateDir], { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  child.unref();
  writeFileSync(join(stateDir, "pid"), `${child.pid}\n`);
  await waitFor("the data plane to start", async () => (tailFile(log, 50).includes(READY) ? true : undefined), {
    timeoutMs: 120_000,
    intervalMs: 200,
    abortIf: () => (child.pid !== undefined && pidAlive(child.pid) ? undefined : "it exited"),
    onFail: () => tailFile(log, 30),
  });
  console.log(tailFile(log, 50).split("\n").find((l) => l.startsWith(READY)));
}

async function stop(stateDir: string): Promise<void> {
  const pidFile = join(stateDir, "pid");
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  // SIGTERM lets `run` stop Envoy, the controller and the namespace; SIGKILL after 30 s.
  await killPid(pid, 30_000);
  rmSync(pidFile, { force: true });
}

const [cmd, a, b] = process.argv.slice(2);
const main =
  cmd === "run" && a && b ? () => run(resolve(a), resolve(b)) : cmd === "start" && a && b ? () => start(resolve(a), resolve(b)) : cmd === "stop" && a ? () => stop(resolve(a)) : undefined;
if (main === undefined) {
  console.error("usage: cli.ts run|start <kubeconfig> <stateDir> | stop <stateDir>");
  process.exit(2);
}
main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
