import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../provider/core/unknown";
import { backendTrafficPolicy, check, config, DATUM, EG, list, object, securityPolicy } from "./policy-helpers";

/**
 * Pulumi preview: a rule whose deciding input is unknown is deferred — never a rejection — while
 * rules over known inputs still decide.
 */

function deferred(obj: unknown, opts: Parameters<typeof check>[1] = {}): string[] {
  const r = check(obj, opts);
  expect(r.errors, "nothing may be reported as an error").toEqual([]);
  expect(r.valid).toBe(true);
  return r.deferred.map((e) => `${e.field}: ${e.message}`);
}

const jwks = (remoteJWKS: Record<string, unknown>) =>
  securityPolicy({ jwt: { providers: [{ name: "idp", remoteJWKS: { uri: "https://auth.example.com/jwks", ...remoteJWKS } }] } });
const oidc = (o: Record<string, unknown>) =>
  securityPolicy({ oidc: { provider: { issuer: "https://idp.example.com" }, clientSecret: { name: "s" }, ...o } });

describe("SecurityPolicy with unknown values", () => {
  it("S1/S19: presence of a forbidden field", () => {
    expect(deferred(securityPolicy({ targetRef: UNKNOWN }))).toContain("spec.targetRef: Forbidden: deprecated field, use spec.targetRefs or spec.targetSelectors instead");
    expect(deferred(securityPolicy({ extAuth: UNKNOWN }))).toContain("spec.extAuth: Forbidden: extAuth is not permitted");
  });

  it("S3/S9: a namespace that is not known yet", () => {
    expect(deferred(securityPolicy({ basicAuth: { users: { name: "h", namespace: UNKNOWN } } }))).toContain("spec.basicAuth.users.namespace: Forbidden: must not be set");
    expect(deferred(jwks({ backendRefs: [{ group: "gateway.envoyproxy.io", kind: "Backend", name: "b", namespace: UNKNOWN }] }))).toHaveLength(1);
  });

  it("S2: a count over a known list stays decided even with unknown elements", () => {
    const r = check(securityPolicy({ apiKeyAuth: { credentialRefs: [...list(5, (i) => ({ name: `k${i}` })), UNKNOWN], extractFrom: [{ headers: ["x"] }] } }));
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.field)).toEqual(["spec.apiKeyAuth.credentialRefs"]);
  });

  it("S6: an unknown header name is not measured", () => {
    const cfg = config({ "gateway.extensionAPIValidationOptions": { securityPolicies: { APIKeyAuth: { MaxForwardClientIDHeaderLength: 4 } } } });
    expect(deferred(securityPolicy({ apiKeyAuth: { credentialRefs: [{ name: "k" }], extractFrom: [{ headers: ["x"] }], forwardClientIDHeader: UNKNOWN } }), { config: cfg })).toEqual([
      "spec.apiKeyAuth.forwardClientIDHeader: Too long: may not be more than 4 bytes",
    ]);
  });

  it("S8 (errata) / S11 / S15: unknown backendRef and URLs", () => {
    expect(deferred(jwks({ backendRef: UNKNOWN }))).toContain("spec.jwt.providers[0].remoteJWKS: Invalid value: BackendRefs must be used, backendRef is not supported.");
    expect(deferred(jwks({ backendRefs: [{ group: "gateway.envoyproxy.io", kind: "Backend", name: "b" }], backendRef: UNKNOWN })).length).toBeGreaterThan(0);
    expect(deferred(jwks({ uri: UNKNOWN })).every((e) => e.startsWith("spec.jwt.providers[0].remoteJWKS.uri"))).toBe(true);
    expect(deferred(oidc({ clientID: "a", provider: { issuer: UNKNOWN } })).every((e) => e.startsWith("spec.oidc.provider.issuer"))).toBe(true);
  });

  it("S10/S18: unknown durations and cluster settings", () => {
    expect(deferred(oidc({ clientID: "a", defaultRefreshTokenTTL: UNKNOWN })).length).toBeGreaterThan(0);
    deferred(jwks({ backendSettings: UNKNOWN }));
    deferred(jwks({ backendSettings: { tcpKeepalive: { probes: UNKNOWN } } }));
  });

  it("CRD CEL: a rule reading an unknown field is deferred", () => {
    expect(deferred(oidc({ clientID: UNKNOWN, clientIDRef: { name: "id" } }))).toContain("spec.oidc: Invalid value: only one of clientID or clientIDRef must be set");
  });

  it("an unknown value elsewhere does not silence a decided rule", () => {
    const r = check(securityPolicy({ cors: { allowOrigins: list(11, (i) => `https://o${i}.example.com`), maxAge: UNKNOWN } }));
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.field)).toEqual(["spec.cors.allowOrigins"]);
  });
});

