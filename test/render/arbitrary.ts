import fc from "fast-check";

/**
 * HTTPProxies meant to pass validation, covering every backend shape, filter kind and the name
 * lengths the length guards care about. Local to the render tests until the shared
 * test/arbitraries/httpproxy.ts exists.
 */

const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,20}[a-z0-9])?$/);
/** Proxy names up to the 63-character limit, so derived names hit their length guards. */
const proxyName = fc.oneof(label, fc.stringMatching(/^[a-z][a-z0-9]{61}[a-z0-9]$/));
const hostname = fc.tuple(label, fc.constantFrom("example.com", "example.co.uk", "shop.example.net")).map(([l, d]) => `${l}.${d}`);

const port = fc.integer({ min: 1, max: 65535 });
const withPort = (host: string) => fc.option(port, { nil: undefined }).map((p) => (p === undefined ? host : `${host}:${p}`));
const ipv4 = fc.tuple(fc.constantFrom("203.0.113", "198.51.100", "192.0.2"), fc.integer({ min: 1, max: 254 })).map(([n, h]) => `${n}.${h}`);
const ipv6 = fc.integer({ min: 1, max: 0xffff }).map((h) => `[2001:db8::${h.toString(16)}]`);

const endpointBackend = fc.oneof(
  fc.tuple(fc.constantFrom("http", "https"), hostname).chain(([s, h]) => withPort(h).map((hp) => ({ endpoint: `${s}://${hp}` }))),
  ipv4.chain((ip) => withPort(ip).map((hp) => ({ endpoint: `http://${hp}` }))),
  fc.tuple(fc.oneof(ipv4, ipv6), hostname).chain(([ip, h]) => withPort(ip).map((hp) => ({ endpoint: `https://${hp}`, tls: { hostname: h } }))),
  fc.tuple(fc.constantFrom("http", "https"), label).map(([s, c]) => ({ endpoint: `${s}://localhost:3000`, connector: { name: c } })),
  fc.tuple(label, port).map(([name, p]) => ({ instance: { name, port: p } })),
);

const header = fc.record({ name: fc.stringMatching(/^x-[a-z]{1,10}$/), value: fc.stringMatching(/^[a-z0-9]{1,10}$/) });
const hostHeader = hostname.map((value) => ({ name: "Host", value }));
const requestHeaderModifier = fc
  .record({ set: fc.uniqueArray(fc.oneof(header, hostHeader), { maxLength: 3, selector: (h) => h.name.toLowerCase() }), add: fc.uniqueArray(header, { maxLength: 2, selector: (h) => h.name }) })
  .filter((m) => m.set.length + m.add.length > 0)
  .map((m) => ({ type: "RequestHeaderModifier", requestHeaderModifier: m }));
const responseHeaderModifier = fc.uniqueArray(header, { minLength: 1, maxLength: 2, selector: (h) => h.name }).map((set) => ({ type: "ResponseHeaderModifier", responseHeaderModifier: { set } }));
const urlRewrite = fc.constantFrom("/v2", "/api").map((p) => ({ type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: p } } }));
const extensionRef = label.map((name) => ({ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name } }));
const cors = fc.constant({ type: "CORS", cors: { allowOrigins: ["https://app.example.com"], allowMethods: ["GET"] } });
const redirect = hostname.map((h) => ({ type: "RequestRedirect", requestRedirect: { hostname: h, statusCode: 301 } }));

const match = fc.record(
  {
    path: fc.record({ type: fc.constantFrom("PathPrefix", "Exact"), value: fc.stringMatching(/^\/[a-z0-9]{0,12}$/) }),
    method: fc.constantFrom("GET", "POST", "CONNECT"),
  },
  { requiredKeys: ["path"] },
);

const backendRule = fc.record(
  {
    matches: fc.array(match, { minLength: 1, maxLength: 4 }),
    filters: fc.tuple(fc.option(requestHeaderModifier), fc.option(responseHeaderModifier), fc.option(urlRewrite), fc.option(extensionRef), fc.option(cors)).map((fs) => fs.filter((f) => f !== null)),
    backends: endpointBackend.chain((b): fc.Arbitrary<Record<string, unknown>[]> =>
      "instance" in b ? fc.constant([b]) : fc.option(fc.oneof(requestHeaderModifier, responseHeaderModifier), { nil: undefined }).map((f) => [f ? { ...b, filters: [f] } : b]),
    ),
  },
  { requiredKeys: ["backends"] },
);
const redirectRule = fc.record({ matches: fc.array(match, { minLength: 1, maxLength: 2 }), filters: redirect.map((r) => [r]) });

export const validHTTPProxy = fc
  .record({
    name: proxyName,
    namespace: fc.option(label, { nil: undefined }),
    hostnames: fc.uniqueArray(hostname, { maxLength: 4 }),
    rules: fc.array(fc.oneof({ weight: 4, arbitrary: backendRule }, { weight: 1, arbitrary: redirectRule }), { minLength: 1, maxLength: 6 }),
  })
  .map(({ name, namespace, hostnames, rules }) => ({
    apiVersion: "networking.datumapis.com/v1alpha",
    kind: "HTTPProxy",
    metadata: { name, ...(namespace !== undefined && { namespace }) },
    spec: {
      ...(hostnames.length > 0 && { hostnames }),
      rules: rules.map((r, i) => ({ name: `rule-${i}`, ...r })),
    },
  }));
