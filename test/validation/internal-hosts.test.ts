import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { resolveGuardrailConfig } from "../../provider/core/config";
import { validate } from "../../provider/core/validate";
import { suspiciousHostReason } from "../../provider/core/validation/internal-hosts";
import { startPlugin, type RunningPlugin } from "../../provider/plugin/server";
import { memoryIO } from "../cli/memory-io";
import { checkRequest, configureRequest, failuresOf, ROOT, rpc, startEngineLog } from "../plugin/harness";
import { testEngine, validProxy } from "../plugin/test-engine";

/**
 * Hosts NSO admits that resolvers or wildcard-DNS services still turn into internal addresses:
 * a warning by default (NSO's decision stays), an error with `suspiciousHosts: reject`.
 */

const SUSPICIOUS: readonly [string, RegExp][] = [
  ["127.1", /read as 127\.0\.0\.1/],
  ["0x7f.0.0.1", /read as 127\.0\.0\.1/],
  ["0177.0.0.1", /read as 127\.0\.0\.1/],
  ["2130706433", /read as 127\.0\.0\.1/],
  ["0251.0376.0251.0376", /read as 169\.254\.169\.254/],
  ["127.0.0.1.", /trailing dot/],
  ["169.254.169.254.", /trailing dot/],
  ["::127.0.0.1", /IPv4-compatible IPv6 address that carries 127\.0\.0\.1/],
  ["64:ff9b::7f00:1", /NAT64 .* carries 127\.0\.0\.1/],
  ["::ffff:10.0.0.1", /IPv4-mapped .* carries 10\.0\.0\.1/],
  ["2002:a9fe:a9fe::1", /6to4 .* carries 169\.254\.169\.254/],
  ["kubernetes.default.svc.cluster.local", /Kubernetes API server/],
  ["kubernetes.default", /Kubernetes API server/],
  ["db.shop.svc.cluster.local", /\.local/],
  ["metadata.google.internal", /\.internal/],
  ["api.localhost", /\.localhost/],
  ["169.254.169.254.nip.io", /embeds the internal address 169\.254\.169\.254/],
  ["app-10-0-0-1.sslip.io", /embeds the internal address 10\.0\.0\.1/],
  ["7f000001.nip.io", /embeds the internal address 127\.0\.0\.1/],
];

const ORDINARY = ["api.example.com", "8.8.8.8", "2001:db8::1", "1.example.com", "deadbeef.example.com", "203.0.113.9.nip.io", "local-shop.example.com", "internal.example.com"];

describe("suspiciousHostReason", () => {
  for (const [host, why] of SUSPICIOUS) {
    it(`flags ${host}`, () => expect(suspiciousHostReason(host)).toMatch(why));
  }
  for (const host of ORDINARY) {
    it(`leaves ${host} alone`, () => expect(suspiciousHostReason(host)).toBeUndefined());
  }
});

const REJECT = (() => {
  const r = resolveGuardrailConfig({ suspiciousHosts: "reject" });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
})();

function proxyTo(endpoint: string): Record<string, unknown> {
  return { apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", ...validProxy(endpoint) };
}

const securityPolicy = {
  apiVersion: "gateway.envoyproxy.io/v1alpha1",
  kind: "SecurityPolicy",
  metadata: { name: "sp" },
  spec: {
    targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "r" }],
    jwt: { providers: [{ name: "p", remoteJWKS: { uri: "https://metadata.google.internal/jwks" } }] },
  },
};

const backend = {
  apiVersion: "gateway.envoyproxy.io/v1alpha1",
  kind: "Backend",
  metadata: { name: "b" },
  spec: { endpoints: [{ fqdn: { hostname: "kubernetes.default.svc.cluster.local", port: 443 } }] },
};

