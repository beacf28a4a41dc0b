import { describe, expect, it } from "vitest";
import type { FieldError } from "../../provider/core/errors";
import { validate } from "../../provider/core/validate";

/** HTTPProxy validating webhook (docs/spec/guardrails.md §1.2, W1–W21) and its update semantics (§0.1). */

type Json = Record<string, unknown>;

function proxy(spec: Json, name = "app"): Json {
  return { apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name, namespace: "default" }, spec };
}

function backend(b: Json, rule: Json = {}): Json {
  return proxy({ rules: [{ ...rule, backends: [b] }] });
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
}

const EP = "spec.rules[0].backends[0].endpoint";
const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of";

describe("W1/W2 hostnames", () => {
  const withHosts = (hostnames: string[]) => proxy({ hostnames, rules: [{ backends: [{ endpoint: "http://api.example.com" }] }] });
  it("requires FQDNs, reported with the extra .hostname segment", () => {
    expectOnly(withHosts(["*.example.com"]), "spec.hostnames[0].hostname", "Invalid", `Invalid value: "*.example.com": ${SUBDOMAIN}`);
    expectOnly(withHosts(["localhost"]), "spec.hostnames[0].hostname", "Invalid", "should be a domain with at least two segments separated by dots");
    expectOnly(withHosts([`${"a".repeat(64)}.com`]), "spec.hostnames[0].hostname", "Invalid", `Invalid value: "${"a".repeat(64)}": must be no more than 63 characters`);
    expectValid(withHosts([`${"a".repeat(63)}.com`, "192.0.2.10"]));
  });
  it("reports each later duplicate", () => {
    const errs = errorsOf(withHosts(["a.example.com", "b.example.com", "a.example.com", "a.example.com"]));
    expect(errs.map((e) => [e.field, e.message])).toEqual([
      ["spec.hostnames[2].hostname", 'Duplicate value: "a.example.com"'],
      ["spec.hostnames[3].hostname", 'Duplicate value: "a.example.com"'],
    ]);
  });
});

describe("W3 metadata.name is a DNS label", () => {
  const named = (name: string) => proxy({ rules: [{ backends: [{ endpoint: "http://api.example.com" }] }] }, name);
  it("allows 63 characters and rejects 64 and dots", () => {
    expectValid(named("a".repeat(63)));
    expectOnly(named("a".repeat(64)), "metadata.name", "Invalid", "must be no more than 63 characters");
    expectOnly(named("app.v1"), "metadata.name", "Invalid", 'Invalid value: "app.v1": must not contain dots');
  });
});

describe("W4–W6 filter policy", () => {
  it("W4: rule filters exclude RequestMirror", () => {
    expectOnly(
      backend({ endpoint: "http://a.example.com" }, { filters: [{ type: "RequestMirror", requestMirror: { backendRef: { name: "m", port: 80 } } }] }),
      "spec.rules[0].filters[0].type",
      "NotSupported",
      'Unsupported value: "RequestMirror": supported values: "CORS", "ExtensionRef", "RequestHeaderModifier", "RequestRedirect", "ResponseHeaderModifier", "URLRewrite"',
    );
  });
  it("W5: backend filters are header modifiers and extension refs only", () => {
    expectOnly(
      backend({ endpoint: "http://a.example.com", filters: [{ type: "CORS", cors: {} }] }),
      "spec.rules[0].backends[0].filters[0].type",
      "NotSupported",
      'supported values: "ExtensionRef", "RequestHeaderModifier", "ResponseHeaderModifier"',
    );
  });
  it("W6: extension refs point at Envoy Gateway HTTPRouteFilters", () => {
    const errs = errorsOf(backend({ endpoint: "http://a.example.com" }, { filters: [{ type: "ExtensionRef", extensionRef: { group: "", kind: "Filter", name: "f" } }] }));
    expect(errs.map((e) => [e.field, e.message])).toEqual([
      ["spec.rules[0].filters[0].extensionRef.group", 'Unsupported value: "": supported values: "gateway.envoyproxy.io"'],
      ["spec.rules[0].filters[0].extensionRef.kind", 'Unsupported value: "Filter": supported values: "HTTPRouteFilter"'],
    ]);
  });
});

