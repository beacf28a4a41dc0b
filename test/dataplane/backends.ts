// Test backends inside the data-plane network namespace: echo-server.ts processes, stopped by PID.
import { join } from "node:path";
import { killPid, spawnLogged, waitFor } from "../infra/procs.ts";
import type { DataPlane } from "../infra/dataplane/index.ts";
import { repoRoot } from "../infra/tools.ts";

const ECHO = join(repoRoot(), "test", "dataplane", "echo-server.ts");
const GRPC = join(repoRoot(), "test", "dataplane", "grpc-server.ts");

export interface Backend {
  readonly name: string;
  /** `http(s)://` (or `grpc(s)://`) `<namespace address or hostname>:<port>` — what Envoy dials inside the namespace. */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

let nextPort = 8100;

export interface BackendOptions {
  readonly tls?: { certFile: string; keyFile: string };
  /** Speak HTTP/2 over cleartext only (prior knowledge), as an h2c service does. */
  readonly h2c?: boolean;
  /** A name the data plane's DNS resolves to the backend (dp.dns.publish): the URL uses it instead of the address. */
  readonly hostname?: string;
  /** Static files served at URL paths (`/path` → file), e.g. a JWKS. */
  readonly files?: Readonly<Record<string, string>>;
  /** A gRPC server (grpc-server.ts) instead of the echo server: the URL is grpc(s)://. */
  readonly grpc?: boolean;
}

export async function startBackend(dp: DataPlane, name: string, opts: BackendOptions = {}): Promise<Backend> {
  const port = nextPort++;
  const args = ["--disable-warning=MODULE_TYPELESS_PACKAGE_JSON", opts.grpc ? GRPC : ECHO, "--name", name, "--port", String(port)];
  if (opts.tls) args.push("--tls-cert", opts.tls.certFile, "--tls-key", opts.tls.keyFile);
  if (opts.h2c) args.push("--h2c");
  for (const [path, file] of Object.entries(opts.files ?? {})) args.push("--file", `${path}=${file}`);
  const inNs = dp.ns.exec(process.execPath, args);
  const proc = spawnLogged(`backend ${name}`, inNs.cmd, inNs.args, join(dp.dir, `backend-${name}.log`));
  const scheme = `${opts.grpc ? "grpc" : "http"}${opts.tls ? "s" : ""}`;
  await waitFor(`backend ${name} to listen`, async () => (/listening/.test(proc.tail(5)) ? true : undefined), {
    timeoutMs: 15_000,
    abortIf: () => (proc.isRunning() ? undefined : "exited"),
    onFail: () => proc.tail(20),
  });
  return {
    name,
    url: `${scheme}://${opts.hostname ?? dp.address}:${port}`,
    port,
    pid: proc.pid,
    stop: () => killPid(proc.pid),
  };
}
