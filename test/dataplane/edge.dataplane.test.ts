// The rest of what an HTTPProxy and its policies render, through real Envoy: the HTTPS listener's
// certificate (issued by the real cert-manager from pebble), HTTPRouteFilter direct responses,
// SecurityPolicy (basic auth, CORS preflight), BackendTrafficPolicy (local rate limit → 429,
// request timeout → 504), WebSocket upgrades and server-sent events. Each test's first request
// follows `create` directly: create returns only when the edge serves.
import { createHash } from "node:crypto";
import { connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { kube } from "../infra/kube.ts";
import { startBackend, type Backend } from "./backends.ts";
import { edgeRequest, edgeWebSocketEcho, servedChain, startHarness, untilEffect, ZONE, type Harness } from "./harness.ts";

const PROXY = "datum:networking:HTTPProxy";
let h: Harness;
let web: Backend;

beforeAll(async () => {
  h = await startHarness();
  web = await startBackend(h.dp, "web");
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await h?.stop();
});

async function proxy(ns: string, name: string, rules: unknown[]): Promise<{ host: string; out: Record<string, unknown> }> {
  const host = `${name}.${ZONE}`;
  const out = await h.up(PROXY, { metadata: { name, namespace: ns }, spec: { hostnames: [host], rules } }, name);
  expect(out["ready"]).toBe(true);
  return { host, out };
}

describe("the edge, through real Envoy", () => {
  test("HTTPS listeners serve the certificate cert-manager obtained from pebble", async () => {
    const ns = await h.cp.newNamespace("tls");
    const { host, out } = await proxy(ns, "secure", [{ backends: [{ endpoint: web.url }] }]);
    const root = await h.pebble.rootCert();
    const custom = await servedChain(h.dp.address, host, root);
    expect(custom.error).toBeUndefined();
    expect(custom.authorized).toBe(true);
    expect(custom.leaf.subjectAltName).toContain(`DNS:${host}`);
    const canonical = String(out["canonicalHostname"]);
    expect((await servedChain(h.dp.address, canonical, root)).leaf.subjectAltName).toContain(`DNS:${canonical}`);

    // And a request over TLS reaches the backend.
    const body = await new Promise<string>((resolve, reject) => {
      const s = tlsConnect({ host: h.dp.address, port: 443, servername: host, ca: root }, () => {
        s.write(`GET /tls HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      });
      let data = "";
      s.on("data", (c: Buffer) => (data += c.toString("utf8")));
      s.on("end", () => resolve(data));
      s.on("error", reject);
    });
    expect(body).toMatch(/^HTTP\/1\.1 200/);
    expect(body).toContain(`"x-forwarded-proto":"https"`);
  });

  test("an HTTPRouteFilter direct response answers without a backend", async () => {
    const ns = await h.cp.newNamespace("drf");
    const filter = h.lifecycle("datum:policy:HTTPRouteFilter");
    const fin = await filter.check(
      undefined,
      { metadata: { name: "teapot", namespace: ns }, spec: { directResponse: { statusCode: 418, contentType: "text/plain", body: { type: "Inline", inline: "short and stout" } } } },
      { urnName: "teapot" },
    );
    expect(fin.failures).toEqual([]);
    await filter.create(fin.inputs, { preview: false });
    const { host } = await proxy(ns, "teapot", [
      {
        matches: [{ path: { type: "PathPrefix", value: "/tea" } }],
        filters: [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: "teapot" } }],
        // NSO requires a backend on every rule without a redirect; the direct response answers first.
        backends: [{ endpoint: web.url }],
      },
      { backends: [{ endpoint: web.url }] },
    ]);
    const r = await edgeRequest(h.dp.address, host, "/tea/pot");
    expect(r.status).toBe(418);
    expect(r.body).toBe("short and stout");
    expect((await edgeRequest(h.dp.address, host, "/coffee")).json()).toMatchObject({ backend: "web" });
  });

  test("SecurityPolicy: basic auth and a CORS preflight", async () => {
    const ns = await h.cp.newNamespace("sec");
    const { host } = await proxy(ns, "guarded", [{ backends: [{ endpoint: web.url }] }]);
    // htpasswd SHA entry (what Envoy's basic auth accepts): {SHA}base64(sha1(password)).
    const htpasswd = `alice:{SHA}${createHash("sha1").update("wonderland").digest("base64")}\n`;
    await kube(h.cp.kc).create({ apiVersion: "v1", kind: "Secret", metadata: { name: "users", namespace: ns }, stringData: { ".htpasswd": htpasswd } });
    const sp = h.lifecycle("datum:policy:SecurityPolicy");
    const checked = await sp.check(
      undefined,
      {
        metadata: { name: "guard", namespace: ns },
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "guarded" }],
          basicAuth: { users: { name: "users" } },
          cors: { allowOrigins: ["https://app.example.com"], allowMethods: ["GET", "POST"], allowHeaders: ["authorization"], maxAge: "10m" },
        },
      },
      { urnName: "guard" },
    );
    expect(checked.failures).toEqual([]);
    const created = await sp.create(checked.inputs, { preview: false });
    expect(created.outputs["ready"]).toBe(true);

    await untilEffect(() => edgeRequest(h.dp.address, host, "/private"), (r) => r.status === 401);
    const basic = `Basic ${Buffer.from("alice:wonderland").toString("base64")}`;
    expect((await edgeRequest(h.dp.address, host, "/private", { headers: { authorization: basic } })).json()).toMatchObject({ backend: "web" });
    const wrong = `Basic ${Buffer.from("alice:looking-glass").toString("base64")}`;
    expect((await edgeRequest(h.dp.address, host, "/private", { headers: { authorization: wrong } })).status).toBe(401);

    const preflight = await edgeRequest(h.dp.address, host, "/private", {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(200);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(String(preflight.headers["access-control-allow-methods"])).toContain("POST");
  });

  test("BackendTrafficPolicy: local rate limit answers 429, request timeout answers 504", async () => {
    const ns = await h.cp.newNamespace("btp");
    const { host } = await proxy(ns, "limited", [{ backends: [{ endpoint: web.url }] }]);
    const btp = h.lifecycle("datum:policy:BackendTrafficPolicy");
    const checked = await btp.check(
      undefined,
      {
        metadata: { name: "limits", namespace: ns },
        spec: {
          targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "limited" }],
          rateLimit: { local: { rules: [{ limit: { requests: 5, unit: "Hour" } }] } },
          timeout: { http: { requestTimeout: "1s" } },
        },
      },
      { urnName: "limits" },
    );
    expect(checked.failures).toEqual([]);
    expect((await btp.create(checked.inputs, { preview: false })).outputs["ready"]).toBe(true);

    // A request slower than the 1 s request timeout gets Envoy's 504.
    const slow = await untilEffect(() => edgeRequest(h.dp.address, host, "/delay?ms=1500"), (r) => r.status === 504);
    expect(slow.response.body).toContain("upstream request timeout");
    // 5 requests an hour: the 6th request at the latest is refused, and the next ones too.
    const limited = await untilEffect(() => edgeRequest(h.dp.address, host, "/fast"), (r) => r.status === 429, 10);
    expect(limited.attempts).toBeLessThanOrEqual(6);
    expect((await edgeRequest(h.dp.address, host, "/again")).status).toBe(429);
  });

  test("WebSocket upgrades and server-sent events stream through", async () => {
    const ns = await h.cp.newNamespace("stream");
    const { host } = await proxy(ns, "stream", [{ backends: [{ endpoint: web.url }] }]);

    const echoed = await edgeWebSocketEcho(h.dp.address, host, "/ws", "hello");
    expect(echoed).toBe("web: hello");

    const sse = await edgeRequest(h.dp.address, host, "/sse?events=3&intervalMs=200");
    expect(sse.status).toBe(200);
    expect(sse.headers["content-type"]).toBe("text/event-stream");
    expect(sse.body).toBe("data: web 0\n\ndata: web 1\n\ndata: web 2\n\n");
  });
});
