import fc from "fast-check";

/**
 * fast-check arbitraries for HTTPProxy manifests that NSO admits (every guardrail layer passes).
 * Shared by the guardrail property tests, the render tests and the benchmarks.
 */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const DIGITS = "0123456789";

function chars(alphabet: string, min: number, max: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...alphabet.split("")), minLength: min, maxLength: max });
}

/** A DNS-1123 label of 1..max characters. */
export function dnsLabel(max = 12): fc.Arbitrary<string> {
  const edge = LOWER + DIGITS;
  return fc
    .tuple(chars(edge, 1, 1), chars(edge + "-", 0, Math.max(0, max - 2)), chars(edge, 0, 1))
    .map(([a, mid, b]) => (b === "" ? a : `${a}${mid}${b}`))
    .filter((s) => s.length <= max);
}

/** A lowercase FQDN with 2..4 labels (never an IP-looking string). */
export const fqdn: fc.Arbitrary<string> = fc
  .tuple(fc.array(dnsLabel(10), { minLength: 1, maxLength: 3 }), fc.constantFrom("com", "net", "example", "io", "dev"))
  .map(([labels, tld]) => [...labels, tld].join("."));

/** Hostname as a user may write it where NSO lowercases it (Host override, tls.hostname). */
const mixedCaseHostname: fc.Arbitrary<string> = fc
  .tuple(fqdn, fc.boolean())
  .map(([h, upper]) => (upper ? h.charAt(0).toUpperCase() + h.slice(1) : h));

/** RFC 7230 token characters (header names). */
const TOKEN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";
const headerName: fc.Arbitrary<string> = chars(TOKEN, 1, 20).filter((n) => n.toLowerCase() !== "host");
/** CORS header lists: a lone `*` means "any" and may not be mixed with names. */
const corsHeaderName = headerName.filter((n) => n !== "*");
const headerValue: fc.Arbitrary<string> = fc.string({ minLength: 1, maxLength: 30 });

/** A path value every Exact/PathPrefix rule accepts. */
const pathSegment = chars(LOWER + DIGITS + "-_~", 1, 8);
const absolutePath: fc.Arbitrary<string> = fc
  .tuple(fc.array(pathSegment, { maxLength: 4 }), fc.boolean())
  .map(([segs, slash]) => `/${segs.join("/")}${slash && segs.length > 0 ? "/" : ""}`);

const pathMatch: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.record({ type: fc.constantFrom("Exact", "PathPrefix"), value: absolutePath }),
  fc.record({ type: fc.constant("RegularExpression"), value: fc.constantFrom("/api/v[0-9]+", "^/(a|b)/.*$", ".*") }),
  fc.record({ type: fc.constant("PathPrefix") }, { requiredKeys: [] }),
);

function uniqueByName(min: number, max: number, value: fc.Arbitrary<string>): fc.Arbitrary<JsonObject[]> {
  return fc.uniqueArray(fc.record({ name: headerName, value }), { minLength: min, maxLength: max, selector: (h) => h.name });
}

const match: fc.Arbitrary<JsonObject> = fc.record(
  {
    path: pathMatch,
    headers: uniqueByName(1, 3, headerValue).map((hs) => hs.map((h) => ({ ...h, type: "Exact" }))),
    queryParams: uniqueByName(1, 3, fc.string({ minLength: 1, maxLength: 20 })),
    method: fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"),
  },
  { requiredKeys: [] },
);

/** A header modifier; `withHost` adds a Host override (first `set` entry) that NSO accepts. */
function headerModifier(withHost: boolean): fc.Arbitrary<JsonObject> {
  return fc
    .tuple(uniqueByName(0, 3, headerValue), uniqueByName(0, 3, headerValue), fc.uniqueArray(headerName, { maxLength: 3 }), mixedCaseHostname)
    .map(([set, add, remove, host]) => {
      const m: JsonObject = {};
      const sets = withHost ? [{ name: "Host", value: host }, ...set] : set;
      if (sets.length) m["set"] = sets;
      if (add.length) m["add"] = add;
      if (remove.length) m["remove"] = remove;
      return m;
    });
}

