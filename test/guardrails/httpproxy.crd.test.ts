import { describe, expect, it } from "vitest";
import type { FieldError } from "../../provider/core/errors";
import { validate } from "../../provider/core/validate";

/** HTTPProxy CRD layer (docs/spec/guardrails.md §1.1, C1–C31): limits at and one past their boundary, messages, paths. */

type Json = Record<string, unknown>;

const BACKEND = { endpoint: "https://api.example.com" };

function proxy(spec: Json, name = "app"): Json {
  return { apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name, namespace: "default" }, spec };
}

function withRule(rule: Json): Json {
  return proxy({ rules: [{ backends: [BACKEND], ...rule }] });
}

function errorsOf(obj: Json): FieldError[] {
  return validate(obj).errors;
}

function expectOnly(obj: Json, field: string, type: string, contains: string): void {
  const errs = errorsOf(obj);
  expect(errs, JSON.stringify(errs, null, 1)).toHaveLength(1);
  expect(errs[0]).toMatchObject({ field, type });
  expect(errs[0]?.message).toContain(contains);
}

function expectValid(obj: Json): void {
  const r = validate(obj);
  expect(r.errors, JSON.stringify(r.errors, null, 1)).toEqual([]);
  expect(r.valid).toBe(true);
}

const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe("C1 spec and rules are required", () => {
  it("reports a missing spec", () => {
    expectOnly({ apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name: "app" } }, "spec", "Required", "Required value");
  });
  it("reports missing rules and treats null as missing", () => {
    expectOnly(proxy({}), "spec.rules", "Required", "Required value");
    expectOnly(proxy({ rules: null }), "spec.rules", "Required", "Required value");
  });
  it("reports a wrong type the way the API server does", () => {
    expectOnly(proxy({ rules: "x" }), "spec.rules", "Invalid", 'spec.rules in body must be of type array: "string"');
  });
});

describe("C2/C3 hostnames", () => {
  const hosts = (n: number) => times(n, (i) => `h${i}.example.com`);
  it("allows 16 and rejects 17", () => {
    expectValid(proxy({ hostnames: hosts(16), rules: [{ backends: [BACKEND] }] }));
    expectOnly(proxy({ hostnames: hosts(17), rules: [{ backends: [BACKEND] }] }), "spec.hostnames", "TooMany", "Too many: 17: must have at most 16 items");
  });
  it("allows 253 characters and rejects 254 (TooLong, no pattern error)", () => {
    const h = (n: number) => `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(n - 3 * 64)}`;
    expectValid(proxy({ hostnames: [h(253)], rules: [{ backends: [BACKEND] }] }));
    expectOnly(proxy({ hostnames: [h(254)], rules: [{ backends: [BACKEND] }] }), "spec.hostnames[0]", "TooLong", "Too long: may not be more than 253 bytes");
  });
  it("rejects uppercase, ports and trailing dots by pattern; empty by length", () => {
    for (const h of ["API.example.com", "example.com:443", "example.com."]) {
      expectOnly(proxy({ hostnames: [h], rules: [{ backends: [BACKEND] }] }), "spec.hostnames[0]", "Invalid", "in body should match '^(\\*\\.)?[a-z0-9]");
    }
    expectOnly(proxy({ hostnames: [""], rules: [{ backends: [BACKEND] }] }), "spec.hostnames[0]", "Invalid", "should be at least 1 chars long");
  });
});

