// Drives a resource provider over gRPC the way the Pulumi engine does: spawn the plugin binary
// (or the SDK's dynamic-provider host), read the port it prints, call it with ResourceProviderClient.
// A small Engine service stands in for the engine's log endpoint so tests can read what the
// provider logged. Uses the google-protobuf copy @pulumi/pulumi uses (another copy fails to serialize).
import * as grpc from "@grpc/grpc-js";
import { EngineService } from "@pulumi/pulumi/proto/engine_grpc_pb";
import type { LogRequest } from "@pulumi/pulumi/proto/engine_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";

export const ROOT = join(__dirname, "..", "..");
export const PLUGIN_BIN = join(ROOT, "bin", "pulumi-resource-datum");
export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Props = Record<string, unknown>;

export function secret(value: unknown): Props {
  return { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Props)[SECRET_SIG_KEY] === SECRET_SIG;
}

export function struct(v: Props): Struct {
  return Struct.fromJavaScript(v as Parameters<typeof Struct.fromJavaScript>[0]);
}

export function js(s: Struct | undefined): Props {
  return (s?.toJavaScript() ?? {}) as Props;
}

export interface LoggedLine {
  severity: number;
  message: string;
  urn: string;
  ephemeral: boolean;
}

/** The engine's Log endpoint: records every line a provider sends. */
export async function startEngineLog(): Promise<{ address: string; lines: LoggedLine[]; stop(): Promise<void> }> {
  const lines: LoggedLine[] = [];
  const server = new grpc.Server();
  server.addService(EngineService, {
    log: (call: grpc.ServerUnaryCall<LogRequest, Empty>, cb: grpc.sendUnaryData<Empty>) => {
      const r = call.request;
      lines.push({ severity: r.getSeverity(), message: r.getMessage(), urn: r.getUrn(), ephemeral: r.getEphemeral() });
      cb(null, new Empty());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  return {
    address: `127.0.0.1:${port}`,
    lines,
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

export interface SpawnedProvider {
  client: ResourceProviderClient;
  port: number;
  proc: ChildProcess;
  /** Everything the process wrote to stderr (and to stdout after the port line). */
  output(): string;
  /** Milliseconds from spawn to the port line. */
  startMs: number;
  stop(): Promise<void>;
}

/** Spawns a provider command and connects once it prints its port. */
export function spawnProvider(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<SpawnedProvider> {
  const t0 = performance.now();
  const proc = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let stdoutBuf = "";
  proc.stderr?.on("data", (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill("SIGKILL");
      reject(new Error(`${command}: no port within 20 s; output:\n${out}`));
    }, 20_000);
    const onData = (d: Buffer): void => {
      stdoutBuf += d.toString();
      const nl = stdoutBuf.indexOf("\n");
      if (nl < 0) return;
      const line = stdoutBuf.slice(0, nl).trim();
      out += stdoutBuf.slice(nl + 1);
      proc.stdout?.off("data", onData);
      proc.stdout?.on("data", (more: Buffer) => (out += more.toString()));
      clearTimeout(timer);
      const port = Number(line);
      if (!Number.isInteger(port) || port <= 0) {
        proc.kill("SIGKILL");
        reject(new Error(`${command}: expected a port on the first stdout line, got ${JSON.stringify(line)}; output:\n${out}`));
        return;
      }
      const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      resolve({
        client,
        port,
        proc,
        startMs: performance.now() - t0,
        output: () => out,
        stop: async () => {
          client.close();
          if (proc.exitCode === null && proc.signalCode === null) {
            const exited = new Promise<void>((r) => proc.once("exit", () => r()));
            proc.kill("SIGTERM");
            await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
            if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
          }
        },
      });
    };
    proc.stdout?.on("data", onData);
    proc.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code} before printing a port; output:\n${out}`));
    });
  });
}

export function spawnPlugin(engineAddress = "127.0.0.1:1", env?: NodeJS.ProcessEnv): Promise<SpawnedProvider> {
  return spawnProvider(PLUGIN_BIN, [engineAddress], env ? { env } : {});
}

/** The SDK's own host for dynamic providers, as `pulumi-resource-pulumi-nodejs` starts it. */
export function spawnDynamicHost(env?: NodeJS.ProcessEnv): Promise<SpawnedProvider> {
  const host = require.resolve("@pulumi/pulumi/cmd/dynamic-provider/index.js");
  return spawnProvider(process.execPath, [host, "127.0.0.1:1"], env ? { env } : {});
}

/** A unary RPC as a promise. */
export function rpc<Req, Res>(
  client: ResourceProviderClient,
  method: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => grpc.ClientUnaryCall,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export async function rpcError<Req, Res>(
  client: ResourceProviderClient,
  method: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => grpc.ClientUnaryCall,
  req: Req,
): Promise<grpc.ServiceError> {
  try {
    await rpc(client, method, req);
  } catch (e) {
    return e as grpc.ServiceError;
  }
  throw new Error("expected the call to fail");
}

export function checkRequest(type: string, news: Props, olds?: Props, name = "app"): providerPb.CheckRequest {
  const r = new providerPb.CheckRequest();
  r.setUrn(`urn:pulumi:test::proj::${type}::${name}`);
  r.setType(type);
  r.setName(name);
  r.setNews(struct(news));
  if (olds) r.setOlds(struct(olds));
  r.setRandomseed(new Uint8Array(32).fill(7));
  return r;
}

/** Create of resource `name` of `type` (urn `urn:pulumi:test::proj::<type>::<name>`); `timeout` in seconds, 0 = none. */
export function createRequest(type: string, name: string, inputs: Props, preview: boolean, timeout = 0): providerPb.CreateRequest {
  const r = new providerPb.CreateRequest();
  r.setUrn(`urn:pulumi:test::proj::${type}::${name}`);
  r.setType(type);
  r.setName(name);
  r.setProperties(struct(inputs));
  r.setPreview(preview);
  if (timeout) r.setTimeout(timeout);
  return r;
}

export function configureRequest(args: Props): providerPb.ConfigureRequest {
  const r = new providerPb.ConfigureRequest();
  r.setArgs(struct(args));
  r.setAcceptsecrets(true);
  r.setAcceptresources(true);
  return r;
}

export function failuresOf(res: providerPb.CheckResponse): { property: string; reason: string }[] {
  return res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() }));
}

/** Strings of a wire value that are not inside a secret envelope. */
export function plainStrings(v: unknown, out: string[] = []): string[] {
  if (isSecret(v)) return out;
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((e) => plainStrings(e, out));
  else if (v && typeof v === "object") Object.values(v).forEach((e) => plainStrings(e, out));
  return out;
}

/** Every string a response carries, for "never in plain text" assertions. */
export function responseText(msg: { toObject(): unknown }): string {
  return JSON.stringify(msg.toObject());
}
