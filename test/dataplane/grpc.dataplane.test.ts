// GRPCProxy through real Envoy (configured by the real Envoy Gateway from the GRPCRoute the
// provider renders): unary and server-streaming calls with @grpc/grpc-js to gRPC servers inside
// the data plane's network namespace, routed by service and method, header modifiers applied,
// gRPC status codes preserved end to end, h2c and TLS (grpcs://, BackendTLSPolicy) backends, and
// the HTTPS listener with its ACME certificate. `up` returns once Envoy routes the proxy's first
// rule (httpProbe sends it a gRPC request), so the first call must already succeed.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { ClusterDns } from "../infra/dataplane/cluster-dns.ts";
import { createCA, type TestCA } from "../infra/tls.ts";
import { startBackend, type Backend } from "./backends.ts";
import { startHarness, ZONE, type Harness } from "./harness.ts";

const PROXY = "datum:networking:GRPCProxy";

interface Reply {
  message: string;
  server: string;
  metadata: string;
  index: number;
}
type Unary = (req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, r: Reply) => void) => grpc.ClientUnaryCall;
type Client = grpc.Client & Record<string, Unary> & { Count(req: object, md?: grpc.Metadata): grpc.ClientReadableStream<Reply> };

const definition = protoLoader.loadSync(join(__dirname, "greeter.proto"), { keepCase: true, defaults: true });
const proto = grpc.loadPackageDefinition(definition) as unknown as { datum: { test: { Greeter: grpc.ServiceClientConstructor; Billing: grpc.ServiceClientConstructor } } };

let h: Harness;
let dir: string;
let root: TestCA;
let dns: ClusterDns;
const started: Backend[] = [];
const clients: grpc.Client[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pulumi-datum-dp-grpc-"));
  mkdirSync(join(dir, "root"));
  root = createCA(join(dir, "root"), "datum-test-grpc-root");
  h = await startHarness({ extensions: { grpcProxy: true } }, { clusterDns: true, trustedCa: readFileSync(root.cert, "utf8") });
  if (!h.dp.dns) throw new Error("the data plane has no DNS");
  dns = h.dp.dns;
}, 240_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const b of started) await b.stop();
  await h?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function backend(name: string, opts: Parameters<typeof startBackend>[2] = {}): Promise<Backend> {
  const b = await startBackend(h.dp, name, { grpc: true, ...opts });
  started.push(b);
  return b;
}

/** A client of `service` that reaches the Gateway (cleartext h2c on 80, or TLS on 443) with `host` as authority. */
function client(service: "Greeter" | "Billing", host: string, tls?: { ca: string }): Client {
  const options = { "grpc.default_authority": host, ...(tls && { "grpc.ssl_target_name_override": host }) };
  const credentials = tls ? grpc.credentials.createSsl(Buffer.from(tls.ca)) : grpc.credentials.createInsecure();
  const c = new proto.datum.test[service](`${h.dp.address}:${tls ? 443 : 80}`, credentials, options) as unknown as Client;
  clients.push(c);
  return c;
}

function unary(c: Client, method: string, name: string, md = new grpc.Metadata()): Promise<{ reply: Reply; headers: grpc.Metadata }> {
  return new Promise((resolve, reject) => {
    let headers = new grpc.Metadata();
    const call = (c[method] as Unary).call(c, { name }, md, (err, reply) => (err ? reject(err) : resolve({ reply, headers })));
    call.on("metadata", (m: grpc.Metadata) => (headers = m));
  });
}

function failure(c: Client, method: string, name: string): Promise<grpc.ServiceError> {
  return unary(c, method, name).then(
    (r) => {
      throw new Error(`expected a failure, got ${JSON.stringify(r.reply)}`);
    },
    (e: grpc.ServiceError) => e,
  );
}

function count(c: Client, n: number): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const out: Reply[] = [];
    const call = c.Count({ n });
    call.on("data", (r: Reply) => out.push(r));
    call.on("error", reject);
    call.on("end", () => resolve(out));
  });
}

