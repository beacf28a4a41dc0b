import { describe, expect, it } from "vitest";
import { resolveGuardrailConfig } from "../../provider/core/config";
import type { FieldError } from "../../provider/core/errors";
import { UNKNOWN } from "../../provider/core/unknown";
import { validate, type ValidateOptions } from "../../provider/core/validate";

/** HTTPRoute: the upstream CRD (with defaults) and NSO's validating webhook (R1–R11). */

type Json = Record<string, unknown>;

const SLICE = { group: "discovery.k8s.io", kind: "EndpointSlice", name: "web-0", port: 80 };

function route(spec: Json): Json {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "web", namespace: "default" }, spec: { parentRefs: [{ name: "web" }], ...spec } };
}

function withBackend(ref: Json, rule: Json = {}): Json {
  return route({ rules: [{ ...rule, backendRefs: [ref] }] });
}

function expectOnly(obj: Json, field: string, type: string, contains: string, opts: ValidateOptions = {}): void {
  const errs: FieldError[] = validate(obj, opts).errors;
  expect(errs, JSON.stringify(errs, null, 1)).toHaveLength(1);
  expect(errs[0]).toMatchObject({ field, type });
  expect(errs[0]?.message).toContain(contains);
}

function expectValid(obj: Json, opts: ValidateOptions = {}): void {
  const r = validate(obj, opts);
  expect(r.errors, JSON.stringify(r.errors, null, 1)).toEqual([]);
}

const serviceBackends = (() => {
  const r = resolveGuardrailConfig({ "gateway.httpRoutes": { allowServiceBackends: true } });
  if (!r.ok) throw new Error(r.errors.join());
  return r.config;
})();

describe("upstream HTTPRoute CRD", () => {
  it("defaults a missing rule list and backendRef group/kind/weight", () => {
    const r = validate(route({}));
    expect(r.valid).toBe(true);
    expect((r.object as { spec: Json }).spec["rules"]).toEqual([{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }]);
    const o = validate(withBackend({ name: "svc", port: 80 }), { config: serviceBackends }).object as { spec: { rules: { backendRefs: Json[] }[] } };
    expect(o.spec.rules[0]?.backendRefs[0]).toEqual({ name: "svc", port: 80, group: "", kind: "Service", weight: 1 });
  });
  it("a Service reference needs a port", () => {
    expectOnly(withBackend({ name: "svc" }), "spec.rules[0].backendRefs[0]", "Invalid", "Invalid value: Must have port for Service reference", { config: serviceBackends });
  });
  it("header values must be printable ASCII (v1.5)", () => {
    expectOnly(
      withBackend(SLICE, { filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x", value: "a\u0001b" }] } }] }),
      "spec.rules[0].filters[0].requestHeaderModifier.set[0].value",
      "Invalid",
      "should match '^[!-~]+([\\t ]?[!-~]+)*$'",
    );
    expectValid(withBackend(SLICE, { matches: [{ headers: [{ name: "x", value: "a b\tc" }] }] }));
  });
  it("CORS is single-use and the redirect/rewrite message names the Go types", () => {
    expectOnly(withBackend(SLICE, { filters: [{ type: "CORS", cors: {} }, { type: "CORS", cors: {} }] }), "spec.rules[0].filters", "Invalid", "CORS filter cannot be repeated");
    expectOnly(
      route({ rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: {} }, { type: "URLRewrite", urlRewrite: {} }] }] }),
      "spec.rules[0].filters",
      "Invalid",
      "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both",
    );
  });
  it("an empty match list is allowed, but not under ReplacePrefixMatch", () => {
    expectValid(withBackend(SLICE, { matches: [] }));
    expectOnly(
      route({ rules: [{ matches: [], filters: [{ type: "RequestRedirect", requestRedirect: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } }] }] }),
      "spec.rules[0]",
      "Invalid",
      "When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
    );
  });
  it("redirects exclude backendRefs (named so in the message)", () => {
    expectOnly(withBackend(SLICE, { filters: [{ type: "RequestRedirect", requestRedirect: {} }] }), "spec.rules[0]", "Invalid", "RequestRedirect filter must not be used together with backendRefs");
  });
  it("parentRefs to the same parent need distinct section names or ports", () => {
    expectOnly(route({ parentRefs: [{ name: "web" }, { name: "web" }] }), "spec.parentRefs", "Invalid", "sectionName or port must be unique when parentRefs includes 2 or more references to the same parent");
    expectOnly(route({ parentRefs: [{ name: "web", sectionName: "a" }, { name: "web" }] }), "spec.parentRefs", "Invalid", "sectionName or port must be specified when parentRefs includes 2 or more references to the same parent");
    expectValid(route({ parentRefs: [{ name: "web", sectionName: "a" }, { name: "web", sectionName: "b" }] }));
  });
  it("a backend timeout may not exceed the request timeout (0s = none)", () => {
    expectOnly(withBackend(SLICE, { timeouts: { request: "10s", backendRequest: "1m" } }), "spec.rules[0].timeouts", "Invalid", "backendRequest timeout cannot be longer than request timeout");
    expectValid(withBackend(SLICE, { timeouts: { request: "0s", backendRequest: "1h" } }));
    expectValid(withBackend(SLICE, { timeouts: { request: "60s", backendRequest: "1m" } }));
  });
  it("weights are 0..1000000; at most 16 backendRefs", () => {
    expectOnly(withBackend({ ...SLICE, weight: 1000001 }), "spec.rules[0].backendRefs[0].weight", "Invalid", "should be less than or equal to 1000000");
    expectOnly(route({ rules: [{ backendRefs: Array.from({ length: 17 }, () => SLICE) }] }), "spec.rules[0].backendRefs", "TooMany", "must have at most 16 items");
  });
});

