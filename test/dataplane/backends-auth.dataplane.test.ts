// More of what an HTTPProxy and its policies render, through real Envoy (configured by the real
// Envoy Gateway v1.8.1): query-parameter and method matches, redirects with every part, URL
// rewrites of host and full path, HTTPS backends (the rendered BackendTLSPolicy trusts the system
// store: the Envoy "image" here trusts one private root besides the machine's), JWT (local and
// remote JWKS) and API-key SecurityPolicies, and what the real controller says — and the
// provider's readiness makes of it — for a backend it cannot resolve (the WAF's EnvoyPatchPolicy:
// patch-policy.dataplane.test.ts). Backends are published by name in the data plane's DNS
// (test/infra/dataplane/cluster-dns.ts).
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_OBSERVE_CONTEXT, observerFor } from "../../provider/await/index.ts";
import type { ClusterDns } from "../infra/dataplane/cluster-dns.ts";
import { kube } from "../infra/kube.ts";
import { waitFor } from "../infra/procs.ts";
import { createCA, type TestCA } from "../infra/tls.ts";
import { startBackend, type Backend } from "./backends.ts";
import { edgeRequest, startHarness, untilEffect, ZONE, type Harness } from "./harness.ts";

const PROXY = "datum:networking:HTTPProxy";
let h: Harness;
let dns: ClusterDns;
let dir: string;
let root: TestCA;
let rogue: TestCA;
let web: Backend;
let api: Backend;
const started: Backend[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pulumi-datum-dp-backends-"));
  mkdirSync(join(dir, "root"));
  mkdirSync(join(dir, "rogue"));
  root = createCA(join(dir, "root"), "datum-test-backend-root");
  rogue = createCA(join(dir, "rogue"), "an-untrusted-root");
  h = await startHarness({}, { clusterDns: true, trustedCa: readFileSync(root.cert, "utf8") });
  if (!h.dp.dns) throw new Error("the data plane has no DNS");
  dns = h.dp.dns;
  web = await backend("web");
  api = await backend("api");
}, 240_000);