describe("W7 Host header override", () => {
  const host = (set: Json[], at: "rule" | "backend" = "rule") => {
    const filters = [{ type: "RequestHeaderModifier", requestHeaderModifier: { set } }];
    return at === "rule" ? backend({ endpoint: "http://a.example.com" }, { filters }) : backend({ endpoint: "http://a.example.com", filters });
  };
  const V = "spec.rules[0].filters[0].requestHeaderModifier.set";
  it("accepts mixed case and single labels (lowercased by NSO)", () => {
    expectValid(host([{ name: "HOST", value: "API.Example.com" }]));
    expectValid(host([{ name: "host", value: "localhost" }]));
  });
  it("reports ports, length and other shapes with NSO's details", () => {
    expectOnly(host([{ name: "Host", value: "API.example.com:8443" }]), `${V}[0].value`, "Invalid", 'must not include a port; use "API.example.com" and set the port on the backend endpoint');
    expectOnly(host([{ name: "Host", value: "*.example.com" }]), `${V}[0].value`, "Invalid", "wildcards are not permitted");
    expectOnly(host([{ name: "Host", value: `${"a".repeat(250)}.com` }]), `${V}[0].value`, "Invalid", "must be no more than 253 characters");
  });
  it("checks only the first Host entry, wherever it is in the list", () => {
    expectOnly(host([{ name: "x-a", value: "!" }, { name: "host", value: "a b" }, { name: "Host", value: "also bad" }]), `${V}[1].value`, "Invalid", "must be a hostname");
  });
  it("applies at backend level too", () => {
    expectOnly(host([{ name: "Host", value: "a_b" }], "backend"), "spec.rules[0].backends[0].filters[0].requestHeaderModifier.set[0].value", "Invalid", "must be a hostname");
  });
});

describe("W8 a backend unless the rule redirects", () => {
  it("requires a backend on a rule without a RequestRedirect", () => {
    expectOnly(proxy({ rules: [{}] }), "spec.rules[0].backends", "Required", "a backend is required unless a RequestRedirect filter is present on the rule");
    expectOnly(proxy({ rules: [{ backends: [] }] }), "spec.rules[0].backends", "Required", "a backend is required");
    expectValid(proxy({ rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "example.com" } }] }] }));
  });
});

