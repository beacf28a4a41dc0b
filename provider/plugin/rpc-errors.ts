/**
 * Errors as the engine expects them over gRPC. A resource that exists but is not ready travels
 * as `ErrorResourceInitFailed` in the status details: the engine then records its id and state
 * (so the next `up` updates it instead of creating a duplicate) and still fails the step.
 */
import * as grpc from "@grpc/grpc-js";
import type * as StructPb from "google-protobuf/google/protobuf/struct_pb";

export interface RpcError {
  code: grpc.status;
  details: string;
  metadata?: grpc.Metadata;
}

export function rpcError(code: grpc.status, message: string): RpcError {
  return { code, details: message };
}

export function initFailedError(
  message: string,
  detail: { id: string; properties: StructPb.Struct; inputs?: StructPb.Struct; reasons: string[] },
): RpcError {
  const anyPb = require("google-protobuf/google/protobuf/any_pb") as typeof import("google-protobuf/google/protobuf/any_pb");
  const providerPb = require("@pulumi/pulumi/proto/provider_pb") as typeof import("@pulumi/pulumi/proto/provider_pb");
  const statusPb = require("@pulumi/pulumi/proto/status_pb") as StatusModule;

  const failed = new providerPb.ErrorResourceInitFailed();
  failed.setId(detail.id);
  failed.setProperties(detail.properties);
  if (detail.inputs) failed.setInputs(detail.inputs);
  failed.setReasonsList(detail.reasons);
  const packed = new anyPb.Any();
  packed.pack(failed.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");

  const status = new statusPb.Status();
  status.setCode(grpc.status.UNKNOWN);
  status.setMessage(message);
  status.addDetails(packed);
  const metadata = new grpc.Metadata();
  // grpc-js has no API for rich status details; this trailer is where Go's status.FromError reads them.
  metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
  return { code: grpc.status.UNKNOWN, details: message, metadata };
}

/** status_pb ships without a declaration file. */
interface StatusModule {
  Status: new () => {
    setCode(c: number): void;
    setMessage(m: string): void;
    addDetails(a: unknown): void;
    serializeBinary(): Uint8Array;
  };
}
