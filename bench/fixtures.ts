/**
 * Deterministic HTTPProxies of two sizes for benchmarks: "typical" (3 rules, 2 hostnames) and
 * "maximal" (16 rules, 128 matches in total — the CRD's limits).
 */

export function typicalHTTPProxy(name = "shop"): Record<string, unknown> {
  return {
    apiVersion: "networking.datumapis.com/v1alpha",
    kind: "HTTPProxy",
    metadata: { name, namespace: "default" },
    spec: {
      hostnames: [`${name}.example.com`, `www.${name}.example.com`],
      rules: [
        {
          name: "api",
          matches: [{ path: { type: "PathPrefix", value: "/api" }, headers: [{ name: "x-api-version", value: "2" }] }],
          filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "Host", value: "api.internal.example.com" }] } }],
          backends: [{ endpoint: "https://203.0.113.10", tls: { hostname: "api.internal.example.com" } }],
        },
        {
          name: "old-docs",
          matches: [{ path: { type: "PathPrefix", value: "/docs" } }],
          filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "docs.example.com", statusCode: 301 } }],
        },
        { name: "web", backends: [{ endpoint: "https://web.example.com" }] },
      ],
    },
  };
}

export function maximalHTTPProxy(name = "big"): Record<string, unknown> {
  const rules = Array.from({ length: 16 }, (_, r) => ({
    name: `rule-${r}`,
    matches: Array.from({ length: 8 }, (_, m) => ({
      path: { type: m % 2 ? "Exact" : "PathPrefix", value: `/r${r}/m${m}` },
      headers: [{ name: `x-rule-${r}`, value: `v${m}` }],
      queryParams: [{ name: "q", value: `${m}` }],
      method: "GET",
    })),
    filters: [
      { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-set", value: "1" }], add: [{ name: "x-add", value: "2" }], remove: ["x-remove"] } },
      { type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "x-resp", value: "1" }] } },
    ],
    backends: [{ endpoint: r % 2 ? `https://backend-${r}.example.com:8443` : `http://198.51.100.${r + 1}:8080` }],
  }));
  return {
    apiVersion: "networking.datumapis.com/v1alpha",
    kind: "HTTPProxy",
    metadata: { name, namespace: "default" },
    spec: { hostnames: Array.from({ length: 16 }, (_, i) => `h${i}.example.com`), rules },
  };
}