describe("NSO HTTPRoute webhook", () => {
  it("R1–R3: parents are Gateways in the route's namespace", () => {
    expectOnly(route({ parentRefs: [{ group: "example.com", name: "web" }] }), "spec.parentRefs[0].group", "Invalid", 'Invalid value: "example.com": group must be unspecified or equal "gateway.networking.k8s.io"');
    expectOnly(route({ parentRefs: [{ kind: "Service", name: "web" }] }), "spec.parentRefs[0].kind", "Invalid", 'kind must unspecified or equal "Gateway"');
    expectOnly(route({ parentRefs: [{ namespace: "other", name: "web" }] }), "spec.parentRefs[0].namespace", "Invalid", "namespace must be unspecified or the same as the HTTPRoute's namespace");
    expectValid(route({ parentRefs: [{ namespace: "default", name: "web" }] }));
  });
  it("R4: hostnames are forbidden (an empty list is fine)", () => {
    expectOnly(route({ hostnames: ["www.example.com"] }), "spec.hostnames", "Forbidden", "hostnames are not permitted");
    expectValid(route({ hostnames: [] }));
  });
  it("R5–R7: filter policy as for HTTPProxy", () => {
    expectOnly(withBackend(SLICE, { filters: [{ type: "RequestMirror", requestMirror: { backendRef: SLICE } }] }), "spec.rules[0].filters[0].type", "NotSupported", '"CORS", "ExtensionRef", "RequestHeaderModifier", "RequestRedirect", "ResponseHeaderModifier", "URLRewrite"');
    expectOnly(withBackend({ ...SLICE, filters: [{ type: "CORS", cors: {} }] }), "spec.rules[0].backendRefs[0].filters[0].type", "NotSupported", '"ExtensionRef", "RequestHeaderModifier", "ResponseHeaderModifier"');
    expectOnly(
      withBackend(SLICE, { filters: [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "SecurityPolicy", name: "x" } }] }),
      "spec.rules[0].filters[0].extensionRef.kind",
      "NotSupported",
      'supported values: "HTTPRouteFilter"',
    );
  });
  it("R8: the defaulted core group is refused unless Service backends are allowed", () => {
    expectOnly(withBackend({ name: "svc", port: 80 }), "spec.rules[0].backendRefs[0].group", "Invalid", 'Invalid value: "": group must be one of [discovery.k8s.io, gateway.envoyproxy.io]');
    expectValid(withBackend({ name: "svc", port: 80 }), { config: serviceBackends });
    expectOnly(withBackend({ ...SLICE, group: "example.com" }), "spec.rules[0].backendRefs[0].group", "Invalid", "group must be one of [discovery.k8s.io, gateway.envoyproxy.io]");
    expectOnly(withBackend({ ...SLICE, group: "example.com" }), "spec.rules[0].backendRefs[0].group", "Invalid", "[, discovery.k8s.io, gateway.envoyproxy.io]", { config: serviceBackends });
  });
  it("R9: kinds per group", () => {
    expectOnly(withBackend({ ...SLICE, kind: "Service" }), "spec.rules[0].backendRefs[0].kind", "Invalid", 'kind must be one of [EndpointSlice] for group "discovery.k8s.io"');
    expectOnly(withBackend({ group: "gateway.envoyproxy.io", kind: "EndpointSlice", name: "b" }), "spec.rules[0].backendRefs[0].kind", "Invalid", 'kind must be one of [Backend] for group "gateway.envoyproxy.io"');
    expectValid(withBackend({ group: "gateway.envoyproxy.io", kind: "Backend", name: "b" }));
    expectOnly(withBackend({ name: "svc", kind: "Backend", port: 80 }), "spec.rules[0].backendRefs[0].kind", "Invalid", 'kind must be one of [Service] for group ""', { config: serviceBackends });
  });
  it("R10: backends in the route's namespace", () => {
    expectOnly(withBackend({ ...SLICE, namespace: "other" }), "spec.rules[0].backendRefs[0].namespace", "Invalid", "namespace must be unspecified or the same as the Route's namespace");
  });
  it("R11: EndpointSlice backends need a port", () => {
    expectOnly(withBackend({ group: "discovery.k8s.io", kind: "EndpointSlice", name: "web-0" }), "spec.rules[0].backendRefs[0].port", "Required", "port is required");
  });
  it("reports in NSO's order: parentRefs, hostnames, then each rule's filters and backendRefs", () => {
    const obj = route({
      parentRefs: [{ name: "web", namespace: "other" }],
      hostnames: ["a.example.com"],
      rules: [{ filters: [{ type: "RequestMirror", requestMirror: { backendRef: SLICE } }], backendRefs: [{ ...SLICE, namespace: "x", filters: [{ type: "CORS", cors: {} }] }] }],
    });
    expect(validate(obj).errors.map((e) => e.field)).toEqual([
      "spec.parentRefs[0].namespace",
      "spec.hostnames",
      "spec.rules[0].filters[0].type",
      "spec.rules[0].backendRefs[0].namespace",
      "spec.rules[0].backendRefs[0].filters[0].type",
    ]);
  });
  it("skips the webhook for spec-preserving updates", () => {
    const bad = route({ hostnames: ["a.example.com"] });
    expectValid({ ...bad, metadata: { name: "web", namespace: "default", labels: { a: "b" } } }, { operation: "UPDATE", oldObject: bad });
  });
});

