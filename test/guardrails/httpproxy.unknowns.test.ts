import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../provider/core/unknown";
import { validate } from "../../provider/core/validate";

/**
 * Pulumi preview: a rule whose deciding value is not known yet is deferred — never reported as
 * an error — while rules that are decidable still fail.
 */

type Json = Record<string, unknown>;

function proxy(spec: Json, name: unknown = "app"): Json {
  return { apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name, namespace: "default" }, spec };
}

function expectDeferred(obj: Json, field: string, contains: string): void {
  const r = validate(obj);
  expect(r.errors, JSON.stringify(r.errors, null, 1)).toEqual([]);
  expect(r.valid).toBe(true);
  expect(r.deferred.some((e) => e.field === field && e.message.includes(contains)), JSON.stringify(r.deferred, null, 1)).toBe(true);
}

const redirect = { type: "RequestRedirect", requestRedirect: { hostname: "example.com" } };

describe("CRD rules with unknown inputs", () => {
  it("C5: rule names that may turn out equal", () => {
    expectDeferred(
      proxy({ rules: [{ name: UNKNOWN, backends: [{ endpoint: "http://a.example.com" }] }, { name: UNKNOWN, backends: [{ endpoint: "http://a.example.com" }] }] }),
      "spec.rules",
      "Rule name must be unique",
    );
  });
  it("C10: an unknown path type or value", () => {
    expectDeferred(proxy({ rules: [{ matches: [{ path: { type: "Exact", value: UNKNOWN } }], backends: [{ endpoint: "http://a.example.com" }] }] }), "spec.rules[0].matches[0].path", "absolute path");
  });
  it("C18: an unknown filter type with a payload", () => {
    expectDeferred(
      proxy({ rules: [{ filters: [{ type: UNKNOWN, cors: {} }], backends: [{ endpoint: "http://a.example.com" }] }] }),
      "spec.rules[0].filters[0]",
      "filter.cors must be nil",
    );
  });
  it("C23: unknown matches under a ReplacePrefixMatch redirect", () => {
    expectDeferred(
      proxy({ rules: [{ matches: UNKNOWN, filters: [{ type: "RequestRedirect", requestRedirect: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/" } } }] }] }),
      "spec.rules[0]",
      "exactly one PathPrefix match",
    );
  });
  it("a count of a known list stays decidable when its items are unknown", () => {
    const r = validate(proxy({ hostnames: Array.from({ length: 17 }, () => UNKNOWN), rules: [{ backends: [{ endpoint: "http://a.example.com" }] }] }));
    expect(r.valid).toBe(false);
    expect(r.errors).toMatchObject([{ field: "spec.hostnames", type: "TooMany" }]);
  });
  it("unknown values are not type-checked", () => {
    const r = validate(proxy({ rules: [{ backends: [{ endpoint: "http://a.example.com", tls: UNKNOWN, connector: UNKNOWN }] }] }));
    expect(r.errors).toEqual([]);
  });
});

describe("webhook rules with unknown inputs", () => {
  it("W1/W2: unknown hostnames", () => {
    expectDeferred(proxy({ hostnames: [UNKNOWN, UNKNOWN], rules: [{ backends: [{ endpoint: "http://a.example.com" }] }] }), "spec.hostnames[1].hostname", "Duplicate value");
  });
  it("W2: a duplicate of known hostnames is still reported", () => {
    const r = validate(proxy({ hostnames: ["a.example.com", UNKNOWN, "a.example.com"], rules: [{ backends: [{ endpoint: "http://a.example.com" }] }] }));
    expect(r.valid).toBe(true); // which entry repeats depends on the whole list
    expect(r.deferred.map((e) => e.field)).toContain("spec.hostnames[2].hostname");
  });
  it("W8: an unknown filter type may be the RequestRedirect", () => {
    expectDeferred(proxy({ rules: [{ filters: [{ type: UNKNOWN, requestRedirect: { hostname: "example.com" } }] }] }), "spec.rules[0].backends", "a backend is required");
  });
  it("W8: unknown backends are not missing", () => {
    expect(validate(proxy({ rules: [{ backends: UNKNOWN }] })).valid).toBe(true);
  });
  it("W9–W18: an unknown endpoint", () => {
    expectDeferred(proxy({ rules: [{ backends: [{ endpoint: UNKNOWN }] }] }), "spec.rules[0].backends[0].endpoint[scheme]", "Unsupported value");
  });
  it("W12/W13: an unknown connector decides the loopback and localhost exemptions", () => {
    expectDeferred(proxy({ rules: [{ backends: [{ endpoint: "http://127.0.0.1", connector: UNKNOWN }] }] }), "spec.rules[0].backends[0].endpoint[host]", "loopback");
    expectDeferred(proxy({ rules: [{ backends: [{ endpoint: "http://localhost", connector: UNKNOWN }] }] }), "spec.rules[0].backends[0].endpoint[host]", "two segments");
  });
  it("W12: a known-absent connector still rejects loopback", () => {
    expect(validate(proxy({ rules: [{ backends: [{ endpoint: "http://127.0.0.1", tls: UNKNOWN }] }] })).valid).toBe(false);
  });
  it("W14: an unknown tls block may carry the hostname", () => {
    expect(validate(proxy({ rules: [{ backends: [{ endpoint: "https://192.0.2.1", tls: UNKNOWN }] }] })).valid).toBe(true);
    // Whether https goes to an IP is not known yet either.
    expect(validate(proxy({ rules: [{ backends: [{ endpoint: UNKNOWN }] }] })).valid).toBe(true);
  });
  it("W9–W18 vs W21: an unknown instance decides whether the endpoint is checked", () => {
    expectDeferred(proxy({ rules: [{ backends: [{ endpoint: "ftp://a.example.com", instance: UNKNOWN }] }] }), "spec.rules[0].backends[0].endpoint[scheme]", '"ftp"');
  });
  it("W3: an unknown name", () => {
    expect(validate(proxy({ rules: [{ backends: [{ endpoint: "http://a.example.com" }] }] }, UNKNOWN)).valid).toBe(true);
  });
  it("W7: an unknown filter list hides which entry is the Host override", () => {
    const filters = [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "Host", value: "a b" }] } }, UNKNOWN];
    expectDeferred(proxy({ rules: [{ filters, backends: [{ endpoint: "http://a.example.com" }] }] }), "spec.rules[0].filters[0].requestHeaderModifier.set[0].value", "must be a hostname");
  });
  it("a redirect-only rule stays valid when its redirect details are unknown", () => {
    expect(validate(proxy({ rules: [{ filters: [{ ...redirect, requestRedirect: UNKNOWN }] }] })).valid).toBe(true);
  });
});