describe("C4–C6 rules", () => {
  it("requires at least one rule and at most 16", () => {
    expectOnly(proxy({ rules: [] }), "spec.rules", "Invalid", "Invalid value: 0: spec.rules in body should have at least 1 items");
    expectValid(proxy({ rules: times(16, () => ({ backends: [BACKEND] })) }));
    expectOnly(proxy({ rules: times(17, () => ({ backends: [BACKEND] })) }), "spec.rules", "TooMany", "must have at most 16 items");
  });
  it("C5: named rules are unique, unnamed ones may repeat", () => {
    expectValid(proxy({ rules: [{ backends: [BACKEND] }, { backends: [BACKEND] }] }));
    expectOnly(
      proxy({ rules: [{ name: "a", backends: [BACKEND] }, { name: "a", backends: [BACKEND] }] }),
      "spec.rules",
      "Invalid",
      "Invalid value: Rule name must be unique within the route",
    );
  });
  it("C6: 128 matches in total pass (despite the message), 129 fail", () => {
    const rule = (n: number) => ({ matches: times(n, (i) => ({ path: { type: "Exact", value: `/p${i}` } })), backends: [BACKEND] });
    expectValid(proxy({ rules: [rule(64), rule(64)] }));
    expectOnly(
      proxy({ rules: [rule(64), rule(64), rule(1)] }),
      "spec.rules",
      "Invalid",
      "the total number of matches across all rules in a route must be less than 128",
    );
  });
  it("C7: rule names are lowercase DNS subdomains of at most 253 characters", () => {
    expectValid(withRule({ name: "a".repeat(253) }));
    expectOnly(withRule({ name: "a".repeat(254) }), "spec.rules[0].name", "TooLong", "may not be more than 253 bytes");
    expectOnly(withRule({ name: "Main" }), "spec.rules[0].name", "Invalid", "should match '^[a-z0-9]");
  });
  it("a blocking schema error (TooMany) suppresses CEL for the whole object", () => {
    const errs = errorsOf(proxy({ rules: times(17, () => ({ name: "same", backends: [BACKEND] })) }));
    expect(errs.map((e) => e.type)).toEqual(["TooMany"]);
  });
  it("an Invalid schema error does not suppress CEL", () => {
    const errs = errorsOf(proxy({ rules: [{ name: "Same", backends: [BACKEND] }, { name: "Same", backends: [BACKEND] }] }));
    expect(errs.map((e) => e.field).sort()).toEqual(["spec.rules", "spec.rules[0].name", "spec.rules[1].name"]);
  });
});