describe("W9–W18 endpoints", () => {
  const ep = (endpoint: string, extra: Json = {}) => backend({ endpoint, ...extra });
  it("W9: reports Go's parse error", () => {
    // Without "//" Go reads "api.example.com" as the scheme and "8080" as an opaque part.
    expect(errorsOf(ep("api.example.com:8080")).map((e) => [e.field, e.type])).toEqual([
      [`${EP}[scheme]`, "NotSupported"],
      [`${EP}[host]`, "Required"],
    ]);
    expectOnly(ep("://x"), EP, "Invalid", 'invalid endpoint: parse "://x": missing protocol scheme');
    expectOnly(ep("http://a.example.com:80a"), EP, "Invalid", 'invalid endpoint: parse "http://a.example.com:80a": invalid port ":80a" after host');
    expectOnly(ep("http://[::1"), EP, "Invalid", `missing ']' in host`);
    expectOnly(ep("http://[192.0.2.1]"), EP, "Invalid", "invalid IP-literal");
    expectOnly(ep("http://a::b"), EP, "Invalid", 'invalid port "::b" after host');
    expectOnly(ep("http://a.example.com/%zz#frag"), EP, "Invalid", 'parse "http://a.example.com/%zz": invalid URL escape "%zz"');
  });
  it("W10: http and https only (scheme case is ignored)", () => {
    expectOnly(ep("ftp://a.example.com"), `${EP}[scheme]`, "NotSupported", 'Unsupported value: "ftp": supported values: "http", "https"');
    expectValid(ep("HTTPS://a.example.com"));
  });
  it("W11: no userinfo (the password is redacted)", () => {
    expectOnly(ep("https://user:secret@a.example.com"), `${EP}[userinfo]`, "Invalid", 'Invalid value: "user:redacted": endpoint must not have a userinfo component');
  });
  it("W12: IP ranges, with the loopback exemption for connectors", () => {
    const cases: [string, string][] = [
      ["http://0.0.0.0", "may not be unspecified (0.0.0.0)"],
      ["http://[::]", "may not be unspecified (::)"],
      ["http://127.0.0.1", "may not be in the loopback range (127.0.0.0/8, ::1/128)"],
      ["http://[::ffff:127.0.0.1]", "may not be in the loopback range"],
      ["http://169.254.169.254", "may not be in the link-local range (169.254.0.0/16, fe80::/10)"],
      ["http://[fe80::1]", "may not be in the link-local range"],
      ["http://224.0.0.251", "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"],
      ["http://[ff02::1]", "may not be in the link-local multicast range"],
    ];
    for (const [endpoint, message] of cases) expectOnly(ep(endpoint), `${EP}[host]`, "Invalid", message);
    expectValid(ep("http://127.0.0.1", { connector: { name: "tunnel" } }));
    expectValid(ep("http://[::1]:8080", { connector: { name: "tunnel" } }));
    expectOnly(ep("http://169.254.1.1", { connector: { name: "tunnel" } }), `${EP}[host]`, "Invalid", "link-local range");
    for (const ok of ["http://10.0.0.1", "http://172.16.0.1", "http://192.168.1.1", "http://224.0.1.1", "http://[fd00::1]"]) expectValid(ep(ok));
  });
  it("W13: names are FQDNs; localhost only through a connector; 127.1 is a (valid) name", () => {
    expectOnly(ep("http://localhost"), `${EP}[host]`, "Invalid", "should be a domain with at least two segments separated by dots");
    expectValid(ep("http://localhost:3000", { connector: { name: "tunnel" } }));
    expectOnly(ep("http://API.example.com"), `${EP}[host]`, "Invalid", SUBDOMAIN);
    expectValid(ep("http://127.1"));
    expectOnly(ep("http://[fe80::1%25eth0]"), `${EP}[host]`, "Invalid", `Invalid value: "fe80::1%eth0": ${SUBDOMAIN}`);
    expectOnly(ep("http://:8080"), `${EP}[host]`, "Required", "Required value");
  });
  it("W14: HTTPS to an IP needs tls.hostname", () => {
    expectOnly(ep("https://192.0.2.1"), "spec.rules[0].backends[0].tls.hostname", "Required", "tls.hostname is required for HTTPS endpoints with IP addresses");
    expectOnly(ep("https://[2001:db8::1]:8443", { tls: {} }), "spec.rules[0].backends[0].tls.hostname", "Required", "tls.hostname is required");
    expectValid(ep("https://192.0.2.1", { tls: { hostname: "origin.example.com" } }));
    expectValid(ep("http://192.0.2.1"));
  });
  it("W15: ports 1..65535; digits beyond int64 are not a number", () => {
    expectValid(ep("http://a.example.com:1"));
    expectValid(ep("http://a.example.com:065535"));
    expectOnly(ep("http://a.example.com:0"), `${EP}[port]`, "Invalid", 'Invalid value: "0": must be between 1 and 65535, inclusive');
    expectOnly(ep("http://a.example.com:65536"), `${EP}[port]`, "Invalid", "must be between 1 and 65535, inclusive");
    expectOnly(ep("http://a.example.com:99999999999999999999"), `${EP}[port]`, "Invalid", "must be a number");
    expectValid(ep("http://a.example.com:"));
  });
  it("W16–W18: no path (not even /), query or fragment; empty ? and # are not components", () => {
    expectOnly(ep("http://a.example.com/"), `${EP}[path]`, "Invalid", 'Invalid value: "/": endpoint must not have a path component');
    expectOnly(ep("http://a.example.com?x=1"), `${EP}[query]`, "Invalid", 'Invalid value: "x=1": endpoint must not have a query component');
    expectOnly(ep("http://a.example.com#top"), `${EP}[fragment]`, "Invalid", 'Invalid value: "top": endpoint must not have a fragment component');
    expectValid(ep("http://a.example.com?"));
    expectValid(ep("http://a.example.com#"));
  });
  it("reports an endpoint's problems in NSO's order", () => {
    const errs = errorsOf(ep("ftp://u@127.0.0.1:0/p?q#f"));
    expect(errs.map((e) => e.field)).toEqual([`${EP}[scheme]`, `${EP}[userinfo]`, `${EP}[host]`, `${EP}[port]`, `${EP}[path]`, `${EP}[query]`, `${EP}[fragment]`]);
  });
});