afterAll(async () => {
  for (const b of started) await b.stop();
  await h?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function backend(name: string, opts: Parameters<typeof startBackend>[2] = {}): Promise<Backend> {
  const b = await startBackend(h.dp, name, opts);
  started.push(b);
  return b;
}

/** A backend serving TLS under `label.<zone>` with a certificate for `certName` from `ca`. */
async function tlsBackend(label: string, ca: TestCA, certName: string, files?: Record<string, string>): Promise<Backend> {
  const hostname = await dns.publish(label, h.dp.address);
  const leaf = ca.issue(label, { cn: certName, dnsNames: [certName] });
  return backend(label, { tls: { certFile: leaf.cert, keyFile: leaf.key }, hostname, ...(files && { files }) });
}

async function proxy(ns: string, name: string, rules: unknown[]): Promise<string> {
  const host = `${name}.${ZONE}`;
  const out = await h.up(PROXY, { metadata: { name, namespace: ns }, spec: { hostnames: [host], rules } }, name);
  expect(out["ready"]).toBe(true);
  return host;
}

async function createPolicy(token: string, ns: string, name: string, spec: Record<string, unknown>): Promise<Record<string, unknown>> {
  const l = h.lifecycle(token);
  const checked = await l.check(undefined, { metadata: { name, namespace: ns }, spec }, { urnName: name });
  expect(checked.failures).toEqual([]);
  return (await l.create(checked.inputs, { preview: false })).outputs;
}

type Echo = { backend: string; method: string; path: string; query: Record<string, string>; headers: Record<string, string> };

describe("matches, redirects and rewrites through real Envoy", () => {
  test("query-parameter and method matches; a redirect with scheme, host, port, path and status; URL rewrite of host and full path", async () => {
    const ns = await h.cp.newNamespace("match");
    const host = await proxy(ns, "matching", [
      { name: "query", matches: [{ path: { type: "PathPrefix", value: "/q" }, queryParams: [{ type: "Exact", name: "v", value: "2" }] }], backends: [{ endpoint: api.url }] },
      { name: "method", matches: [{ path: { type: "PathPrefix", value: "/m" }, method: "POST" }], backends: [{ endpoint: api.url }] },
      {
        name: "moved",
        matches: [{ path: { type: "PathPrefix", value: "/moved" } }],
        filters: [
          {
            type: "RequestRedirect",
            requestRedirect: { scheme: "https", hostname: "elsewhere.dp.example", port: 8443, path: { type: "ReplaceFullPath", replaceFullPath: "/landing" }, statusCode: 302 },
          },
        ],
      },
      {
        name: "legacy",
        matches: [{ path: { type: "PathPrefix", value: "/legacy" } }],
        filters: [{ type: "URLRewrite", urlRewrite: { hostname: "internal.web.example", path: { type: "ReplaceFullPath", replaceFullPath: "/v2/entry" } } }],
        backends: [{ endpoint: web.url }],
      },
      { name: "default", backends: [{ endpoint: web.url }] },
    ]);
    const addr = h.dp.address;
    const first = await edgeRequest(addr, host, "/q/items?v=2&other=x");
    expect(first.status).toBe(200);
    expect(first.json<Echo>()).toMatchObject({ backend: "api", query: { v: "2", other: "x" } });
    expect((await edgeRequest(addr, host, "/q/items?v=1")).json<Echo>().backend).toBe("web");
    expect((await edgeRequest(addr, host, "/q/items")).json<Echo>().backend).toBe("web");

    expect((await edgeRequest(addr, host, "/m", { method: "POST", body: "x" })).json<Echo>()).toMatchObject({ backend: "api", method: "POST", body: "x" });
    expect((await edgeRequest(addr, host, "/m")).json<Echo>()).toMatchObject({ backend: "web", method: "GET" });

    const moved = await edgeRequest(addr, host, "/moved/deep/page?keep=1");
    expect(moved.status).toBe(302);
    expect(moved.headers["location"]).toBe("https://elsewhere.dp.example:8443/landing?keep=1");

    const rewritten = (await edgeRequest(addr, host, "/legacy/some/thing?a=b")).json<Echo>();
    expect(rewritten).toMatchObject({ backend: "web", path: "/v2/entry", query: { a: "b" } });
    expect(rewritten.headers["host"]).toBe("internal.web.example");
  });
});

describe("HTTPS and named backends through real Envoy", () => {
  test("a backend by name gets its own Host; a TLS backend whose certificate names it is reached; a wrong name or an untrusted root fails", async () => {
    const ns = await h.cp.newNamespace("tlsbe");
    const plainName = await dns.publish("plain", h.dp.address);
    const plain = await backend("plain", { hostname: plainName });
    const secure = await tlsBackend("secure", root, `secure.${dns.zone}`);
    // Reached as mismatch.<zone>, its certificate names someone else.
    const mismatch = await tlsBackend("mismatch", root, `someone-else.${dns.zone}`);
    const untrusted = await tlsBackend("untrusted", rogue, `untrusted.${dns.zone}`);
    const host = await proxy(ns, "tls-backends", [
      { name: "secure", matches: [{ path: { type: "PathPrefix", value: "/secure" } }], backends: [{ endpoint: secure.url }] },
      { name: "mismatch", matches: [{ path: { type: "PathPrefix", value: "/mismatch" } }], backends: [{ endpoint: mismatch.url }] },
      { name: "untrusted", matches: [{ path: { type: "PathPrefix", value: "/untrusted" } }], backends: [{ endpoint: untrusted.url }] },
      { name: "plain", backends: [{ endpoint: plain.url }] },
    ]);
    const addr = h.dp.address;
    const ok = await edgeRequest(addr, host, "/secure/data");
    expect(ok.status).toBe(200);
    // The backend's own name is the Host it receives (the rendered URLRewrite) and the TLS name checked.
    expect(ok.json<Echo>()).toMatchObject({ backend: "secure", path: "/secure/data", headers: { host: `secure.${dns.zone}` } });
    expect((await edgeRequest(addr, host, "/other")).json<Echo>()).toMatchObject({ backend: "plain", headers: { host: plainName } });

    // What the provider rendered for the HTTPS backends: BackendTLSPolicies trusting the system store.
    const k = kube(h.cp.kc);
    const policies = ((await k.list("gateway.networking.k8s.io/v1", "BackendTLSPolicy", ns)) as unknown as { spec: { validation: Record<string, unknown> } }[]).map((p) => p.spec.validation);
    expect(policies).toEqual(
      expect.arrayContaining([
        { wellKnownCACertificates: "System", hostname: `secure.${dns.zone}` },
        { wellKnownCACertificates: "System", hostname: `mismatch.${dns.zone}` },
      ]),
    );

    // Envoy refuses the handshake and answers 503 itself (its body does not say why; the same
    // root and the same server pass above, so the certificate check is what fails): nothing
    // reaches the backend.
    for (const path of ["/mismatch", "/untrusted"]) {
      const r = await edgeRequest(addr, host, path);
      expect(r.status, path).toBe(503);
      expect(r.body, path).toBe("upstream connect error or disconnect/reset before headers. reset reason: remote connection failure");
      expect(r.headers["x-backend"], path).toBeUndefined();
    }
  });
});

const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");

function jwt(key: KeyObject, kid: string, claims: Record<string, unknown>): string {
  const head = `${b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }))}.${b64url(JSON.stringify(claims))}`;
  return `${head}.${b64url(createSign("RSA-SHA256").update(head).sign(key))}`;
}

describe("SecurityPolicy through real Envoy", () => {
  const ISSUER = "https://issuer.dp.example";
  const signer = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwks = JSON.stringify({ keys: [{ ...signer.publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" }] });
  const now = (): number => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ iss: ISSUER, aud: "edge", sub: "alice", exp: now() + 600, ...extra });
  const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

  async function jwtCases(host: string): Promise<void> {
    const addr = h.dp.address;
    const missing = await untilEffect(() => edgeRequest(addr, host, "/private"), (r) => r.status === 401);
    expect(missing.response.headers["www-authenticate"]).toMatch(/^Bearer/);
    const ok = await edgeRequest(addr, host, "/private", { headers: bearer(jwt(signer.privateKey, "k1", claims())) });
    expect(ok.status).toBe(200);
    // claimToHeaders: the backend sees the verified subject. (Envoy allows 60 s of clock skew on exp.)
    expect(ok.json<Echo>().headers["x-jwt-sub"]).toBe("alice");
    expect((await edgeRequest(addr, host, "/private", { headers: bearer(jwt(stranger.privateKey, "k1", claims())) })).status).toBe(401);
    expect((await edgeRequest(addr, host, "/private", { headers: bearer(jwt(signer.privateKey, "k1", claims({ exp: now() - 3600 }))) })).status).toBe(401);
    expect((await edgeRequest(addr, host, "/private", { headers: bearer("not.a.jwt") })).status).toBe(401);
    const audience = await edgeRequest(addr, host, "/private", { headers: bearer(jwt(signer.privateKey, "k1", claims({ aud: "someone-else" }))) });
    expect(audience.status).toBe(403);
    expect(audience.body).toBe("Audiences in Jwt are not allowed");
  }

  const provider = (jwksSource: Record<string, unknown>): Record<string, unknown> => ({
    name: "issuer",
    issuer: ISSUER,
    audiences: ["edge"],
    ...jwksSource,
    claimToHeaders: [{ claim: "sub", header: "x-jwt-sub" }],
  });

  test("JWT with an inline local JWKS: a valid token passes; none, a forged, an expired or a malformed one gets 401; another audience 403", async () => {
    const ns = await h.cp.newNamespace("jwtl");
    const host = await proxy(ns, "jwt-local", [{ backends: [{ endpoint: web.url }] }]);
    const out = await createPolicy("datum:policy:SecurityPolicy", ns, "jwt-local", {
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "jwt-local" }],
      jwt: { providers: [provider({ localJWKS: { type: "Inline", inline: jwks } })] },
    });
    expect(out["ready"]).toBe(true);
    await jwtCases(host);
  });

  test("JWT with a remote JWKS that Envoy fetches over HTTPS from a named server in the data plane's network", async () => {
    const ns = await h.cp.newNamespace("jwtr");
    const file = join(dir, "jwks.json");
    writeFileSync(file, jwks);
    const server = await tlsBackend("jwks", root, `jwks.${dns.zone}`, { "/.well-known/jwks.json": file });
    const host = await proxy(ns, "jwt-remote", [{ backends: [{ endpoint: web.url }] }]);
    const out = await createPolicy("datum:policy:SecurityPolicy", ns, "jwt-remote", {
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "jwt-remote" }],
      jwt: { providers: [provider({ remoteJWKS: { uri: `${server.url}/.well-known/jwks.json` } })] },
    });
    expect(out["ready"]).toBe(true);
    await jwtCases(host);
  });

  test("API key: a valid key passes and names its client; a missing or wrong key gets 401; the key stays in its Secret", async () => {
    const ns = await h.cp.newNamespace("apikey");
    const host = await proxy(ns, "keyed", [{ backends: [{ endpoint: web.url }] }]);
    const key = randomBytes(24).toString("hex");
    await kube(h.cp.kc).create({ apiVersion: "v1", kind: "Secret", metadata: { name: "clients", namespace: ns }, stringData: { "client-a": key } });
    const out = await createPolicy("datum:policy:SecurityPolicy", ns, "keyed", {
      targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "keyed" }],
      apiKeyAuth: { credentialRefs: [{ name: "clients" }], extractFrom: [{ headers: ["x-api-key"] }], forwardClientIDHeader: "x-client-id" },
    });
    expect(out["ready"]).toBe(true);
    const addr = h.dp.address;
    await untilEffect(() => edgeRequest(addr, host, "/data"), (r) => r.status === 401);
    const ok = await edgeRequest(addr, host, "/data", { headers: { "x-api-key": key } });
    expect(ok.status).toBe(200);
    expect(ok.json<Echo>().headers["x-client-id"]).toBe("client-a");
    expect((await edgeRequest(addr, host, "/data", { headers: { "x-api-key": `${key}x` } })).status).toBe(401);
    // The policy refers to the Secret; the key is in no output and in no object the provider wrote.
    expect(JSON.stringify(out)).not.toContain(key);
    const live = await kube(h.cp.kc).get("gateway.envoyproxy.io/v1alpha1", "SecurityPolicy", ns, "keyed");
    expect(JSON.stringify(live)).not.toContain(key);
  });
});