const extensionRef: fc.Arbitrary<JsonObject> = dnsLabel(20).map((name) => ({
  type: "ExtensionRef",
  extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name },
}));

const cors: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      allowOrigins: fc.oneof(fc.constant(["*"]), fc.uniqueArray(fqdn.map((h) => `https://${h}`), { minLength: 1, maxLength: 3 })),
      allowMethods: fc.uniqueArray(fc.constantFrom("GET", "POST", "PUT", "DELETE"), { minLength: 1, maxLength: 4 }),
      allowHeaders: fc.uniqueArray(corsHeaderName, { minLength: 1, maxLength: 3 }),
      exposeHeaders: fc.uniqueArray(headerName, { minLength: 1, maxLength: 3 }),
      allowCredentials: fc.boolean(),
      maxAge: fc.integer({ min: 1, max: 86400 }),
    },
    { requiredKeys: [] },
  )
  .map((c) => ({ type: "CORS", cors: c as Json }));

/** `exactlyOnePrefix`: whether the rule has the single PathPrefix match ReplacePrefixMatch needs. */
function pathModifier(exactlyOnePrefix: boolean): fc.Arbitrary<JsonObject> {
  const full = absolutePath.map((p) => ({ type: "ReplaceFullPath", replaceFullPath: p }));
  return exactlyOnePrefix ? fc.oneof(full, absolutePath.map((p) => ({ type: "ReplacePrefixMatch", replacePrefixMatch: p }))) : full;
}

function redirect(exactlyOnePrefix: boolean): fc.Arbitrary<JsonObject> {
  return fc
    .record(
      {
        scheme: fc.constantFrom("http", "https"),
        hostname: fqdn,
        port: fc.integer({ min: 1, max: 65535 }),
        statusCode: fc.constantFrom(301, 302, 303, 307, 308),
        path: pathModifier(exactlyOnePrefix),
      },
      { requiredKeys: [] },
    )
    .map((r) => ({ type: "RequestRedirect", requestRedirect: r as Json }));
}

function rewrite(exactlyOnePrefix: boolean): fc.Arbitrary<JsonObject> {
  return fc
    .record({ hostname: fqdn, path: pathModifier(exactlyOnePrefix) }, { requiredKeys: [] })
    .map((r) => ({ type: "URLRewrite", urlRewrite: r as Json }));
}

const PUBLIC_OR_PRIVATE_IPV4 = ["10.0.0.7", "172.16.4.2", "192.168.1.10", "192.0.2.10", "203.0.113.5", "198.51.100.77"];
const IPV6 = ["2001:db8::1", "fd00::1", "2001:db8:85a3::8a2e:370:7334"];

const port: fc.Arbitrary<string> = fc.oneof(fc.constant(""), fc.integer({ min: 1, max: 65535 }).map((p) => `:${p}`));

/** Endpoint/connector/instance backends, each admissible as generated. */
const backendTarget: fc.Arbitrary<JsonObject> = fc.oneof(
  fc.tuple(fc.constantFrom("http", "https"), fqdn, port, fc.option(mixedCaseHostname, { nil: undefined })).map(([scheme, host, p, sni]) => ({
    endpoint: `${scheme}://${host}${p}`,
    ...(sni !== undefined && { tls: { hostname: sni } }),
  })),
  fc
    .tuple(fc.constantFrom("http", "https"), fc.oneof(fc.constantFrom(...PUBLIC_OR_PRIVATE_IPV4), fc.constantFrom(...IPV6).map((ip) => `[${ip}]`)), port, mixedCaseHostname)
    .map(([scheme, host, p, sni]) => ({
      endpoint: `${scheme}://${host}${p}`,
      ...(scheme === "https" && { tls: { hostname: sni } }),
    })),
  fc
    .tuple(fc.constantFrom("http://localhost", "http://127.0.0.1", "https://[::1]", "http://10.1.2.3"), port, dnsLabel(20), mixedCaseHostname)
    .map(([base, p, name, sni]) => ({
      endpoint: `${base}${p}`,
      connector: { name },
      ...(base.startsWith("https") && { tls: { hostname: sni } }),
    })),
  fc.tuple(dnsLabel(20), fc.integer({ min: 1, max: 65535 })).map(([name, p]) => ({ instance: { name, port: p } })),
);