describe("C8–C13 matches", () => {
  it("defaults missing matches to one PathPrefix / match", () => {
    const r = validate(withRule({}));
    expect(r.valid).toBe(true);
    expect((r.object as { spec: { rules: { matches: unknown }[] } }).spec.rules[0]?.matches).toEqual([{ path: { type: "PathPrefix", value: "/" } }]);
  });
  it("C8: 1..64 matches", () => {
    expectOnly(withRule({ matches: [] }), "spec.rules[0].matches", "Invalid", "should have at least 1 items");
    expectValid(withRule({ matches: times(64, () => ({ method: "GET" })) }));
    expectOnly(withRule({ matches: times(65, () => ({ method: "GET" })) }), "spec.rules[0].matches", "TooMany", "must have at most 64 items");
  });
  it("C9: path type enum and 1024-character values", () => {
    expectOnly(withRule({ matches: [{ path: { type: "Prefix", value: "/" } }] }), "spec.rules[0].matches[0].path.type", "NotSupported", 'Unsupported value: "Prefix": supported values: "Exact", "PathPrefix", "RegularExpression"');
    expectValid(withRule({ matches: [{ path: { value: `/${"a".repeat(1023)}` } }] }));
    expectOnly(withRule({ matches: [{ path: { value: `/${"a".repeat(1024)}` } }] }), "spec.rules[0].matches[0].path.value", "TooLong", "may not be more than 1024 bytes");
  });
  it("C10: path value rules apply to Exact and PathPrefix only", () => {
    const cases: [string, string][] = [
      ["api", "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']"],
      ["/a//b", "must not contain '//'"],
      ["/a/./b", "must not contain '/./'"],
      ["/a/../b", "must not contain '/../'"],
      ["/a%2fb", "must not contain '%2f'"],
      ["/a%2Fb", "must not contain '%2F'"],
      ["/a/..", "must not end with '/..'"],
      ["/a/.", "must not end with '/.'"],
      ["/a b", "must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']"],
    ];
    for (const [value, message] of cases) {
      for (const type of ["Exact", "PathPrefix"]) {
        expectOnly(withRule({ matches: [{ path: { type, value } }] }), "spec.rules[0].matches[0].path", "Invalid", message);
      }
      expectValid(withRule({ matches: [{ path: { type: "RegularExpression", value } }] }));
    }
  });
  it("C10: a '#' breaks two rules at once; an empty value breaks two as well", () => {
    expect(errorsOf(withRule({ matches: [{ path: { value: "/a#b" } }] })).map((e) => e.message)).toEqual([
      "Invalid value: must not contain '#' when type one of ['Exact', 'PathPrefix']",
      "Invalid value: must only contain valid characters (matching ^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$) for types ['Exact', 'PathPrefix']",
    ]);
    expect(errorsOf(withRule({ matches: [{ path: { value: "" } }] }))).toHaveLength(2);
  });
  it("C11: header matches (≤16, list-map by name, token names, 1..4096 values)", () => {
    const headers = (n: number) => times(n, (i) => ({ name: `x-h${i}`, value: "v" }));
    expectValid(withRule({ matches: [{ headers: headers(16) }] }));
    expectOnly(withRule({ matches: [{ headers: headers(17) }] }), "spec.rules[0].matches[0].headers", "TooMany", "must have at most 16 items");
    expectOnly(
      withRule({ matches: [{ headers: [{ name: "x", value: "1" }, { name: "x", value: "2" }, { name: "x", value: "3" }] }] }),
      "spec.rules[0].matches[0].headers[1]",
      "Duplicate",
      'Duplicate value: {"name":"x"}',
    );
    expectOnly(withRule({ matches: [{ headers: [{ name: "x y", value: "1" }] }] }), "spec.rules[0].matches[0].headers[0].name", "Invalid", "should match");
    expectValid(withRule({ matches: [{ headers: [{ name: "x", value: "v".repeat(4096) }] }] }));
    expectOnly(withRule({ matches: [{ headers: [{ name: "x", value: "v".repeat(4097) }] }] }), "spec.rules[0].matches[0].headers[0].value", "TooLong", "4096 bytes");
    expectOnly(withRule({ matches: [{ headers: [{ name: "x" }] }] }), "spec.rules[0].matches[0].headers[0].value", "Required", "Required value");
    expectOnly(withRule({ matches: [{ headers: [{ name: "x", value: "1", type: "Prefix" }] }] }), "spec.rules[0].matches[0].headers[0].type", "NotSupported", '"Exact", "RegularExpression"');
  });
  it("C12: query params (values ≤1024)", () => {
    expectValid(withRule({ matches: [{ queryParams: [{ name: "q", value: "v".repeat(1024) }] }] }));
    expectOnly(withRule({ matches: [{ queryParams: [{ name: "q", value: "v".repeat(1025) }] }] }), "spec.rules[0].matches[0].queryParams[0].value", "TooLong", "1024 bytes");
  });
  it("C13: method enum", () => {
    expectOnly(withRule({ matches: [{ method: "get" }] }), "spec.rules[0].matches[0].method", "NotSupported", 'Unsupported value: "get": supported values: "GET", "HEAD"');
  });
});

