/**
 * Diagnostics for the Pulumi engine's log (`pulumi up` prints them under the resource).
 * The connection is opened on the first message: most plugin runs (schema, preview of an
 * unchanged stack) never log.
 */
import * as grpc from "@grpc/grpc-js";
import type { EngineClient } from "@pulumi/pulumi/proto/engine_grpc_pb";
import type * as EnginePb from "@pulumi/pulumi/proto/engine_pb";

export type Severity = "debug" | "info" | "warning" | "error";

export interface EngineLog {
  log(severity: Severity, message: string, urn?: string, ephemeral?: boolean): void;
  /** Resolves once every message sent so far was answered (tests, shutdown). */
  flush(): Promise<void>;
  close(): void;
}

type EnginePbModule = typeof EnginePb;

export function engineLog(address: () => string | undefined): EngineLog {
  let client: EngineClient | undefined;
  let pb: EnginePbModule | undefined;
  let clientAddress: string | undefined;
  const pending = new Set<Promise<void>>();

  const connect = (): EngineClient | undefined => {
    const addr = address();
    if (!addr) return undefined;
    if (client && clientAddress === addr) return client;
    client?.close();
    const { EngineClient: Client } = require("@pulumi/pulumi/proto/engine_grpc_pb") as typeof import("@pulumi/pulumi/proto/engine_grpc_pb");
    client = new Client(addr, grpc.credentials.createInsecure());
    clientAddress = addr;
    return client;
  };

  return {
    log(severity, message, urn, ephemeral = false) {
      const c = connect();
      if (!c) return;
      pb ??= require("@pulumi/pulumi/proto/engine_pb") as EnginePbModule;
      const req = new pb.LogRequest();
      req.setSeverity(pb.LogSeverity[severity.toUpperCase() as Uppercase<Severity>]);
      req.setMessage(message);
      if (urn) req.setUrn(urn);
      req.setEphemeral(ephemeral);
      const p = new Promise<void>((resolve) => {
        // A lost log line must never fail an operation; the engine may already be gone.
        c.log(req, () => resolve());
      });
      pending.add(p);
      void p.then(() => pending.delete(p));
    },
    async flush() {
      await Promise.all([...pending]);
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}