describe("BackendTrafficPolicy with unknown values", () => {
  it("B4–B17: unknown limits-checked values", () => {
    deferred(backendTrafficPolicy({ tcpKeepalive: { probes: UNKNOWN, idleTime: UNKNOWN } }));
    deferred(backendTrafficPolicy({ timeout: { http: { requestTimeout: UNKNOWN } }, connection: { bufferLimit: UNKNOWN } }));
    deferred(backendTrafficPolicy({ http2: { maxConcurrentStreams: UNKNOWN, initialStreamWindowSize: UNKNOWN }, dns: { respectDnsTtl: UNKNOWN } }));
  });

  it("B2/B3/B18/B20: presence of forbidden settings", () => {
    expect(deferred(backendTrafficPolicy({ retry: UNKNOWN }))).toContain("spec.retry: Forbidden: retry settings are not permitted");
    expect(deferred(backendTrafficPolicy({ rateLimit: { global: UNKNOWN } }))).toContain("spec.rateLimit.global: Forbidden: global rate limits are not permitted");
    expect(deferred(backendTrafficPolicy({ responseOverride: [{ match: { statusCodes: [{ value: 404 }] }, redirect: UNKNOWN }] }))).toContain(
      "spec.responseOverride[0].redirect: Forbidden: response redirects are not permitted",
    );
    expect(deferred(backendTrafficPolicy({ loadBalancer: { type: "RoundRobin", endpointOverride: UNKNOWN } }))).toContain(
      "spec.loadBalancer.endpointOverride: Forbidden: loadbalancer endpoint overrides are not permitted",
    );
  });

  it("a whole unknown spec decides nothing", () => {
    deferred(object("BackendTrafficPolicy", EG, UNKNOWN));
  });
});

describe("HTTPRouteFilter, Backend and BackendTLSPolicy with unknown values", () => {
  it("F1: an unknown inline body", () => {
    const cfg = config({ "gateway.extensionAPIValidationOptions": { httpRouteFilters: { MaxInlineBodySize: 3 } } });
    expect(deferred(object("HTTPRouteFilter", EG, { directResponse: { body: { type: "Inline", inline: UNKNOWN } } }), { config: cfg })).toContain(
      "spec.directResponse.body.inline: Too long: may not be more than 3 bytes",
    );
  });

  it("E1–E4: unknown type and addresses", () => {
    deferred(object("Backend", EG, { type: UNKNOWN }));
    deferred(object("Backend", EG, { endpoints: [{ ip: { address: UNKNOWN, port: 443 } }] }));
    deferred(object("Backend", EG, { endpoints: [{ fqdn: { hostname: UNKNOWN, port: 443 } }] }));
    deferred(object("Backend", EG, { endpoints: [{ unix: UNKNOWN }] }));
  });

  it("T1/T2: unknown target group and kind", () => {
    const validation = { hostname: "origin.example.com", wellKnownCACertificates: "System" };
    expect(deferred(object("BackendTLSPolicy", "gateway.networking.k8s.io/v1", { targetRefs: [{ group: UNKNOWN, kind: UNKNOWN, name: "b" }], validation }))).toHaveLength(2);
  });
});

describe("TrafficProtectionPolicy with unknown values", () => {
  const GATEWAY = { group: "gateway.networking.k8s.io", kind: "Gateway", name: "app" };

  it("P2/P3: an unknown target group or kind", () => {
    deferred(object("TrafficProtectionPolicy", DATUM, { targetRefs: [{ ...GATEWAY, group: UNKNOWN }] }));
    deferred(object("TrafficProtectionPolicy", DATUM, { targetRefs: UNKNOWN }));
  });

  it("P2 still decides when only an unrelated field is unknown", () => {
    const r = check(object("TrafficProtectionPolicy", DATUM, { targetRefs: [{ ...GATEWAY, group: "example.com" }], samplingPercentage: UNKNOWN }));
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.message)).toEqual(["Invalid value: this policy can only have a targetRefs[*].group of gateway.networking.k8s.io"]);
  });

  it("P10–P12: unknown levels and thresholds", () => {
    deferred(object("TrafficProtectionPolicy", DATUM, { targetRefs: [GATEWAY], ruleSets: [{ type: "OWASPCoreRuleSet", owaspCoreRuleSet: { paranoiaLevels: { blocking: UNKNOWN, detection: 1 } } }] }));
    deferred(object("TrafficProtectionPolicy", DATUM, { targetRefs: [GATEWAY], ruleSets: [{ type: "OWASPCoreRuleSet", owaspCoreRuleSet: { scoreThresholds: { inbound: UNKNOWN } } }] }));
  });
});

describe("Domain with unknown values", () => {
  const domain = (spec: Record<string, unknown>) => object("Domain", DATUM, spec, "example-com");

  it("D3/D4/D5: an unknown name is neither malformed nor changed", () => {
    deferred(domain({ domainName: UNKNOWN }));
    expect(deferred(domain({ domainName: UNKNOWN }), { operation: "UPDATE", oldObject: domain({ domainName: "example.com" }) })).toContain(
      "spec.domainName: Invalid value: A domain name is immutable and cannot be changed after creation",
    );
  });

  it("D6: an unknown refresh time", () => {
    const old = domain({ domainName: "example.com", desiredVerificationRefreshAttempt: "2025-06-01T10:00:00Z" });
    deferred(domain({ domainName: "example.com", desiredVerificationRefreshAttempt: UNKNOWN }), { operation: "UPDATE", oldObject: old });
  });

  it("D7: the duplicate check does not hinge on unknown labels", () => {
    const existing = [domain({ domainName: "example.com" })];
    const obj = { ...domain({ domainName: "example.com" }), metadata: { name: "b", namespace: "default", labels: { a: UNKNOWN } } };
    const r = check(obj, { existing });
    expect(r.valid).toBe(false);
    expect(r.errors[0]?.type).toBe("Conflict");
  });
});