describe("C14–C21 filters", () => {
  const ext = (name: string) => ({ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name } });
  const rhm = (m: Json) => ({ type: "RequestHeaderModifier", requestHeaderModifier: m });
  it("C14: at most 16 filters per rule and per backend", () => {
    expectValid(withRule({ filters: times(16, (i) => ext(`f${i}`)) }));
    expectOnly(withRule({ filters: times(17, (i) => ext(`f${i}`)) }), "spec.rules[0].filters", "TooMany", "must have at most 16 items");
    expectOnly(withRule({ backends: [{ ...BACKEND, filters: times(17, (i) => ext(`f${i}`)) }] }), "spec.rules[0].backends[0].filters", "TooMany", "must have at most 16 items");
  });
  it("C15: RequestRedirect and URLRewrite exclude each other", () => {
    expectOnly(
      proxy({ rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: {} }, { type: "URLRewrite", urlRewrite: {} }] }] }),
      "spec.rules[0].filters",
      "Invalid",
      "May specify either requestRedirect or urlRewrite, but not both",
    );
  });
  it("C16: single-use filter types; CORS may repeat in this CRD", () => {
    for (const [type, payload] of [
      ["RequestHeaderModifier", "requestHeaderModifier"],
      ["ResponseHeaderModifier", "responseHeaderModifier"],
      ["URLRewrite", "urlRewrite"],
    ] as const) {
      expectOnly(withRule({ filters: [{ type, [payload]: {} }, { type, [payload]: {} }] }), "spec.rules[0].filters", "Invalid", `${type} filter cannot be repeated`);
    }
    expectValid(withRule({ filters: [{ type: "CORS", cors: {} }, { type: "CORS", cors: {} }] }));
  });
  it("C17: filter type enum (ExternalAuth is not offered here)", () => {
    expectOnly(withRule({ filters: [{ type: "ExternalAuth" }] }), "spec.rules[0].filters[0].type", "NotSupported", 'Unsupported value: "ExternalAuth"');
  });
  it("C18: payload and type must agree", () => {
    expectOnly(withRule({ filters: [{ type: "RequestHeaderModifier" }] }), "spec.rules[0].filters[0]", "Invalid", "filter.requestHeaderModifier must be specified for RequestHeaderModifier filter.type");
    const errs = errorsOf(withRule({ filters: [{ type: "CORS", cors: {}, urlRewrite: {} }] }));
    expect(errs.map((e) => e.message)).toEqual(["Invalid value: filter.urlRewrite must be nil if the filter.type is not URLRewrite"]);
  });
  it("C19: header modifier lists", () => {
    const hs = (n: number) => times(n, (i) => ({ name: `x-${i}`, value: "v" }));
    expectValid(withRule({ filters: [rhm({ set: hs(16), add: hs(16), remove: times(16, (i) => `r${i}`) })] }));
    expectOnly(withRule({ filters: [rhm({ add: hs(17) })] }), "spec.rules[0].filters[0].requestHeaderModifier.add", "TooMany", "at most 16");
    expectOnly(withRule({ filters: [rhm({ remove: times(17, (i) => `r${i}`) })] }), "spec.rules[0].filters[0].requestHeaderModifier.remove", "TooMany", "at most 16");
    expectOnly(withRule({ filters: [rhm({ remove: ["a", "b", "a", "a"] })] }), "spec.rules[0].filters[0].requestHeaderModifier.remove[2]", "Duplicate", 'Duplicate value: "a"');
    expectOnly(withRule({ filters: [rhm({ set: [{ name: "x", value: "" }] })] }), "spec.rules[0].filters[0].requestHeaderModifier.set[0].value", "Invalid", "should be at least 1 chars long");
  });
  it("C20: redirect fields and the path-modifier pairs", () => {
    const redirect = (r: Json) => proxy({ rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: r }] }] });
    const p = "spec.rules[0].filters[0].requestRedirect";
    expectValid(redirect({ scheme: "https", hostname: "example.com", port: 65535, statusCode: 308 }));
    expectOnly(redirect({ port: 0 }), `${p}.port`, "Invalid", "should be greater than or equal to 1");
    expectOnly(redirect({ port: 65536 }), `${p}.port`, "Invalid", "should be less than or equal to 65535");
    expectOnly(redirect({ statusCode: 300 }), `${p}.statusCode`, "NotSupported", 'Unsupported value: 300: supported values: "301", "302", "303", "307", "308"');
    expectOnly(redirect({ scheme: "ftp" }), `${p}.scheme`, "NotSupported", '"http", "https"');
    expectOnly(redirect({ hostname: "*.example.com" }), `${p}.hostname`, "Invalid", "should match");
    expectOnly(redirect({ path: { type: "ReplaceFullPath" } }), `${p}.path`, "Invalid", "replaceFullPath must be specified when type is set to 'ReplaceFullPath'");
    // The wrong value field breaks both rule pairs.
    expect(errorsOf(redirect({ path: { type: "ReplacePrefixMatch", replaceFullPath: "/x" } }))).toEqual([
      { field: `${p}.path`, type: "Invalid", message: "Invalid value: type must be 'ReplaceFullPath' when replaceFullPath is set" },
      { field: `${p}.path`, type: "Invalid", message: "Invalid value: replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'" },
    ]);
    expectOnly(redirect({ path: { replacePrefixMatch: "/x" } }), `${p}.path.type`, "Required", "Required value");
    expectOnly(redirect({ path: { type: "ReplaceFullPath", replaceFullPath: "/".repeat(1025) } }), `${p}.path.replaceFullPath`, "TooLong", "1024 bytes");
  });
  it("C20: statusCode defaults to 302", () => {
    const r = validate(proxy({ rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: {} }] }] }));
    expect(JSON.stringify(r.object)).toContain('"statusCode":302');
  });
  it("C21: rewrite hostnames are precise lowercase hostnames", () => {
    expectOnly(withRule({ filters: [{ type: "URLRewrite", urlRewrite: { hostname: "Example.com" } }] }), "spec.rules[0].filters[0].urlRewrite.hostname", "Invalid", "should match");
  });
});

