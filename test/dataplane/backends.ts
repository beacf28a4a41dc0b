// Test backends inside the data-plane network namespace: echo-server.ts processes, stopped by PID.
import { join } from "node:path";
import { killPid, spawnLogged, waitFor } from "../infra/procs.ts";
import type { DataPlane } from "../infra/dataplane/index.ts";
import { repoRoot } from "../infra/tools.ts";

const ECHO = join(repoRoot(), "test", "dataplane", "echo-server.ts");

export interface Backend {
  readonly name: string;
  /** `http(s)://<namespace address>:<port>` — an address Envoy dials inside the namespace. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

let nextPort = 8100;

export async function startBackend(dp: DataPlane, name: string, opts: { tls?: { certFile: string; keyFile: string } } = {}): Promise<Backend> {
  const port = nextPort++;
  const args = ["--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", ECHO, "--name", name, "--port", String(port)];
  if (opts.tls) args.push("--tls-cert", opts.tls.certFile, "--tls-key", opts.tls.keyFile);
  const inNs = dp.ns.exec(process.execPath, args);
  const proc = spawnLogged(`backend ${name}`, inNs.cmd, inNs.args, join(dp.dir, `backend-${name}.log`));
  const scheme = opts.tls ? "https" : "http";
  await waitFor(`backend ${name} to listen`, async () => (/listening/.test(proc.tail(5)) ? true : undefined), {
    timeoutMs: 15_000,
    abortIf: () => (proc.isRunning() ? undefined : "exited"),
    onFail: () => proc.tail(20),
  });
  return {
    name,
    url: `${scheme}://${dp.address}:${port}`,
    port,
    pid: proc.pid,
    stop: () => killPid(proc.pid),
  };
}
