// The real data plane next to a background control plane (`make cluster`, `make demo`):
//   node test/infra/dataplane/cli.ts run   <kubeconfig> <stateDir>   foreground, until SIGTERM/SIGINT
//   node test/infra/dataplane/cli.ts start <kubeconfig> <stateDir>   background; pid, log, address, netns in stateDir
//   node test/infra/dataplane/cli.ts stop  <stateDir>                stop the background one (by PID)
// `run` starts Envoy Gateway + the node agent (which runs Envoy) in a network namespace and prints
// "data plane: <address>" — the address every Gateway of class envoy-gateway gets; <stateDir>/netns
// names the network namespace (where backends Envoy can reach run: `ip netns exec <netns> …`).
import { KubeConfig } from "@kubernetes/client-node";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { startDetached, stopDetached } from "../background.ts";
import { startDataPlane } from "./index.ts";

const READY = "data plane: ";

async function run(kubeconfigPath: string, stateDir: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  mkdirSync(stateDir, { recursive: true });
  const dp = await startDataPlane({ kc, kubeconfigPath, dir: join(stateDir, "work") });
  writeFileSync(join(stateDir, "address"), `${dp.address}\n`);
  writeFileSync(join(stateDir, "netns"), `${dp.ns.name}\n`);
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
  const line = await startDetached("dataplane", process.argv[1] ?? "", [kubeconfigPath, stateDir], stateDir, READY);
  console.log(line ?? "the data plane is already running");
}

async function stop(stateDir: string): Promise<void> {
  // SIGTERM lets `run` stop Envoy, the controller and the namespace; SIGKILL after 30 s.
  await stopDetached("dataplane", stateDir, 30_000);
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