describe("C22/C23 rule-level filter rules", () => {
  const redirect = (path?: Json) => ({ type: "RequestRedirect", requestRedirect: path ? { path } : {} });
  const prefix = { type: "ReplacePrefixMatch", replacePrefixMatch: "/new" };
  it("C22: a redirect cannot have backends", () => {
    expectOnly(withRule({ filters: [redirect()] }), "spec.rules[0]", "Invalid", "RequestRedirect filter must not be used together with backends");
  });
  it("C23: ReplacePrefixMatch needs exactly one PathPrefix match (the default one counts)", () => {
    expectValid(proxy({ rules: [{ filters: [redirect(prefix)] }] }));
    expectValid(proxy({ rules: [{ matches: [{ path: { value: "/old" } }], filters: [redirect(prefix)] }] }));
    expectOnly(
      proxy({ rules: [{ matches: [{ path: { value: "/a" } }, { path: { value: "/b" } }], filters: [redirect(prefix)] }] }),
      "spec.rules[0]",
      "Invalid",
      "When using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
    );
    expectOnly(
      withRule({ matches: [{ path: { type: "Exact", value: "/a" } }], filters: [{ type: "URLRewrite", urlRewrite: { path: prefix } }] }),
      "spec.rules[0]",
      "Invalid",
      "When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
    );
  });
  it("C23: the backend-level variants (with their own wording)", () => {
    const exact = [{ path: { type: "Exact", value: "/a" } }];
    expectOnly(
      proxy({ rules: [{ matches: exact, backends: [{ ...BACKEND, filters: [{ type: "URLRewrite", urlRewrite: { path: prefix } }] }] }] }),
      "spec.rules[0]",
      "Invalid",
      "Within backends, When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
    );
    const errs = errorsOf(proxy({ rules: [{ matches: exact, backends: [{ ...BACKEND, filters: [redirect(prefix)] }] }] }));
    expect(errs.map((e) => e.message)).toContain(
      "Invalid value: Within backends, when using RequestRedirect filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified",
    );
  });
});

describe("C24–C26 CORS, extensionRef, mirror", () => {
  const cors = (c: Json) => withRule({ filters: [{ type: "CORS", cors: c }] });
  const p = "spec.rules[0].filters[0].cors";
  it("C24: a lone '*' and list sizes", () => {
    expectValid(cors({ allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"] }));
    expectOnly(cors({ allowOrigins: ["*", "https://a.com"] }), `${p}.allowOrigins`, "Invalid", "AllowOrigins cannot contain '*' alongside other origins");
    expectOnly(cors({ allowMethods: ["GET", "*"] }), `${p}.allowMethods`, "Invalid", "AllowMethods cannot contain '*' alongside other methods");
    expectOnly(cors({ allowHeaders: ["x", "*"] }), `${p}.allowHeaders`, "Invalid", "AllowHeaders cannot contain '*' alongside other methods");
    const origins = (n: number) => times(n, (i) => `https://o${i}.example.com`);
    expectValid(cors({ allowOrigins: origins(64) }));
    expectOnly(cors({ allowOrigins: origins(65) }), `${p}.allowOrigins`, "TooMany", "at most 64");
    expectOnly(cors({ allowOrigins: ["ftp://a.com"] }), `${p}.allowOrigins[0]`, "Invalid", "should match");
    expect(errorsOf(cors({ allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "*"] })).map((e) => e.type)).toEqual(["TooMany"]);
  });
  it("C24: maxAge ≥ 1, default 5", () => {
    expectOnly(cors({ maxAge: 0 }), `${p}.maxAge`, "Invalid", "should be greater than or equal to 1");
    expectValid(cors({ maxAge: 1 }));
    expect(JSON.stringify(validate(cors({})).object)).toContain('"maxAge":5');
  });
  it("C25: extensionRef fields", () => {
    expectOnly(withRule({ filters: [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter" } }] }), "spec.rules[0].filters[0].extensionRef.name", "Required", "Required value");
    expectOnly(withRule({ filters: [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "9x", name: "f" } }] }), "spec.rules[0].filters[0].extensionRef.kind", "Invalid", "should match");
  });
  it("C26: mirror percent or fraction, numerator ≤ denominator (default 100)", () => {
    const mirror = (m: Json) => withRule({ filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "m", port: 80 }, ...m } }] });
    const mp = "spec.rules[0].filters[0].requestMirror";
    expectOnly(mirror({ percent: 10, fraction: { numerator: 1 } }), mp, "Invalid", "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter");
    expectOnly(mirror({ fraction: { numerator: 101 } }), `${mp}.fraction`, "Invalid", "numerator must be less than or equal to denominator");
    expectOnly(mirror({ percent: 101 }), `${mp}.percent`, "Invalid", "should be less than or equal to 100");
    expectOnly(withRule({ filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "m" } } }] }), `${mp}.backendRef`, "Invalid", "Must have port for Service reference");
  });
});