describe("readiness against the real controller", () => {
  test("a backend the controller cannot resolve: an instance EndpointSlice fails at once (InvalidKind); a Service gone afterwards is BackendNotFound, which readiness keeps pending", async () => {
    const ns = await h.cp.newNamespace("unres");
    const l = h.lifecycle(PROXY);
    const checked = await l.check(undefined, { metadata: { name: "vm", namespace: ns }, spec: { hostnames: [`vm.${ZONE}`], rules: [{ backends: [{ instance: { name: "vm-1", port: 8080 } }] }] } }, { urnName: "vm" });
    expect(checked.failures).toEqual([]);
    const t0 = Date.now();
    // The harness's readiness timeout is 120 s; failing fast is the only way to pass inside the test's 60 s.
    await expect(l.create(checked.inputs, { preview: false })).rejects.toThrow(/ResolvedRefs.*InvalidKind.*Group is invalid/s);
    expect(Date.now() - t0).toBeLessThan(60_000);

    // BackendNotFound for real: the Service a proxy routes to disappears behind the provider's back.
    const host = await proxy(ns, "gone", [{ backends: [{ endpoint: web.url }] }]);
    expect((await edgeRequest(h.dp.address, host, "/")).status).toBe(200);
    const k = kube(h.cp.kc);
    const route = (await k.get("gateway.networking.k8s.io/v1", "HTTPRoute", ns, "gone")) as unknown as { spec: { rules: { backendRefs: { name: string }[] }[] } };
    const service = route.spec.rules[0]?.backendRefs[0]?.name ?? "";
    await k.delete("v1", "Service", ns, service);
    const observe = observerFor("gateway.networking.k8s.io/v1", "HTTPRoute");
    const ctx = { ...DEFAULT_OBSERVE_CONTEXT, controllerNames: ["gateway.envoyproxy.io/gatewayclass-controller"] };
    const verdict = await waitFor("Envoy Gateway to report the missing Service", async () => {
      const live = await k.get("gateway.networking.k8s.io/v1", "HTTPRoute", ns, "gone");
      const r = live ? observe?.(live, ctx) : undefined;
      return r && r.state !== "ready" ? r : undefined;
    }, { timeoutMs: 30_000 });
    expect(verdict.state).toBe("pending");
    expect(verdict.state === "pending" ? `${verdict.message} ${verdict.detail ?? ""}` : "").toMatch(/ResolvedRefs.*BackendNotFound.*service .* not found/);
    // Envoy has no cluster left for the rule: it answers 500 itself.
    const r = await untilEffect(() => edgeRequest(h.dp.address, host, "/"), (x) => x.status !== 200);
    expect(r.response.status).toBe(500);
  });
});