describe("GRPCProxy through real Envoy Gateway and Envoy", () => {
  test("routed by service and method (exact and regular expression), unary and server streaming, header modifiers, NOT_FOUND preserved", async () => {
    const greeter = await backend("greeter");
    const streams = await backend("streams");
    const billing = await backend("billing");
    const ns = await h.cp.newNamespace("grpc");
    const host = `routing.grpc.${ZONE}`;
    const out = await h.up(
      PROXY,
      {
        metadata: { name: "routing", namespace: ns },
        spec: {
          hostnames: [host],
          rules: [
            { name: "count", matches: [{ method: { service: "datum.test.Greeter", method: "Count" } }], backends: [{ endpoint: streams.url }] },
            { name: "billing", matches: [{ method: { type: "RegularExpression", service: "datum\\.test\\.Bill.*" } }], backends: [{ endpoint: billing.url }] },
            {
              name: "greeter",
              matches: [{ method: { service: "datum.test.Greeter" } }],
              filters: [
                { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "x-edge", value: "datum" }], remove: ["x-drop"] } },
                { type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "x-served-by", value: "edge" }] } },
              ],
              backends: [{ endpoint: greeter.url }],
            },
          ],
        },
      },
      "routing",
    );
    expect(out["ready"]).toBe(true);
    expect(out["hostnames"]).toEqual([out["canonicalHostname"], host]);
    expect(out["downstream"]).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "GRPCRoute", name: "routing" })]));

    const greeterClient = client("Greeter", host);
    const md = new grpc.Metadata();
    md.set("x-drop", "secret");
    md.set("x-client", "test");
    const hello = await unary(greeterClient, "SayHello", "edge", md);
    expect(hello.reply.server).toBe("greeter");
    expect(hello.reply.message).toBe("hello edge");
    const seen = JSON.parse(hello.reply.metadata) as Record<string, string>;
    expect(seen["x-edge"]).toBe("datum");
    expect(seen["x-client"]).toBe("test");
    expect(seen["x-drop"]).toBeUndefined();
    expect(hello.headers.get("x-served-by")).toEqual(["edge"]);

    // Server streaming, on its own backend by exact service + method.
    const replies = await count(greeterClient, 25);
    expect(replies.map((r) => r.index)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(new Set(replies.map((r) => r.server))).toEqual(new Set(["streams"]));

    // A gRPC error status travels back unchanged (code and message), not as an HTTP error.
    const notFound = await failure(greeterClient, "Find", "the-answer");
    expect(notFound.code).toBe(grpc.status.NOT_FOUND);
    expect(notFound.details).toBe("no such thing: the-answer (asked greeter)");

    // Another service, by regular expression.
    const charged = await unary(client("Billing", host), "Charge", "invoice-7");
    expect(charged.reply).toMatchObject({ server: "billing", message: "charged invoice-7" });
    expect(charged.headers.get("x-served-by")).toEqual([]);

    // The canonical hostname serves the same routes.
    expect((await unary(client("Greeter", String(out["canonicalHostname"])), "SayHello", "canonical")).reply.server).toBe("greeter");
  });

  test("a method no rule matches is UNIMPLEMENTED from Envoy, not a backend's answer", async () => {
    const only = await backend("only");
    const ns = await h.cp.newNamespace("grpc");
    const host = `narrow.grpc.${ZONE}`;
    await h.up(PROXY, { metadata: { name: "narrow", namespace: ns }, spec: { hostnames: [host], rules: [{ matches: [{ method: { service: "datum.test.Greeter", method: "SayHello" } }], backends: [{ endpoint: only.url }] }] } }, "narrow");
    const c = client("Greeter", host);
    expect((await unary(c, "SayHello", "x")).reply.server).toBe("only");
    const unrouted = await failure(c, "Find", "x");
    // Envoy answers a request without a route with HTTP 404, which gRPC clients map to UNIMPLEMENTED.
    expect(unrouted.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  test("grpcs:// backend: TLS verified against the endpoint's name (BackendTLSPolicy); the HTTPS listener serves gRPC with its ACME certificate", async () => {
    const name = `secure-grpc.${dns.zone}`;
    const hostname = await dns.publish("secure-grpc", h.dp.address);
    const leaf = root.issue("secure-grpc", { cn: name, dnsNames: [name] });
    const secure = await backend("secure-grpc", { tls: { certFile: leaf.cert, keyFile: leaf.key }, hostname });
    expect(secure.url).toMatch(/^grpcs:\/\//);
    const ns = await h.cp.newNamespace("grpc");
    const host = `tls.grpc.${ZONE}`;
    const out = await h.up(PROXY, { metadata: { name: "tls", namespace: ns }, spec: { hostnames: [host], rules: [{ backends: [{ endpoint: secure.url }] }] } }, "tls");
    expect(out["downstream"]).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "BackendTLSPolicy" })]));
    expect((await unary(client("Greeter", host), "SayHello", "over-tls")).reply).toMatchObject({ server: "secure-grpc", message: "hello over-tls" });
    // Client → Envoy over TLS too: the listener's certificate comes from the ACME CA (pebble).
    const acmeRoot = await h.pebble.rootCert();
    const viaTls = await unary(client("Greeter", host, { ca: acmeRoot }), "SayHello", "tls-both-ways");
    expect(viaTls.reply.server).toBe("secure-grpc");

    // The same trusted root, but a certificate for another name: Envoy refuses the backend.
    const wrongName = await dns.publish("wrong-grpc", h.dp.address);
    const other = root.issue("wrong-grpc", { cn: `someone-else.${dns.zone}`, dnsNames: [`someone-else.${dns.zone}`] });
    const mismatch = await backend("wrong-grpc", { tls: { certFile: other.cert, keyFile: other.key }, hostname: wrongName });
    const badHost = `mismatch.grpc.${ZONE}`;
    await h.up(PROXY, { metadata: { name: "mismatch", namespace: ns }, spec: { hostnames: [badHost], rules: [{ backends: [{ endpoint: mismatch.url }] }] } }, "mismatch");
    const refused = await failure(client("Greeter", badHost), "SayHello", "x");
    expect(refused.code).toBe(grpc.status.UNAVAILABLE);
  });
});
