import { describe, expect, it } from "vitest";
import { resolveGuardrailConfig, type GuardrailConfig } from "../../provider/core/config";
import type { FieldError } from "../../provider/core/errors";
import { canonicalHostname } from "../../provider/core/render/hostname";
import { UNKNOWN } from "../../provider/core/unknown";
import { validate, type ValidateOptions } from "../../provider/core/validate";

/** Gateway: NSO's mutating webhook (G1), the upstream CRD, and NSO's validating webhook (G2–G18). */

type Json = Record<string, unknown>;

const CLASS = "datum-external-global-proxy";
const CONTROLLER = "gateway.networking.datumapis.com/external-global-proxy-controller";
const ISSUER = "gateway.networking.datumapis.com/certificate-issuer";

function gatewayClass(name: string, controllerName = CONTROLLER): Json {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name }, spec: { controllerName } };
}

const EXISTING = [gatewayClass(CLASS), gatewayClass("other-class", "example.com/other")];

function gateway(listeners: unknown, extra: Json = {}, className: unknown = CLASS): Json {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name: "web", namespace: "default" },
    spec: { gatewayClassName: className, listeners, ...extra },
  };
}

const http = (hostname = "www.example.com", extra: Json = {}): Json => ({ name: "www-http", port: 80, protocol: "HTTP", hostname, ...extra });
const https = (tls: unknown = { options: { [ISSUER]: "auto" } }, extra: Json = {}): Json => ({ name: "www-https", port: 443, protocol: "HTTPS", hostname: "www.example.com", tls, ...extra });

function check(obj: Json, opts: ValidateOptions = {}) {
  return validate(obj, { existing: EXISTING, ...opts });
}

function expectOnly(obj: Json, field: string, type: string, contains: string, opts: ValidateOptions = {}): void {
  const errs: FieldError[] = check(obj, opts).errors;
  expect(errs, JSON.stringify(errs, null, 1)).toHaveLength(1);
  expect(errs[0]).toMatchObject({ field, type });
  expect(errs[0]?.message).toContain(contains);
}

function expectValid(obj: Json, opts: ValidateOptions = {}): void {
  const r = check(obj, opts);
  expect(r.errors, JSON.stringify(r.errors, null, 1)).toEqual([]);
}

function config(overrides: Record<string, unknown>): GuardrailConfig {
  const r = resolveGuardrailConfig(overrides);
  if (!r.ok) throw new Error(r.errors.join("; "));
  return r.config;
}

function listenersOf(obj: unknown): Json[] {
  return (obj as { spec: { listeners: Json[] } }).spec.listeners;
}

describe("managed GatewayClasses", () => {
  it("G2: classes come from the cluster's GatewayClasses with NSO's controllerName, sorted", () => {
    const existing = [gatewayClass("zeta"), gatewayClass("alpha"), gatewayClass("foreign", "example.com/x")];
    expectOnly(gateway([http()], {}, "foreign"), "spec.gatewayClassName", "NotSupported", 'Unsupported value: "foreign": supported values: "alpha", "zeta"', { existing });
  });
  it("falls back to config.gateway.managedGatewayClasses when no GatewayClass is supplied", () => {
    expectValid(gateway([http()]), { existing: [] });
    const cfg = config({ "gateway.managedGatewayClasses": ["mine"] });
    expectOnly(gateway([http()]), "spec.gatewayClassName", "NotSupported", 'supported values: "mine"', { existing: [], config: cfg });
  });
  it("G2 stops validation: an unmanaged Gateway reports nothing else", () => {
    expectOnly(gateway([{ name: "x", port: 8080, protocol: "HTTP" }], { infrastructure: {} }, "other-class"), "spec.gatewayClassName", "NotSupported", "supported values");
  });
  it("the mutating webhook leaves unmanaged Gateways alone", () => {
    const r = check(gateway([{ name: "x", port: 80, protocol: "HTTP" }], {}, "other-class"));
    expect(listenersOf(r.object).map((l) => l["name"])).toEqual(["x"]);
  });
});