const backendFilters: fc.Arbitrary<JsonObject[]> = fc
  .record(
    {
      request: fc.tuple(fc.boolean(), fc.boolean()).chain(([, host]) => headerModifier(host)),
      response: headerModifier(false),
      ext: extensionRef,
    },
    { requiredKeys: [] },
  )
  .map((f) => [
    ...(f.request ? [{ type: "RequestHeaderModifier", requestHeaderModifier: f.request }] : []),
    ...(f.response ? [{ type: "ResponseHeaderModifier", responseHeaderModifier: f.response }] : []),
    ...(f.ext ? [f.ext] : []),
  ]);

const backend: fc.Arbitrary<JsonObject> = fc
  .tuple(backendTarget, fc.option(backendFilters, { nil: undefined }))
  .map(([b, filters]) => (filters && filters.length ? { ...b, filters } : b));

/** One admissible rule: a redirect rule has no backend, every other rule has exactly one. */
const ruleBody: fc.Arbitrary<JsonObject> = fc
  .record({
    matches: fc.option(fc.array(match, { minLength: 1, maxLength: 4 }), { nil: undefined }),
    redirects: fc.boolean(),
    request: fc.option(fc.boolean().chain((host) => headerModifier(host)), { nil: undefined }),
    response: fc.option(headerModifier(false), { nil: undefined }),
    cors: fc.option(cors, { nil: undefined }),
    ext: fc.option(extensionRef, { nil: undefined }),
    rewrite: fc.boolean(),
    backend,
  })
  .chain((r) => {
    // ReplacePrefixMatch needs exactly one PathPrefix match (the default match counts).
    const single = r.matches === undefined || (r.matches.length === 1 && isPathPrefix(r.matches[0]));
    const routing = r.redirects ? redirect(single) : r.rewrite ? rewrite(single) : fc.constant(undefined);
    return routing.map((f) => {
      const filters: JsonObject[] = [
        ...(r.request ? [{ type: "RequestHeaderModifier", requestHeaderModifier: r.request }] : []),
        ...(r.response ? [{ type: "ResponseHeaderModifier", responseHeaderModifier: r.response }] : []),
        ...(r.cors ? [r.cors] : []),
        ...(r.ext ? [r.ext] : []),
        ...(f ? [f] : []),
      ];
      const rule: JsonObject = {};
      if (r.matches) rule["matches"] = r.matches;
      if (filters.length) rule["filters"] = filters;
      if (!r.redirects) rule["backends"] = [r.backend];
      return rule;
    });
  });

function isPathPrefix(m: JsonObject | undefined): boolean {
  const path = m?.["path"];
  if (path === undefined) return true;
  return typeof path === "object" && path !== null && !Array.isArray(path) && (path["type"] ?? "PathPrefix") === "PathPrefix";
}

/** An HTTPProxy every layer of NSO admits. */
export const validHTTPProxy: fc.Arbitrary<JsonObject> = fc
  .record({
    name: dnsLabel(30),
    namespace: fc.constantFrom("default", "team-a", "prod"),
    hostnames: fc.uniqueArray(fqdn, { maxLength: 5 }),
    rules: fc.array(fc.tuple(ruleBody, fc.boolean()), { minLength: 1, maxLength: 5 }),
  })
  .map(({ name, namespace, hostnames, rules }) => ({
    apiVersion: "networking.datumapis.com/v1alpha",
    kind: "HTTPProxy",
    metadata: { name, namespace },
    spec: {
      ...(hostnames.length > 0 && { hostnames }),
      rules: rules.map(([rule, named], i) => (named ? { name: `rule-${i}`, ...rule } : rule)),
    },
  }));
