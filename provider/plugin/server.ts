/**
 * The plugin's gRPC server. Pulumi's handshake: listen on a free loopback port, print the port
 * on stdout, serve until the engine kills the process.
 */
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderService } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { DatumProviderService, type PluginOptions } from "./service";

export interface RunningPlugin {
  port: number;
  service: DatumProviderService;
  stop(): Promise<void>;
}

/** Pulumi's own limit: state of large stacks easily exceeds gRPC's default 4 MiB. */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;

export async function startPlugin(opts: PluginOptions, host = "127.0.0.1"): Promise<RunningPlugin> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  });
  const service = new DatumProviderService(opts);
  server.addService(ResourceProviderService, service.handlers());
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return {
    port,
    service,
    stop: () =>
      new Promise<void>((resolve) => {
        void service.close().finally(() => server.tryShutdown(() => resolve()));
      }),
  };
}