describe("G1 and default listeners (mutating webhook)", () => {
  it("G1: tenant listeners need a hostname; the default names are exempt", () => {
    expectOnly(
      gateway([{ name: "www-http", port: 80, protocol: "HTTP" }]),
      "spec.listeners[0].hostname",
      "Required",
      "a hostname must be set; this controller injects default HTTP/HTTPS listeners, so listeners you define must specify a distinguishing hostname",
    );
    expectValid(gateway([{ name: "default-http", port: 80, protocol: "HTTP" }]));
  });
  it("G1 runs before the CRD, so it wins over CRD errors", () => {
    expectOnly(gateway([{ name: "Bad Name", port: 0, protocol: "HTTP" }]), "spec.listeners[0].hostname", "Required", "a hostname must be set");
  });
  it("injects default-http and default-https after the tenant's listeners on create", () => {
    const r = check(gateway([https()]));
    expect(r.errors).toEqual([]);
    const ls = listenersOf(r.object);
    expect(ls.map((l) => l["name"])).toEqual(["www-https", "default-http", "default-https"]);
    expect(ls[2]).toMatchObject({ port: 443, protocol: "HTTPS", tls: { mode: "Terminate", options: { [ISSUER]: "auto" } }, allowedRoutes: { namespaces: { from: "Same" } } });
    expect(ls[1]).not.toHaveProperty("tls");
  });
  it("a managed Gateway may omit listeners entirely", () => {
    expectValid({ ...gateway(undefined), spec: { gatewayClassName: CLASS } });
  });
  it("replaces same-named listeners on create, restores only missing ones on update", () => {
    const mine = { name: "default-https", port: 443, protocol: "HTTPS", tls: { options: { [ISSUER]: "letsencrypt" } } };
    expect(listenersOf(check(gateway([mine])).object)[0]).toMatchObject({ tls: { mode: "Terminate", options: { [ISSUER]: "auto" } } });
    const old = gateway([mine, { name: "default-http", port: 80, protocol: "HTTP" }]);
    const r = check(gateway([mine]), { operation: "UPDATE", oldObject: old });
    expect(r.errors).toEqual([]);
    expect(listenersOf(r.object).map((l) => [l["name"], (l["tls"] as Json | undefined)?.["options"]])).toEqual([
      ["default-https", { [ISSUER]: "letsencrypt" }],
      ["default-http", undefined],
    ]);
  });
  it("uses gateway.listenerTLSOptions; without any the upstream CRD rejects the HTTPS default", () => {
    const none = config({ gateway: { listenerTLSOptions: {} } });
    expectOnly(
      gateway([http()]),
      "spec.listeners[2].tls",
      "Invalid",
      'Invalid value: "object": no such key: certificateRefs evaluating rule: certificateRefs or options must be specified when mode is Terminate',
      { config: none },
    );
  });
});

describe("upstream Gateway CRD", () => {
  it("listener names are unique (list-map and CEL)", () => {
    const errs = check(gateway([http("a.example.com"), http("b.example.com")])).errors;
    expect(errs.map((e) => [e.field, e.type])).toEqual([
      ["spec.listeners[1]", "Duplicate"],
      ["spec.listeners", "Invalid"],
    ]);
    expect(errs[1]?.message).toBe("Invalid value: Listener name must be unique within the Gateway");
  });
  it("port, protocol and hostname combinations are unique", () => {
    expectOnly(gateway([http(), { ...http(), name: "other" }]), "spec.listeners", "Invalid", "Combination of port, protocol and hostname must be unique for each listener");
  });
  it("tls is not allowed on HTTP listeners; HTTPS tls must terminate", () => {
    expectOnly(gateway([http("www.example.com", { tls: { options: { [ISSUER]: "auto" } } })]), "spec.listeners", "Invalid", "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']");
    expectOnly(gateway([https({ mode: "Passthrough", options: { [ISSUER]: "auto" } })]), "spec.listeners", "Invalid", "tls mode must be Terminate for protocol HTTPS");
  });
  it("listener fields: hostname pattern, port range, option values", () => {
    expectOnly(gateway([http("WWW.example.com")]), "spec.listeners[0].hostname", "Invalid", "should match");
    expectOnly(gateway([http("www.example.com", { port: 0 })]), "spec.listeners[0].port", "Invalid", "should be greater than or equal to 1");
    expectOnly(gateway([https({ options: { [ISSUER]: 1 } })]), `spec.listeners[0].tls.options.${ISSUER}`, "Invalid", 'must be of type string: "integer"');
  });
  it("an IPAddress must be an IP (composite errors have no field)", () => {
    const errs = check(gateway([http()], { addresses: [{ value: "not-an-ip" }] })).errors;
    expect(errs.map((e) => e.field)).toEqual(["<nil>", "<nil>", "spec.addresses[0].value"]);
    expect(errs[0]?.message).toBe('Invalid value: "": "spec.addresses[0]" must validate one and only one schema (oneOf). Found none valid');
  });
});