describe("C27–C31 backends", () => {
  it("C27: at most one backend; none is a CRD-valid shape", () => {
    expectOnly(proxy({ rules: [{ backends: [BACKEND, BACKEND] }] }), "spec.rules[0].backends", "TooMany", "Too many: 2: must have at most 1 item");
  });
  it("C28: endpoint unless instance; instance excludes endpoint and connector", () => {
    const message = "endpoint is required unless instance is set, and instance is mutually exclusive with endpoint and connector";
    expectOnly(proxy({ rules: [{ backends: [{}] }] }), "spec.rules[0].backends[0]", "Invalid", message);
    expectOnly(proxy({ rules: [{ backends: [{ connector: { name: "c" } }] }] }), "spec.rules[0].backends[0]", "Invalid", message);
    expectOnly(proxy({ rules: [{ backends: [{ instance: { name: "vm", port: 80 }, connector: { name: "c" } }] }] }), "spec.rules[0].backends[0]", "Invalid", message);
    expectValid(proxy({ rules: [{ backends: [{ instance: { name: "vm", port: 80 } }] }] }));
  });
  it("C29/C30: connector.name, instance.name and instance.port are required; port 1..65535", () => {
    expectOnly(proxy({ rules: [{ backends: [{ ...BACKEND, connector: {} }] }] }), "spec.rules[0].backends[0].connector.name", "Required", "Required value");
    expectOnly(proxy({ rules: [{ backends: [{ instance: { name: "vm" } }] }] }), "spec.rules[0].backends[0].instance.port", "Required", "Required value");
    expectValid(proxy({ rules: [{ backends: [{ instance: { name: "vm", port: 65535 } }] }] }));
    expectOnly(proxy({ rules: [{ backends: [{ instance: { name: "vm", port: 65536 } }] }] }), "spec.rules[0].backends[0].instance.port", "Invalid", "should be less than or equal to 65535");
  });
  it("C31: tls.hostname is 1..253 characters", () => {
    const tls = (hostname: string) => proxy({ rules: [{ backends: [{ ...BACKEND, tls: { hostname } }] }] });
    expectOnly(tls(""), "spec.rules[0].backends[0].tls.hostname", "Invalid", "should be at least 1 chars long");
    expectOnly(tls("a".repeat(254)), "spec.rules[0].backends[0].tls.hostname", "TooLong", "may not be more than 253 bytes");
  });
});

describe("ObjectMeta (API server)", () => {
  it("requires a DNS-subdomain name", () => {
    expectOnly({ ...proxy({ rules: [{ backends: [BACKEND] }] }), metadata: {} }, "metadata.name", "Required", "name or generateName is required");
    expectOnly(proxy({ rules: [{ backends: [BACKEND] }] }, "App"), "metadata.name", "Invalid", "a lowercase RFC 1123 subdomain must consist of");
  });
});