describe("W19–W21 tls.hostname, connector and instance names", () => {
  it("W19: tls.hostname is a programmable hostname", () => {
    const tls = (hostname: string) => backend({ endpoint: "https://a.example.com", tls: { hostname } });
    expectValid(tls("Origin.Example.com"));
    expectOnly(tls("origin.example.com:443"), "spec.rules[0].backends[0].tls.hostname", "Invalid", 'must not include a port; use "origin.example.com"');
    expectOnly(tls("*.example.com"), "spec.rules[0].backends[0].tls.hostname", "Invalid", "wildcards are not permitted");
  });
  it("W20: connector names are DNS labels", () => {
    const conn = (name: string) => backend({ endpoint: "http://127.0.0.1", connector: { name } });
    expectOnly(conn(""), "spec.rules[0].backends[0].connector.name", "Required", "connector name is required");
    expectOnly(conn("Tunnel"), "spec.rules[0].backends[0].connector.name", "Invalid", "a lowercase RFC 1123 label must consist of");
    expectOnly(conn("a.b"), "spec.rules[0].backends[0].connector.name", "Invalid", "must not contain dots");
    expectValid(conn("a".repeat(63)));
  });
  it("W21: instance names are DNS subdomains; instance backends skip endpoint checks", () => {
    const inst = (name: string) => backend({ instance: { name, port: 8080 } });
    expectOnly(inst(""), "spec.rules[0].backends[0].instance.name", "Required", "instance name is required");
    expectOnly(inst("VM"), "spec.rules[0].backends[0].instance.name", "Invalid", SUBDOMAIN);
    expectValid(inst("vm-1.pool"));
  });
});

describe("error order across the object", () => {
  it("hostnames, then metadata.name, then rules (filters, Host override, backends)", () => {
    const obj = proxy(
      {
        hostnames: ["example"],
        rules: [
          {
            filters: [
              { type: "RequestMirror", requestMirror: { backendRef: { name: "m", port: 80 } } },
              { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "Host", value: "a b" }] } },
            ],
            backends: [{ endpoint: "ftp://a.example.com", tls: { hostname: "x:1" }, connector: { name: "C" } }],
          },
        ],
      },
      "a.b",
    );
    expect(errorsOf(obj).map((e) => e.field)).toEqual([
      "spec.hostnames[0].hostname",
      "metadata.name",
      "spec.rules[0].filters[0].type",
      "spec.rules[0].filters[1].requestHeaderModifier.set[0].value",
      `${EP}[scheme]`,
      "spec.rules[0].backends[0].tls.hostname",
      "spec.rules[0].backends[0].connector.name",
    ]);
  });
});

describe("update semantics (§0.1)", () => {
  const bad = proxy({ rules: [{ backends: [{ endpoint: "http://api.example.com/" }] }] });
  const relabelled = { ...bad, metadata: { name: "app", namespace: "default", labels: { team: "web" } } };
  it("skips the webhook when the spec is unchanged, even for a grandfathered object", () => {
    expect(validate(relabelled, { operation: "UPDATE", oldObject: bad }).valid).toBe(true);
  });
  it("treats an absent list and an empty one as equal specs", () => {
    const old = proxy({ hostnames: [], rules: [{ backends: [{ endpoint: "http://api.example.com/" }] }] });
    expect(validate(relabelled, { operation: "UPDATE", oldObject: old }).valid).toBe(true);
  });
  it("re-validates the whole spec on any spec change", () => {
    const changed = proxy({ rules: [{ name: "main", backends: [{ endpoint: "http://api.example.com/" }] }] });
    expectOnly(changed, `${EP}[path]`, "Invalid", "endpoint must not have a path component");
    expect(validate(changed, { operation: "UPDATE", oldObject: bad }).valid).toBe(false);
  });
  it("skips the webhook while the object is being deleted", () => {
    const deleting = { ...bad, metadata: { name: "app", deletionTimestamp: "2024-01-01T00:00:00Z" }, spec: { rules: [{ name: "x", backends: [{ endpoint: "http://api.example.com/" }] }] } };
    expect(validate(deleting, { operation: "UPDATE", oldObject: bad }).valid).toBe(true);
  });
  it("still applies the CRD layer on update", () => {
    const invalid = proxy({ rules: [] });
    expect(validate(invalid, { operation: "UPDATE", oldObject: bad }).errors[0]?.field).toBe("spec.rules");
  });
});