describe("admission", () => {
  // A single number is no FQDN (two segments), so NSO refuses it already.
  for (const [host] of SUSPICIOUS.filter(([h]) => h !== "2130706433")) {
    const endpoint = `http://${host.includes(":") ? `[${host}]` : host}`;
    it(`admits ${endpoint} with a warning by default, refuses it with suspiciousHosts: reject`, () => {
      const warned = validate(proxyTo(endpoint));
      expect(warned.errors).toEqual([]);
      expect(warned.warnings).toEqual([{ field: "spec.rules[0].backends[0].endpoint[host]", message: expect.stringContaining("NSO admits it") }]);
      const refused = validate(proxyTo(endpoint), { config: REJECT });
      expect(refused.valid).toBe(false);
      expect(refused.errors).toEqual([expect.objectContaining({ field: "spec.rules[0].backends[0].endpoint[host]", type: "Invalid" })]);
    });
  }

  it("covers JWKS URIs, OIDC URLs and Backend endpoints", () => {
    expect(validate(securityPolicy).warnings.map((w) => w.field)).toEqual(["spec.jwt.providers[0].remoteJWKS.uri[host]"]);
    const oidc = { ...securityPolicy, spec: { targetRefs: securityPolicy.spec.targetRefs, oidc: { provider: { issuer: "https://127.1" }, clientID: "c", clientSecret: { name: "s" } } } };
    expect(validate(oidc).warnings.map((w) => w.field)).toEqual(["spec.oidc.provider.issuer[host]"]);
    expect(validate(backend).warnings.map((w) => w.field)).toEqual(["spec.endpoints[0].fqdn.hostname"]);
    expect(validate(backend, { config: REJECT }).errors.map((e) => e.field)).toEqual(["spec.endpoints[0].fqdn.hostname"]);
  });

  it("an unchanged stored spec stays admitted under reject, as NSO grandfathers it", () => {
    const p = proxyTo("https://127.1");
    expect(validate(p, { config: REJECT, operation: "UPDATE", oldObject: p }).valid).toBe(true);
  });

  it("ordinary hosts get no warning", () => {
    expect(validate(proxyTo("https://api.example.com")).warnings).toEqual([]);
  });

  it("a single-number host stays NSO's error (not a FQDN), not a warning", () => {
    expect(validate(proxyTo("http://2130706433")).errors.map((e) => e.field)).toEqual(["spec.rules[0].backends[0].endpoint[host]"]);
  });
});

describe("the plugin's Check (pulumi preview)", () => {
  let plugin: RunningPlugin;
  let client: ResourceProviderClient;
  let logs: Awaited<ReturnType<typeof startEngineLog>>;
  beforeAll(async () => {
    logs = await startEngineLog();
    plugin = await startPlugin({ version: "9.9.9", schema: () => readFileSync(join(ROOT, "schema.json"), "utf8"), loadEngine: async () => testEngine(), engineAddress: logs.address });
    client = new ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
    await rpc(client, client.configure, configureRequest({}));
  });
  afterAll(async () => {
    client.close();
    await plugin.stop();
    await logs.stop();
  });

  it("passes the proxy and logs a warning for its resource", async () => {
    const req = checkRequest("datum:networking:HTTPProxy", validProxy("https://0x7f.0.0.1"));
    const res = await rpc<providerPb.CheckRequest, providerPb.CheckResponse>(client, client.check, req);
    expect(failuresOf(res)).toEqual([]);
    await expect.poll(() => logs.lines.map((l) => l.message)).toContainEqual(expect.stringContaining('spec.rules[0].backends[0].endpoint[host]: "0x7f.0.0.1" is a numeric host that resolvers read as 127.0.0.1'));
    expect(logs.lines.find((l) => l.message.includes("0x7f"))?.urn).toBe(req.getUrn());
  });
});

describe("the CLI", () => {
  const file = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: app}
spec:
  rules:
    - backends:
        - endpoint: https://169.254.169.254.nip.io
`;

  it("validate prints the warning with file and line and exits 0", async () => {
    const io = memoryIO({ "p.yaml": file });
    expect(await main(["validate", "p.yaml"], io)).toBe(0);
    expect(io.out).toContain("p.yaml:1: HTTPProxy default/app: valid");
    expect(io.out).toContain('  p.yaml:7: warning: spec.rules[0].backends[0].endpoint[host]: "169.254.169.254.nip.io" is a name that embeds the internal address 169.254.169.254');
  });

  it("with guardrails.suspiciousHosts: reject in --config it is invalid (exit 1)", async () => {
    const io = memoryIO({ "p.yaml": file, "c.yaml": "guardrails:\n  suspiciousHosts: reject\n" });
    expect(await main(["validate", "--config", "c.yaml", "p.yaml"], io)).toBe(1);
    expect(io.out).toContain('  p.yaml:7: spec.rules[0].backends[0].endpoint[host]: Invalid value: "169.254.169.254.nip.io"');
  });
});
