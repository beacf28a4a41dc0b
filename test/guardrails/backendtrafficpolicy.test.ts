import { describe, expect, it } from "vitest";
import { admitted, backendTrafficPolicy, config, rejected } from "./policy-helpers";

const btpLimits = (cs: Record<string, unknown>) => config({ "gateway.extensionAPIValidationOptions": { backendTrafficPolicies: { ClusterSettings: cs } } });

describe("BackendTrafficPolicy CRD layer (Envoy Gateway v1.8.1)", () => {
  it("allows UDP and TLS routes as targets, unlike SecurityPolicy", () => {
    admitted(backendTrafficPolicy({ targetRefs: [{ group: "gateway.networking.k8s.io", kind: "TLSRoute", name: "t" }] }));
    expect(rejected(backendTrafficPolicy({ targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Service", name: "t" }] }))).toEqual([
      "spec: Invalid value: this policy can only have a targetRefs[*].kind of Gateway/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute",
    ]);
  });

  it("ties the load-balancer type to its settings", () => {
    expect(rejected(backendTrafficPolicy({ loadBalancer: { type: "ConsistentHash" } }))).toEqual([
      "spec.loadBalancer: Invalid value: If LoadBalancer type is consistentHash, consistentHash field needs to be set.",
    ]);
    expect(rejected(backendTrafficPolicy({ loadBalancer: { type: "Random", slowStart: { window: "10s" } } }))).toEqual([
      "spec.loadBalancer: Invalid value: Currently SlowStart is only supported for RoundRobin, LeastRequest, and BackendUtilization load balancers.",
    ]);
    expect(rejected(backendTrafficPolicy({ loadBalancer: { type: "ConsistentHash", consistentHash: { type: "Header" } } }))).toEqual([
      "spec.loadBalancer.consistentHash: Invalid value: If consistent hash type is header, the header field must be set.",
    ]);
  });

  it("rejects an unknown load-balancer type before any CEL or webhook rule", () => {
    expect(rejected(backendTrafficPolicy({ loadBalancer: { type: "Maglev", endpointOverride: { extractFrom: [{ header: "x" }] } } }))).toEqual([
      'spec.loadBalancer.type: Unsupported value: "Maglev": supported values: "ConsistentHash", "LeastRequest", "Random", "RoundRobin", "BackendUtilization", "DynamicModule"',
    ]);
  });

  it("checks Gateway API duration syntax, so Go-only forms never reach the webhook", () => {
    expect(rejected(backendTrafficPolicy({ timeout: { tcp: { connectTimeout: "1.5s" } } }))[0]).toContain(
      "spec.timeout.tcp.connectTimeout in body should match '^([0-9]{1,5}(h|m|s|ms)){1,4}$'",
    );
  });

  it("checks quantity syntax: both patterns, and the type", () => {
    expect(rejected(backendTrafficPolicy({ connection: { bufferLimit: "abc" } }))).toHaveLength(2);
    expect(rejected(backendTrafficPolicy({ http2: { initialConnectionWindowSize: true } }))).toEqual([
      'spec.http2.initialConnectionWindowSize: Invalid value: "boolean": spec.http2.initialConnectionWindowSize in body must be of type integer,string: "boolean"',
    ]);
    admitted(backendTrafficPolicy({ connection: { bufferLimit: 524288 } }));
  });

  it("requires the HTTP/2 keepalive timeout to be below its interval", () => {
    expect(rejected(backendTrafficPolicy({ http2: { connectionKeepalive: { interval: "10s", timeout: "10s" } } }))).toEqual([
      "spec.http2.connectionKeepalive: Invalid value: timeout must be less than interval",
    ]);
    admitted(backendTrafficPolicy({ http2: { connectionKeepalive: { interval: "1m", timeout: "59s" } } }));
  });

  it("rejects a response override with neither response nor redirect", () => {
    expect(rejected(backendTrafficPolicy({ responseOverride: [{ match: { statusCodes: [{ value: 500 }] } }] }))).toEqual([
      "spec.responseOverride[0]: Invalid value: exactly one of response or redirect must be specified",
    ]);
  });

  it("defaults what the API server defaults", () => {
    const r = admitted(backendTrafficPolicy({ circuitBreaker: {}, responseOverride: [{ match: { statusCodes: [{ value: 503 }] }, response: { body: { inline: "x" } } }] }));
    const spec = (r.object as { spec: Record<string, unknown> }).spec;
    expect(spec["circuitBreaker"]).toEqual({ maxConnections: 1024, maxParallelRequests: 1024, maxParallelRetries: 1024, maxPendingRequests: 1024 });
    expect(spec["responseOverride"]).toEqual([{ match: { statusCodes: [{ type: "Value", value: 503 }] }, response: { body: { type: "Inline", inline: "x" } } }]);
  });
});

describe("BackendTrafficPolicy webhook (docs/spec/guardrails.md §6)", () => {
  it("B1: forbids the deprecated targetRef", () => {
    const obj = backendTrafficPolicy({ targetRefs: undefined, targetRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "g" } });
    expect(rejected(obj)).toEqual(["spec.targetRef: Forbidden: deprecated field, use spec.targetRefs or spec.targetSelectors instead"]);
  });

  it("B2/B3/B7/B18/B19/B20: forbids the features the shared data plane does not offer", () => {
    expect(
      rejected(
        backendTrafficPolicy({
          loadBalancer: { type: "RoundRobin", endpointOverride: { extractFrom: [{ header: "x" }] } },
          retry: {},
          healthCheck: { active: { type: "TCP", tcp: {} } },
          rateLimit: { global: { rules: [{ limit: { requests: 1, unit: "Second" } }] } },
          faultInjection: { delay: { fixedDelay: "1s" } },
          responseOverride: [
            { match: { statusCodes: [{ value: 500 }] }, response: { body: { inline: "x" } } },
            { match: { statusCodes: [{ value: 404 }] }, redirect: { hostname: "example.com" } },
          ],
        }),
      ),
    ).toEqual([
      "spec.loadBalancer.endpointOverride: Forbidden: loadbalancer endpoint overrides are not permitted",
      "spec.retry: Forbidden: retry settings are not permitted",
      "spec.healthCheck.active: Forbidden: active health checks are not permitted",
      "spec.rateLimit.global: Forbidden: global rate limits are not permitted",
      "spec.faultInjection: Forbidden: fault injection is not permitted",
      "spec.responseOverride[1].redirect: Forbidden: response redirects are not permitted",
    ]);
  });

  it("B4–B6: TCP keepalive floors, configurable", () => {
    admitted(backendTrafficPolicy({ tcpKeepalive: { probes: 9, idleTime: "300s", interval: "30000ms" } }));
    expect(rejected(backendTrafficPolicy({ tcpKeepalive: { probes: 8, idleTime: "4m59s", interval: "29s" } }))).toEqual([
      'spec.tcpKeepalive.probes: Invalid value: "8": must be greater than or equal to 9',
      'spec.tcpKeepalive.idleTime: Invalid value: "4m59s": duration must be greater than or equal to 5m0s',
      'spec.tcpKeepalive.interval: Invalid value: "29s": duration must be greater than or equal to 30s',
    ]);
    const cfg = btpLimits({ TCPKeepaliveMinProbes: 3, TCPKeepaliveMinIdleTime: "90s", TCPKeepaliveMinInterval: "1m30s" });
    admitted(backendTrafficPolicy({ tcpKeepalive: { probes: 3, idleTime: "90s", interval: "90s" } }), { config: cfg });
    expect(rejected(backendTrafficPolicy({ tcpKeepalive: { idleTime: "89s" } }), { config: cfg })).toEqual([
      'spec.tcpKeepalive.idleTime: Invalid value: "89s": duration must be greater than or equal to 1m30s',
    ]);
  });

  it("B8–B11: timeout ceilings printed as Go durations", () => {
    admitted(backendTrafficPolicy({ timeout: { tcp: { connectTimeout: "10000ms" }, http: { connectionIdleTimeout: "1h", maxConnectionDuration: "3600s", requestTimeout: "60m" } } }));
    expect(rejected(backendTrafficPolicy({ timeout: { tcp: { connectTimeout: "10001ms" }, http: { requestTimeout: "1h1ms" } } }))).toEqual([
      'spec.timeout.tcp.connectTimeout: Invalid value: "10001ms": duration must be less than or equal to 10s',
      'spec.timeout.http.requestTimeout: Invalid value: "1h1ms": duration must be less than or equal to 1h0m0s',
    ]);
    const cfg = btpLimits({ HTTPMaxConnectionDuration: "90m" });
    expect(rejected(backendTrafficPolicy({ timeout: { http: { maxConnectionDuration: "91m" } } }), { config: cfg })).toEqual([
      'spec.timeout.http.maxConnectionDuration: Invalid value: "91m": duration must be less than or equal to 1h30m0s',
    ]);
  });

  it("B12/B15/B16: quantity ceilings compare values, print the canonical forms", () => {
    admitted(backendTrafficPolicy({ connection: { bufferLimit: "524288" }, http2: { initialStreamWindowSize: 65536, initialConnectionWindowSize: "1024Ki" } }));
    expect(rejected(backendTrafficPolicy({ connection: { bufferLimit: 524289 } }))).toEqual([
      'spec.connection.bufferLimit: Invalid value: "524289": must be less than or equal to 512Ki',
    ]);
    expect(rejected(backendTrafficPolicy({ http2: { initialConnectionWindowSize: "1025Ki" } }))).toEqual([
      'spec.http2.initialConnectionWindowSize: Invalid value: "1025Ki": must be less than or equal to 1Mi',
    ]);
    const cfg = btpLimits({ ConnectionMaxBufferLimit: "1024Ki" });
    expect(rejected(backendTrafficPolicy({ connection: { bufferLimit: "2M" } }), { config: cfg })).toEqual([
      'spec.connection.bufferLimit: Invalid value: "2M": must be less than or equal to 1Mi',
    ]);
  });

  it("B13/B14: DNS refresh floor and TTL respect", () => {
    admitted(backendTrafficPolicy({ dns: { dnsRefreshRate: "30s", respectDnsTtl: true } }));
    expect(rejected(backendTrafficPolicy({ dns: { dnsRefreshRate: "29999ms", respectDnsTtl: false } }))).toEqual([
      'spec.dns.dnsRefreshRate: Invalid value: "29999ms": duration must be greater than or equal to 30s',
      "spec.dns.respectDnsTtl: Forbidden: must respect DNS TTL",
    ]);
  });

  it("B17: concurrent-stream ceiling", () => {
    const cfg = btpLimits({ HTTP2MaxConcurrentStreams: 100 });
    admitted(backendTrafficPolicy({ http2: { maxConcurrentStreams: 100 } }), { config: cfg });
    expect(rejected(backendTrafficPolicy({ http2: { maxConcurrentStreams: 101 } }), { config: cfg })).toEqual([
      "spec.http2.maxConcurrentStreams: Invalid value: 101: must be less than or equal to 100",
    ]);
  });

  it("allows local rate limits and passive health checks", () => {
    admitted(backendTrafficPolicy({ rateLimit: { local: { rules: [{ limit: { requests: 10, unit: "Second" } }] } }, healthCheck: { passive: { consecutive5XxErrors: 3 } } }));
  });

  it("skips the webhook for a metadata-only update of a grandfathered object", () => {
    const stored = backendTrafficPolicy({ retry: { numRetries: 2 } });
    admitted({ ...stored, metadata: { name: "x", namespace: "default", labels: { team: "a" } } }, { operation: "UPDATE", oldObject: stored });
    expect(rejected(backendTrafficPolicy({ retry: { numRetries: 3 } }), { operation: "UPDATE", oldObject: stored })).toEqual([
      "spec.retry: Forbidden: retry settings are not permitted",
    ]);
  });
});