describe("unknown inputs (Pulumi preview)", () => {
  it("an unknown group defers the group and kind rules", () => {
    const r = validate(withBackend({ ...SLICE, group: UNKNOWN }));
    expect(r.valid).toBe(true);
    expect(r.deferred.map((e) => e.field)).toEqual(["spec.rules[0].backendRefs[0].group"]);
  });
  it("an unknown kind under a known group", () => {
    const r = validate(withBackend({ ...SLICE, kind: UNKNOWN }));
    expect(r.valid).toBe(true);
    expect(r.deferred.map((e) => e.field)).toEqual(["spec.rules[0].backendRefs[0].kind"]);
  });
  it("an unknown port is present", () => {
    expect(validate(withBackend({ ...SLICE, port: UNKNOWN })).valid).toBe(true);
  });
  it("unknown hostnames may be an empty list", () => {
    const r = validate(route({ hostnames: UNKNOWN }));
    expect(r.valid).toBe(true);
    expect(r.deferred.map((e) => e.field)).toEqual(["spec.hostnames"]);
  });
  it("unknown parentRef fields", () => {
    expect(validate(route({ parentRefs: [{ name: "web", namespace: UNKNOWN, group: UNKNOWN, kind: UNKNOWN }] })).valid).toBe(true);
  });
});