describe("validating webhook G3–G18", () => {
  const withDomain = config({ "gateway.targetDomain": "prism.example.net" });
  const canonical = canonicalHostname("default", "web", "prism.example.net");
  const defaultHttp = (hostname: string): Json => ({ name: "default-http", port: 80, protocol: "HTTP", hostname });
  const stored = gateway([defaultHttp(canonical)]);
  it("G4: on create NSO replaces default listeners, so their hostnames never reach the webhook", () => {
    const r = check(gateway([defaultHttp("www.example.com")]));
    expect(r.errors).toEqual([]);
    expect(listenersOf(r.object)[0]).not.toHaveProperty("hostname");
  });
  it("G4: on update a default listener's hostname is unset or the canonical hostname", () => {
    expectValid(gateway([defaultHttp(canonical)]), { operation: "UPDATE", oldObject: gateway([]), config: withDomain });
    expectOnly(
      gateway([defaultHttp("www.example.com")]),
      "spec.listeners[0].hostname",
      "NotSupported",
      `Unsupported value: "www.example.com": supported values: ${JSON.stringify(canonical)}`,
      { operation: "UPDATE", oldObject: stored, config: withDomain },
    );
  });
  it("G4: a hostname already programmed in the stored status is allowed", () => {
    const spec = [defaultHttp("legacy.example.net")];
    const withStatus = { ...stored, status: { addresses: [{ type: "Hostname", value: "legacy.example.net" }] } };
    expectValid(gateway(spec), { operation: "UPDATE", oldObject: withStatus, config: withDomain });
    expect(check(gateway(spec), { operation: "UPDATE", oldObject: stored, config: withDomain }).valid).toBe(false);
  });
  it("G6: tenant hostnames are FQDNs unless verification is disabled", () => {
    expectOnly(gateway([http("*.example.com")]), "spec.listeners[0].hostname", "Invalid", "a lowercase RFC 1123 subdomain must consist of");
    expectOnly(gateway([http("example")]), "spec.listeners[0].hostname", "Invalid", "should be a domain with at least two segments");
    expectValid(gateway([http("*.example.com")]), { config: config({ "gateway.disableHostnameVerification": true }) });
  });
  it("G7/G8: ports and protocols per port come from config", () => {
    expectOnly(gateway([http("www.example.com", { port: 8080 })]), "spec.listeners[0].port", "NotSupported", 'Unsupported value: 8080: supported values: "80", "443"');
    expectOnly(gateway([http("www.example.com", { port: 443 })]), "spec.listeners[0].protocol", "NotSupported", 'Unsupported value: "HTTP": supported values: "HTTPS"');
    const custom = config({ "gateway.validPortNumbers": [80, 443, 8080], "gateway.validProtocolTypes": { "80": ["HTTP"], "443": ["HTTPS"], "8080": ["HTTP"] } });
    expectValid(gateway([http("www.example.com", { port: 8080 })]), { config: custom });
  });
  it("G9–G11: HTTPS listeners need TLS options, terminate, and carry no certificates", () => {
    expectOnly(gateway([{ name: "www-https", port: 443, protocol: "HTTPS", hostname: "www.example.com" }]), "spec.listeners[0].tls.options", "Required", "must provide TLS options");
    const errs = check(gateway([https({ mode: "Terminate", certificateRefs: [{ name: "cert" }] })])).errors;
    expect(errs.map((e) => [e.field, e.type, e.message])).toEqual([
      ["spec.listeners[0].tls.options", "Required", "Required value: must provide TLS options"],
      ["spec.listeners[0].tls.certificateRefs", "Forbidden", "Forbidden: certificateRefs are not permitted"],
    ]);
  });
  it("G12/G13: option keys must be permitted; a non-empty permitted list restricts values", () => {
    expectOnly(gateway([https({ options: { "example.com/foo": "bar" } })]), "spec.listeners[0].tls.options[example.com/foo]", "Forbidden", "option is not permitted");
    expectValid(gateway([https({ options: { [ISSUER]: "anything" } })]));
    const strict = config({ "gateway.permittedTLSOptions": { [ISSUER]: ["auto", "letsencrypt"] } });
    expectOnly(gateway([https({ options: { [ISSUER]: "self" } })]), `spec.listeners[0].tls.options[${ISSUER}]`, "NotSupported", 'Unsupported value: "self": supported values: "auto", "letsencrypt"', { config: strict });
  });
  it("G14/G15: routes only from the same namespace, of the default kinds", () => {
    expectOnly(gateway([http("www.example.com", { allowedRoutes: { namespaces: { from: "All" } } })]), "spec.listeners[0].allowedRoutes.namespaces.from", "NotSupported", 'Unsupported value: "All": supported values: "Same"');
    expectOnly(gateway([http("www.example.com", { allowedRoutes: { kinds: [{ kind: "HTTPRoute" }] } })]), "spec.listeners[0].allowedRoutes.kinds", "TooMany", "Too many: 1: must have at most 0 items");
  });
  it("G16–G18: addresses, infrastructure and gateway-level TLS are operator-controlled", () => {
    expectOnly(gateway([http()], { addresses: [{ value: "192.0.2.1" }] }), "spec.addresses", "TooMany", "must have at most 0 items");
    expectOnly(gateway([http()], { infrastructure: { labels: { a: "b" } } }), "spec.infrastructure", "Forbidden", "infrastructure is not permitted");
    expectOnly(gateway([http()], { tls: { backend: {} } }), "spec.tls", "Forbidden", "tls is not permitted");
  });
});

