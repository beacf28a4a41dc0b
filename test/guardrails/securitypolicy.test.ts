import { describe, expect, it } from "vitest";
import { admitted, config, list, rejected, securityPolicy } from "./policy-helpers";

const jwks = (remoteJWKS: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  securityPolicy({ jwt: { providers: [{ name: "idp", remoteJWKS: { uri: "https://auth.example.com/jwks", ...remoteJWKS }, ...extra }] } });
const oidc = (o: Record<string, unknown>, provider: Record<string, unknown> = {}) =>
  securityPolicy({ oidc: { provider: { issuer: "https://idp.example.com", ...provider }, clientID: "app", clientSecret: { name: "s" }, ...o } });
const apiKey = (a: Record<string, unknown>) => securityPolicy({ apiKeyAuth: { credentialRefs: [{ name: "k" }], extractFrom: [{ headers: ["x-key"] }], ...a } });

describe("SecurityPolicy CRD layer (Envoy Gateway v1.8.1)", () => {
  it("needs some target", () => {
    const obj = securityPolicy({ basicAuth: { users: { name: "h" } } });
    delete (obj["spec"] as Record<string, unknown>)["targetRefs"];
    expect(rejected(obj)).toContain('spec: Invalid value: either targetRef or targetRefs must be used');
  });

  it("only targets Gateway API routes and gateways", () => {
    const obj = securityPolicy({ targetRefs: [{ group: "gateway.networking.k8s.io", kind: "UDPRoute", name: "a" }] });
    expect(rejected(obj)).toContain('spec: Invalid value: this policy can only have a targetRefs[*].kind of Gateway/HTTPRoute/GRPCRoute/TCPRoute');
  });

  it("rejects the singular backendRef before NSO's webhook sees it (errata to S8/S14)", () => {
    const errs = rejected(jwks({ backendRef: { name: "jwks", port: 443 } }));
    expect(errs).toContain('spec.jwt.providers[0].remoteJWKS: Invalid value: BackendRefs must be used, backendRef is not supported.');
    expect(errs.some((e) => e.includes("backendRef is not permitted"))).toBe(false);
    expect(rejected(oidc({}, { backendRef: { name: "idp", port: 443 } }))).toContain(
      'spec.oidc.provider: Invalid value: BackendRefs must be used, backendRef is not supported.',
    );
  });

  it("defaults backendRefs to Services, which then need a port", () => {
    expect(rejected(jwks({ backendRefs: [{ name: "jwks" }] }))).toContain(
      'spec.jwt.providers[0].remoteJWKS.backendRefs[0]: Invalid value: Must have port for Service reference',
    );
  });

  it("rejects retry timeouts on provider clusters", () => {
    expect(rejected(jwks({ backendSettings: { retry: { perRetry: { timeout: "1s" } } } }))).toContain(
      'spec.jwt.providers[0].remoteJWKS: Invalid value: Retry timeout is not supported.',
    );
  });

  it("checks duration syntax with the Gateway API pattern before NSO's limit", () => {
    expect(rejected(oidc({ defaultRefreshTokenTTL: "1.5h" }))).toContain(
      "spec.oidc.defaultRefreshTokenTTL: Invalid value: \"1.5h\": spec.oidc.defaultRefreshTokenTTL in body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'",
    );
  });

  it("checks quantity syntax in backendSettings", () => {
    const errs = rejected(jwks({ backendSettings: { connection: { bufferLimit: "0.5Mi" } } }));
    expect(errs).toContain(
      "spec.jwt.providers[0].remoteJWKS.backendSettings.connection.bufferLimit: Invalid value: \"0.5Mi\": spec.jwt.providers[0].remoteJWKS.backendSettings.connection.bufferLimit in body should match '^[1-9]+[0-9]*([EPTGMK]i|[EPTGMk])?$'",
    );
  });

  it("requires exactly one of clientID and clientIDRef", () => {
    expect(rejected(oidc({ clientIDRef: { name: "id" } }))).toContain('spec.oidc: Invalid value: only one of clientID or clientIDRef must be set');
  });

  it("stops at a missing required field: no CEL, no webhook", () => {
    const errs = rejected(securityPolicy({ oidc: { provider: { issuer: "http://idp.example.com" }, clientID: "a", clientIDRef: { name: "b" } } }));
    expect(errs).toEqual(["spec.oidc.clientSecret: Required value"]);
  });

  it("validates allowOrigins syntax", () => {
    expect(rejected(securityPolicy({ cors: { allowOrigins: ["ftp://example.com"] } }))[0]).toContain("spec.cors.allowOrigins[0] in body should match");
    admitted(securityPolicy({ cors: { allowOrigins: ["*", "https://*.example.com:8443", "http://a-b.c.example"] } }));
  });

  it("needs a principal in every authorization rule", () => {
    expect(rejected(securityPolicy({ authorization: { rules: [{ action: "Allow", principal: {} }] } }))).toContain(
      'spec.authorization.rules[0].principal: Invalid value: at least one of clientCIDRs, jwt, headers, or clientIPGeoLocations must be specified',
    );
  });
});

describe("SecurityPolicy webhook (docs/spec/guardrails.md §5)", () => {
  it("S1: forbids the deprecated targetRef", () => {
    const obj = securityPolicy({ targetRef: { group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "a" } });
    delete (obj["spec"] as Record<string, unknown>)["targetRefs"];
    expect(rejected(obj)).toEqual(["spec.targetRef: Forbidden: deprecated field, use spec.targetRefs or spec.targetSelectors instead"]);
  });

  it("S2: caps credentialRefs at the configured limit", () => {
    const cfg = config({ "gateway.extensionAPIValidationOptions": { securityPolicies: { APIKeyAuth: { MaxCredentialRefs: 2 } } } });
    admitted(apiKey({ credentialRefs: list(2, (i) => ({ name: `k${i}` })) }), { config: cfg });
    expect(rejected(apiKey({ credentialRefs: list(3, (i) => ({ name: `k${i}` })) }), { config: cfg })).toEqual([
      "spec.apiKeyAuth.credentialRefs: Too many: 3: must have at most 2 items",
    ]);
  });

  it("S3: keeps secret references in the policy's namespace", () => {
    expect(rejected(apiKey({ credentialRefs: [{ name: "a" }, { name: "b", namespace: "other" }] }))).toEqual([
      "spec.apiKeyAuth.credentialRefs[1].namespace: Forbidden: must not be set",
    ]);
    expect(rejected(securityPolicy({ basicAuth: { users: { name: "h", namespace: "x" } } }))).toEqual(["spec.basicAuth.users.namespace: Forbidden: must not be set"]);
  });

  it("S4/S5: caps extractFrom entries and each of their lists", () => {
    expect(rejected(apiKey({ extractFrom: list(6, () => ({ headers: ["x"] })) }))).toEqual(["spec.apiKeyAuth.extractFrom: Too many: 6: must have at most 5 items"]);
    for (const name of ["headers", "params", "cookies"]) {
      admitted(apiKey({ extractFrom: [{ [name]: list(10, (i) => `v${i}`) }] }));
      expect(rejected(apiKey({ extractFrom: [{ headers: ["x"] }, { [name]: list(11, (i) => `v${i}`) }] }))).toEqual([
        `spec.apiKeyAuth.extractFrom[1].${name}: Too many: 11: must have at most 10 items`,
      ]);
    }
  });

  it("S6: counts forwardClientIDHeader in UTF-8 bytes", () => {
    admitted(apiKey({ forwardClientIDHeader: "é".repeat(128) }));
    expect(rejected(apiKey({ forwardClientIDHeader: "é".repeat(129) }))).toEqual([
      "spec.apiKeyAuth.forwardClientIDHeader: Too long: may not be more than 256 bytes",
    ]);
  });

  it("S7: caps every CORS list at CORS.MaxFieldLength", () => {
    const cfg = config({ "gateway.extensionAPIValidationOptions": { securityPolicies: { CORS: { MaxFieldLength: 1 } } } });
    expect(rejected(securityPolicy({ cors: { allowOrigins: ["*"], allowMethods: ["GET", "PUT"], exposeHeaders: ["a", "b"] } }), { config: cfg })).toEqual([
      "spec.cors.allowMethods: Too many: 2: must have at most 1 item",
      "spec.cors.exposeHeaders: Too many: 2: must have at most 1 item",
    ]);
  });

  it("S9: keeps JWKS and OIDC backendRefs in the policy's namespace", () => {
    const ref = { group: "gateway.envoyproxy.io", kind: "Backend", name: "b" };
    expect(rejected(jwks({ backendRefs: [ref, { ...ref, namespace: "x" }] }))).toEqual([
      "spec.jwt.providers[0].remoteJWKS.backendRefs[1].namespace: Forbidden: must not be set",
    ]);
    expect(rejected(oidc({}, { backendRefs: [{ ...ref, namespace: "x" }] }))).toEqual(["spec.oidc.provider.backendRefs[0].namespace: Forbidden: must not be set"]);
  });

  it("S10: applies the cluster-settings rules with SecurityPolicy's own limits", () => {
    const settings = { tcpKeepalive: { probes: 5 }, http2: { initialStreamWindowSize: "128Ki" } };
    expect(rejected(jwks({ backendSettings: settings }))).toEqual([
      'spec.jwt.providers[0].remoteJWKS.backendSettings.tcpKeepalive.probes: Invalid value: "5": must be greater than or equal to 9',
      'spec.jwt.providers[0].remoteJWKS.backendSettings.http2.initialStreamWindowSize: Invalid value: "128Ki": must be less than or equal to 64Ki',
    ]);
    const relaxed = config({
      "gateway.extensionAPIValidationOptions": { securityPolicies: { ClusterSettings: { TCPKeepaliveMinProbes: 5, HTTP2MaxInitialStreamWindowSize: "128Ki" } } },
    });
    admitted(jwks({ backendSettings: settings }), { config: relaxed });
    // BackendTrafficPolicy limits do not apply to SecurityPolicy clusters.
    const btpOnly = config({ "gateway.extensionAPIValidationOptions": { backendTrafficPolicies: { ClusterSettings: { TCPKeepaliveMinProbes: 5 } } } });
    expect(rejected(jwks({ backendSettings: { tcpKeepalive: { probes: 5 } } }), { config: btpOnly })).toHaveLength(1);
    expect(rejected(oidc({}, { backendSettings: { retry: { numRetries: 1 } } }))).toEqual([
      "spec.oidc.provider.backendSettings.retry: Forbidden: retry settings are not permitted",
    ]);
  });

  it("S11: the JWKS URI must be https on an external host", () => {
    expect(rejected(jwks({ uri: "https://user:pw@auth.example.com/jwks" }))).toEqual([
      'spec.jwt.providers[0].remoteJWKS.uri[userinfo]: Invalid value: "user:redacted": must not have a userinfo component',
    ]);
    expect(rejected(jwks({ uri: "https://localhost/jwks" }))).toEqual([
      'spec.jwt.providers[0].remoteJWKS.uri[host]: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
    ]);
    expect(rejected(jwks({ uri: "https://[::1]/jwks" }))[0]).toContain("may not be in the loopback range");
  });

  it("S12/S13: caps claimToHeaders and each JWT extractor list", () => {
    const claims = (n: number) => list(n, (i) => ({ claim: `c${i}`, header: `x-c${i}` }));
    admitted(jwks({}, { claimToHeaders: claims(5) }));
    expect(rejected(jwks({}, { claimToHeaders: claims(6) }))).toEqual(["spec.jwt.providers[0].claimToHeaders: Too many: 6: must have at most 5 items"]);
    expect(rejected(jwks({}, { extractFrom: { cookies: list(6, (i) => `c${i}`), params: list(6, (i) => `p${i}`) } }))).toEqual([
      "spec.jwt.providers[0].extractFrom.cookies: Too many: 6: must have at most 5 items",
      "spec.jwt.providers[0].extractFrom.params: Too many: 6: must have at most 5 items",
    ]);
  });

  it("S15: every OIDC endpoint is an external https URL; empty ones are fine", () => {
    admitted(oidc({}, { authorizationEndpoint: "", tokenEndpoint: "", endSessionEndpoint: "" }));
    expect(rejected(oidc({}, { endSessionEndpoint: "https://10.0.0.1:8443/logout", tokenEndpoint: "http://idp.example.com/t" }))).toEqual([
      'spec.oidc.provider.tokenEndpoint[scheme]: Unsupported value: "http": supported values: "https"',
    ]);
    expect(rejected(oidc({}, { issuer: "https://0.0.0.0" }))).toEqual(['spec.oidc.provider.issuer[host]: Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)']);
  });

  it("S16/S17: caps scopes and resources", () => {
    const cfg = config({ "gateway.extensionAPIValidationOptions": { securityPolicies: { OIDC: { MaxScopes: 1, MaxResources: 2 } } } });
    admitted(oidc({ scopes: ["openid"], resources: ["https://a.example.com", "https://b.example.com"] }), { config: cfg });
    expect(rejected(oidc({ scopes: ["openid", "email"], resources: ["https://a.example.com", "https://b.example.com", "https://c.example.com"] }), { config: cfg })).toEqual([
      "spec.oidc.scopes: Too many: 2: must have at most 1 item",
      "spec.oidc.resources: Too many: 3: must have at most 2 items",
    ]);
  });

  it("S18: the refresh-token TTL has a floor, printed as a Go duration", () => {
    admitted(oidc({ defaultRefreshTokenTTL: "5m" }));
    admitted(oidc({ defaultRefreshTokenTTL: "300s" }));
    expect(rejected(oidc({ defaultRefreshTokenTTL: "299s" }))).toEqual([
      'spec.oidc.defaultRefreshTokenTTL: Invalid value: "299s": duration must be greater than or equal to 5m0s',
    ]);
    const cfg = config({ "gateway.extensionAPIValidationOptions": { securityPolicies: { OIDC: { MinRefreshTokenTTL: "1.5h" } } } });
    expect(rejected(oidc({ defaultRefreshTokenTTL: "89m" }), { config: cfg })).toEqual([
      'spec.oidc.defaultRefreshTokenTTL: Invalid value: "89m": duration must be greater than or equal to 1h30m0s',
    ]);
  });

  it("S19: forbids extAuth", () => {
    expect(rejected(securityPolicy({ extAuth: { http: { backendRefs: [{ name: "a", port: 80 }] } } }))).toEqual(["spec.extAuth: Forbidden: extAuth is not permitted"]);
  });

  it("S20/S21: caps authorization rules and client CIDRs per rule", () => {
    const rule = (n: number) => ({ action: "Allow", principal: { clientCIDRs: list(n, (i) => `10.0.0.${i}/32`) } });
    const cfg = config({ "gateway.extensionAPIValidationOptions": { securityPolicies: { Authorization: { MaxRules: 2, MaxClientCIDRs: 1 } } } });
    admitted(securityPolicy({ authorization: { rules: [rule(1), rule(1)] } }), { config: cfg });
    expect(rejected(securityPolicy({ authorization: { rules: [rule(1), rule(2), rule(1)] } }), { config: cfg })).toEqual([
      "spec.authorization.rules: Too many: 3: must have at most 2 items",
      "spec.authorization.rules[1].principal.clientCIDRs: Too many: 2: must have at most 1 item",
    ]);
  });

  it("skips the webhook for an update that leaves the spec unchanged", () => {
    const stored = securityPolicy({ extAuth: { http: { backendRefs: [{ name: "a", port: 80 }] } } });
    const relabelled = { ...stored, metadata: { name: "x", namespace: "default", labels: { a: "b" } } };
    admitted(relabelled, { operation: "UPDATE", oldObject: stored });
    const changed = securityPolicy({ extAuth: { http: { backendRefs: [{ name: "b", port: 80 }] } } });
    expect(rejected(changed, { operation: "UPDATE", oldObject: stored })).toEqual(["spec.extAuth: Forbidden: extAuth is not permitted"]);
  });
});
