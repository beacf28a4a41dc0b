// A gRPC test backend (greeter.proto), run inside the data-plane network namespace like echo-server.ts.
// Cleartext (h2c) by default; TLS with --tls-cert/--tls-key. Every reply names the server and
// carries the request metadata it received, so a test sees where Envoy routed the call and what
// it forwarded.
// Usage: node grpc-server.ts --name NAME --port PORT [--tls-cert FILE --tls-key FILE]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const { values } = parseArgs({ options: { name: { type: "string" }, port: { type: "string" }, "tls-cert": { type: "string" }, "tls-key": { type: "string" } } });
const name = values.name ?? "grpc";
const MAX_REPLIES = 1_000;

const definition = protoLoader.loadSync(join(dirname(process.argv[1] ?? "."), "greeter.proto"), { keepCase: true, defaults: true });
const proto = grpc.loadPackageDefinition(definition) as unknown as { datum: { test: { Greeter: grpc.ServiceClientConstructor; Billing: grpc.ServiceClientConstructor } } };

interface HelloRequest {
  name: string;
}

function reply(call: grpc.ServerUnaryCall<HelloRequest, unknown> | grpc.ServerWritableStream<{ n: number }, unknown>, message: string, index = 0) {
  return { message, server: name, metadata: JSON.stringify(call.metadata.getMap()), index };
}

const server = new grpc.Server();
server.addService(proto.datum.test.Greeter.service, {
  SayHello: (call: grpc.ServerUnaryCall<HelloRequest, unknown>, done: grpc.sendUnaryData<unknown>) => done(null, reply(call, `hello ${call.request.name}`)),
  Count: (call: grpc.ServerWritableStream<{ n: number }, unknown>) => {
    const n = Math.min(call.request.n, MAX_REPLIES);
    for (let i = 0; i < n; i++) call.write(reply(call, `count ${i}`, i));
    call.end();
  },
  Find: (call: grpc.ServerUnaryCall<HelloRequest, unknown>, done: grpc.sendUnaryData<unknown>) =>
    done({ code: grpc.status.NOT_FOUND, details: `no such thing: ${call.request.name} (asked ${name})` }),
});
server.addService(proto.datum.test.Billing.service, {
  Charge: (call: grpc.ServerUnaryCall<HelloRequest, unknown>, done: grpc.sendUnaryData<unknown>) => done(null, reply(call, `charged ${call.request.name}`)),
});

const credentials =
  values["tls-cert"] && values["tls-key"]
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: readFileSync(values["tls-cert"]), private_key: readFileSync(values["tls-key"]) }])
    : grpc.ServerCredentials.createInsecure();
// Inside its own network namespace: every address there is the test's.
server.bindAsync(`0.0.0.0:${values.port}`, credentials, (err, port) => {
  if (err) {
    console.error(`${name}: ${err.message}`);
    process.exit(1);
  }
  console.log(`${name} listening on ${port}`);
});
for (const sig of ["SIGTERM", "SIGINT"] as const) process.on(sig, () => server.tryShutdown(() => process.exit(0)));