describe("updates", () => {
  it("skip the webhook when the (mutated) spec is unchanged", () => {
    const stored = gateway([http("www.example.com", { port: 8080 }), { name: "default-http", port: 80, protocol: "HTTP" }, { name: "default-https", port: 443, protocol: "HTTPS", tls: { options: { [ISSUER]: "auto" } } }]);
    const relabelled: Json = { ...stored, metadata: { name: "web", namespace: "default", labels: { a: "b" } } };
    expectValid(relabelled, { operation: "UPDATE", oldObject: stored });
    expect(check({ ...relabelled, spec: { ...(relabelled.spec as Json), addresses: [] } }, { operation: "UPDATE", oldObject: stored }).valid).toBe(true);
  });
  it("G1 still applies on update (the mutating webhook runs on every write)", () => {
    const stored = gateway([{ name: "www-http", port: 80, protocol: "HTTP" }]);
    expect(check(stored, { operation: "UPDATE", oldObject: stored }).errors[0]?.field).toBe("spec.listeners[0].hostname");
  });
});

describe("unknown inputs (Pulumi preview)", () => {
  it("an unknown class is assumed managed and G1 is deferred", () => {
    const r = check(gateway([{ name: "www-http", port: 80, protocol: "HTTP" }], {}, UNKNOWN));
    expect(r.valid).toBe(true);
    // G1 and its validating twin G5.
    expect(r.deferred.map((e) => e.field)).toEqual(["spec.listeners[0].hostname", "spec.listeners[0].hostname"]);
  });
  it("an unknown listener name may be a default listener", () => {
    const r = check(gateway([{ name: UNKNOWN, port: 80, protocol: "HTTP" }]));
    expect(r.valid).toBe(true);
    expect(r.deferred.map((e) => e.field)).toContain("spec.listeners[0].hostname");
  });
  it("unknown hostnames, ports, options and addresses defer their rules", () => {
    expect(check(gateway([http(UNKNOWN as string)])).valid).toBe(true);
    expect(check(gateway([http("www.example.com", { port: UNKNOWN })])).valid).toBe(true);
    expect(check(gateway([https({ options: UNKNOWN })])).valid).toBe(true);
    expect(check(gateway([http()], { addresses: UNKNOWN })).valid).toBe(true);
    expect(check(gateway([http()], { addresses: [{ value: UNKNOWN }] })).deferred.map((e) => e.field)).toEqual([]);
    expect(check(gateway([http()], { addresses: [{ value: UNKNOWN }] })).errors.map((e) => e.field)).toEqual(["spec.addresses"]);
  });
  it("a default listener's hostname is deferred while the Gateway's name is unknown", () => {
    const obj = { ...gateway([{ name: "default-http", port: 80, protocol: "HTTP", hostname: "www.example.com" }]), metadata: { name: UNKNOWN, namespace: "default" } };
    const r = check(obj, { operation: "UPDATE", oldObject: gateway([]) });
    expect(r.valid).toBe(true);
    expect(r.deferred.map((e) => e.field)).toEqual(["spec.listeners[0].hostname"]);
  });
});
