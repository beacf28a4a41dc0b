import type { ClusterSettingsLimits } from "../../config";
import { fieldError, type ScopedFieldError } from "../../errors";
import { child } from "../../path";
import { parseGoDuration } from "../../validation/duration";
import { type Errors } from "../../validation/schema";
import { DURATION, PRECISE_HOSTNAME } from "../gatewayapi/patterns";
import { field, has, type CelRule, type IntegerSchema, type ObjectSchema, type Schema, type StringSchema } from "../gatewayapi/structural";
import { quantityFieldErrors, quantityTypeMismatch } from "./crd-quantity";
import { durationLimitErrors, quantityMaxErrors } from "./limits";
import { isObj, type Obj } from "../../json";

/**
 * Envoy Gateway `ClusterSettings`: the upstream-cluster knobs that BackendTrafficPolicy carries inline
 * in its spec and SecurityPolicy carries as `backendSettings` of its JWKS / OIDC provider clusters.
 * One module for both, because NSO applies the same webhook rules (B2–B17, and S10 for
 * SecurityPolicy) and Envoy Gateway generates the same CRD schema in both places.
 *
 * The CRD part covers the commonly used settings; fields not declared here stay unchecked, as the
 * webhook ignores them too.
 */

// ---------------------------------------------------------------------------------------------
// CRD schema (Envoy Gateway v1.8.1)
// ---------------------------------------------------------------------------------------------

const duration: StringSchema = { type: "string", pattern: DURATION };
const durationWithDefault = (d: string): StringSchema => ({ ...duration, default: d });
const int = (minimum?: number, maximum?: number, def?: number): IntegerSchema => ({
  type: "integer",
  ...(minimum !== undefined && { minimum }),
  ...(maximum !== undefined && { maximum }),
  ...(def !== undefined && { default: def }),
});
const str: StringSchema = { type: "string" };
const bool: Schema = { type: "boolean" };
const UINT32_MAX = 4294967295;
const INT32_MAX = 2147483647;

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

/** CEL `duration(a) < duration(b)` on strings the CRD pattern already accepted. */
function durationLess(a: unknown, b: unknown): boolean {
  if (typeof a !== "string" || typeof b !== "string") return true;
  const da = parseGoDuration(a);
  const db = parseGoDuration(b);
  return !da.ok || !db.ok || da.nanos < db.nanos;
}

const named: ObjectSchema = { type: "object", properties: { name: str }, required: ["name"] };

const consistentHash: ObjectSchema = {
  type: "object",
  required: ["type"],
  properties: {
    type: { type: "string", enum: ["SourceIP", "Header", "Headers", "Cookie", "QueryParams"] },
    header: named,
    headers: { type: "array", items: named },
    queryParams: { type: "array", items: named },
    cookie: {
      type: "object",
      required: ["name"],
      properties: { name: str, ttl: duration, attributes: { type: "map", values: str } },
    },
    tableSize: int(2, 5000011, 65537),
  },
  rules: [
    rule("If consistent hash type is header, the header field must be set.", (s) => (s["type"] === "Header") === has(s, "header")),
    rule("If consistent hash type is headers, the headers field must be set.", (s) => (s["type"] === "Headers") === has(s, "headers")),
    rule("If consistent hash type is cookie, the cookie field must be set.", (s) => (s["type"] === "Cookie") === has(s, "cookie")),
    rule("If consistent hash type is queryParams, the queryParams field must be set.", (s) => (s["type"] === "QueryParams") === has(s, "queryParams")),
  ],
};

const loadBalancer: ObjectSchema = {
  type: "object",
  required: ["type"],
  properties: {
    type: { type: "string", enum: ["ConsistentHash", "LeastRequest", "Random", "RoundRobin", "BackendUtilization", "DynamicModule"] },
    consistentHash,
    slowStart: { type: "object", required: ["window"], properties: { window: duration } },
    // B2's target; the CRD still shapes it before the webhook forbids it.
    endpointOverride: {
      type: "object",
      required: ["extractFrom"],
      properties: { extractFrom: { type: "array", minItems: 1, maxItems: 10, items: { type: "object", properties: { header: str } } } },
    },
    zoneAware: {
      type: "object",
      properties: {
        preferLocal: {
          type: "object",
          properties: {
            minEndpointsThreshold: int(),
            percentageEnabled: int(0, 100),
            force: { type: "object", properties: { minEndpointsInZoneThreshold: int() } },
          },
        },
        weightedZones: {
          type: "array",
          listType: "map",
          mapKeys: ["zone"],
          items: { type: "object", required: ["weight", "zone"], properties: { weight: int(), zone: str } },
        },
      },
    },
    backendUtilization: {
      type: "object",
      properties: {
        blackoutPeriod: duration,
        weightExpirationPeriod: duration,
        weightUpdatePeriod: duration,
        errorUtilizationPenaltyPercent: int(0),
        keepResponseHeaders: { type: "boolean", default: false },
        metricNamesForComputingUtilization: { type: "array", items: str },
      },
    },
    dynamicModule: {
      type: "object",
      required: ["lbPolicyName", "name"],
      properties: {
        lbPolicyName: { type: "string", minLength: 1, maxLength: 253 },
        name: { type: "string", minLength: 1, maxLength: 253 },
        // x-kubernetes-preserve-unknown-fields in the CRD: the module's own configuration.
        config: { type: "object", properties: {}, preserveUnknownFields: true },
      },
    },
  },
  rules: [
    rule("If LoadBalancer type is consistentHash, consistentHash field needs to be set.", (s) => (s["type"] === "ConsistentHash") === has(s, "consistentHash")),
    rule("If LoadBalancer type is BackendUtilization, backendUtilization field needs to be set.", (s) => (s["type"] === "BackendUtilization") === has(s, "backendUtilization")),
    rule("If LoadBalancer type is DynamicModule, dynamicModule field needs to be set.", (s) => (s["type"] === "DynamicModule") === has(s, "dynamicModule")),
    rule(
      "Currently SlowStart is only supported for RoundRobin, LeastRequest, and BackendUtilization load balancers.",
      (s) => !["Random", "ConsistentHash", "DynamicModule"].includes(String(s["type"])) || !has(s, "slowStart"),
    ),
    rule(
      "PreferLocal zone-aware routing is not supported for ConsistentHash load balancers. Use weightedZones instead.",
      (s) => !(s["type"] === "ConsistentHash" && has(s, "zoneAware")) || !has(s["zoneAware"], "preferLocal"),
    ),
    rule(
      "PreferLocal zone-aware routing is not currently supported for BackendUtilization load balancers. Only WeightedZones can be used with BackendUtilization.",
      (s) => !(s["type"] === "BackendUtilization" && has(s, "zoneAware")) || !has(s["zoneAware"], "preferLocal"),
    ),
    rule("ZoneAware routing is not supported for DynamicModule load balancers.", (s) => s["type"] !== "DynamicModule" || !has(s, "zoneAware")),
    rule(
      "ZoneAware PreferLocal and WeightedZones cannot be specified together.",
      (s) => !has(s, "zoneAware") || !(has(s["zoneAware"], "preferLocal") && has(s["zoneAware"], "weightedZones")),
    ),
    rule("EndpointOverride is not supported for DynamicModule load balancers.", (s) => s["type"] !== "DynamicModule" || !has(s, "endpointOverride")),
  ],
};

const RETRY_TRIGGERS = [
  "5xx",
  "gateway-error",
  "reset",
  "reset-before-request",
  "connect-failure",
  "retriable-4xx",
  "refused-stream",
  "retriable-status-codes",
  "cancelled",
  "deadline-exceeded",
  "internal",
  "resource-exhausted",
  "unavailable",
];

const retry: ObjectSchema = {
  type: "object",
  properties: {
    numRetries: int(0, undefined, 2),
    numAttemptsPerPriority: int(),
    perRetry: {
      type: "object",
      properties: {
        timeout: duration,
        backOff: { type: "object", properties: { baseInterval: duration, maxInterval: duration } },
      },
    },
    retryOn: {
      type: "object",
      properties: {
        httpStatusCodes: { type: "array", items: int(100, 599) },
        triggers: { type: "array", items: { type: "string", enum: RETRY_TRIGGERS } },
      },
    },
  },
};

/** Health-check payloads (HTTP expected response, TCP send / receive). */
const payload: ObjectSchema = {
  type: "object",
  required: ["type"],
  properties: { type: { type: "string", enum: ["Text", "Binary"] }, text: str, binary: str },
  rules: [
    rule("If payload type is Text, text field needs to be set.", (s) => (s["type"] === "Text") === has(s, "text")),
    rule("If payload type is Binary, binary field needs to be set.", (s) => (s["type"] === "Binary") === has(s, "binary")),
  ],
};

const statusCodes: Schema = { type: "array", items: int(100, 599) };

const activeHealthCheck: ObjectSchema = {
  type: "object",
  required: ["type"],
  properties: {
    type: { type: "string", enum: ["HTTP", "TCP", "GRPC"] },
    timeout: durationWithDefault("1s"),
    interval: durationWithDefault("3s"),
    initialJitter: duration,
    healthyThreshold: int(1, undefined, 1),
    unhealthyThreshold: int(1, undefined, 3),
    http: {
      type: "object",
      required: ["path"],
      properties: {
        path: { type: "string", minLength: 1, maxLength: 1024 },
        hostname: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
        method: str,
        expectedStatuses: statusCodes,
        retriableStatuses: statusCodes,
        expectedResponse: payload,
      },
    },
    tcp: { type: "object", properties: { send: payload, receive: payload } },
    grpc: { type: "object", properties: { service: str } },
    overrides: { type: "object", properties: { port: int(1, 65535) } },
  },
  rules: [
    rule("If Health Checker type is HTTP, http field needs to be set.", (s) => (s["type"] === "HTTP") === has(s, "http")),
    rule("If Health Checker type is TCP, tcp field needs to be set.", (s) => (s["type"] === "TCP") === has(s, "tcp")),
    rule("The grpc field can only be set if the Health Checker type is GRPC.", (s) => !has(s, "grpc") || s["type"] === "GRPC"),
  ],
};

const healthCheck: ObjectSchema = {
  type: "object",
  properties: {
    active: activeHealthCheck,
    passive: {
      type: "object",
      properties: {
        alwaysEjectOneEndpoint: { type: "boolean", default: false },
        baseEjectionTime: durationWithDefault("30s"),
        consecutive5XxErrors: int(undefined, undefined, 5),
        consecutiveGatewayErrors: int(),
        consecutiveLocalOriginFailures: int(undefined, undefined, 5),
        failurePercentageThreshold: int(0, 100),
        interval: durationWithDefault("3s"),
        maxEjectionPercent: int(0, 100, 10),
        splitExternalLocalOriginErrors: { type: "boolean", default: false },
      },
    },
    panicThreshold: int(0, 100),
  },
};

const circuitBreakerLimit = int(0, UINT32_MAX, 1024);

const circuitBreaker: ObjectSchema = {
  type: "object",
  properties: {
    maxConnections: circuitBreakerLimit,
    maxParallelRequests: circuitBreakerLimit,
    maxParallelRetries: circuitBreakerLimit,
    maxPendingRequests: circuitBreakerLimit,
    maxRequestsPerConnection: int(0, UINT32_MAX),
    perEndpoint: { type: "object", properties: { maxConnections: circuitBreakerLimit } },
    retryBudget: {
      type: "object",
      required: ["percent"],
      properties: {
        minRetryConcurrency: int(),
        percent: {
          type: "object",
          required: ["numerator"],
          properties: { numerator: int(0), denominator: int(1, undefined, 100) },
          rules: [
            rule("numerator must be less than or equal to denominator", (s) => {
              const n = s["numerator"];
              const d = s["denominator"];
              return typeof n !== "number" || typeof d !== "number" || n <= d;
            }),
          ],
        },
      },
    },
  },
};

const timeout: ObjectSchema = {
  type: "object",
  properties: {
    tcp: { type: "object", properties: { connectTimeout: duration } },
    http: {
      type: "object",
      properties: {
        connectionIdleTimeout: duration,
        maxConnectionDuration: duration,
        maxStreamDuration: duration,
        requestTimeout: duration,
        streamIdleTimeout: duration,
      },
    },
  },
};

const connection: ObjectSchema = {
  type: "object",
  properties: {
    // int-or-string quantities: see clusterSettingsQuantityErrors.
    bufferLimit: { type: "any" },
    socketBufferLimit: { type: "any" },
    preconnect: { type: "object", properties: { perEndpointPercent: int(100, 300), predictivePercent: int(100) } },
  },
};

const dns: ObjectSchema = {
  type: "object",
  properties: {
    dnsRefreshRate: duration,
    respectDnsTtl: bool,
    lookupFamily: { type: "string", enum: ["IPv4", "IPv6", "IPv4Preferred", "IPv6Preferred", "IPv4AndIPv6"] },
  },
};

const http2: ObjectSchema = {
  type: "object",
  properties: {
    // int-or-string quantities: see clusterSettingsQuantityErrors.
    initialStreamWindowSize: { type: "any" },
    initialConnectionWindowSize: { type: "any" },
    maxConcurrentStreams: int(1, INT32_MAX),
    onInvalidMessage: str,
    connectionKeepalive: {
      type: "object",
      properties: { interval: duration, timeout: duration, idleInterval: duration, intervalJitter: int(0, 100) },
      rules: [rule("timeout must be less than interval", (s) => !has(s, "timeout") || !has(s, "interval") || durationLess(s["timeout"], s["interval"]))],
    },
  },
};

/** The ClusterSettings properties, to be spread into the node that embeds them. */
export const clusterSettingsProperties: Readonly<Record<string, Schema>> = {
  loadBalancer,
  retry,
  proxyProtocol: { type: "object", required: ["version"], properties: { version: { type: "string", enum: ["V1", "V2"] } } },
  tcpKeepalive: { type: "object", properties: { probes: int(), idleTime: duration, interval: duration } },
  healthCheck,
  circuitBreaker,
  timeout,
  connection,
  dns,
  http2,
};

/** The ClusterSettings-level CEL rule, for the node that embeds the settings. */
export const clusterSettingsRules: readonly CelRule[] = [
  rule("predictivePercent in preconnect policy only works with RoundRobin or Random load balancers", (s) => {
    const preconnect = field(field(s, "connection"), "preconnect");
    if (!has(preconnect, "predictivePercent")) return true;
    const lbType = field(field(s, "loadBalancer"), "type");
    return lbType === "Random" || lbType === "RoundRobin";
  }),
];

/** The int-or-string quantity fields of ClusterSettings, relative to the settings node. */
const QUANTITY_FIELDS: readonly (readonly [string, string])[] = [
  ["connection", "bufferLimit"],
  ["connection", "socketBufferLimit"],
  ["http2", "initialStreamWindowSize"],
  ["http2", "initialConnectionWindowSize"],
];

/** CRD checks of the quantity fields under `settings` (at `path`). */
export function clusterSettingsQuantityErrors(errs: Errors, path: string, settings: unknown): void {
  for (const [group, name] of QUANTITY_FIELDS) {
    const parent = field(settings, group);
    if (isObj(parent)) quantityFieldErrors(errs, child(child(path, group), name), parent[name]);
  }
}

export function clusterSettingsQuantityTypeMismatch(settings: unknown): boolean {
  return QUANTITY_FIELDS.some(([group, name]) => quantityTypeMismatch(field(field(settings, group), name)));
}

// ---------------------------------------------------------------------------------------------
// NSO webhook (internal/validation/backendtrafficpolicy_validation.go, validateGatewayClusterSettings)
// ---------------------------------------------------------------------------------------------

function objAt(parent: unknown, name: string): Obj | undefined {
  const v = field(parent, name);
  return isObj(v) ? v : undefined;
}

/** B2: endpoint overrides would let clients pick arbitrary upstream hosts. */
function loadBalancerErrors(path: string, lb: Obj | undefined): ScopedFieldError[] {
  if (!lb || !has(lb, "endpointOverride")) return [];
  return [fieldError.forbidden(child(path, "endpointOverride"), "loadbalancer endpoint overrides are not permitted")];
}

/** B3. */
function retryErrors(path: string, settings: Obj): ScopedFieldError[] {
  return has(settings, "retry") ? [fieldError.forbidden(child(path, "retry"), "retry settings are not permitted")] : [];
}

/** B4 probes minimum, B5 idleTime minimum, B6 interval minimum. */
function tcpKeepaliveErrors(path: string, ka: Obj | undefined, limits: ClusterSettingsLimits): ScopedFieldError[] {
  if (!ka) return [];
  const errs: ScopedFieldError[] = [];
  const probes = ka["probes"];
  if (typeof probes === "number" && probes < limits.TCPKeepaliveMinProbes) {
    errs.push(fieldError.invalid(child(path, "probes"), String(probes), `must be greater than or equal to ${limits.TCPKeepaliveMinProbes}`));
  }
  errs.push(...durationLimitErrors(child(path, "idleTime"), ka["idleTime"], { min: limits.TCPKeepaliveMinIdleTime }));
  errs.push(...durationLimitErrors(child(path, "interval"), ka["interval"], { min: limits.TCPKeepaliveMinInterval }));
  return errs;
}

/** B7: active probing from the shared data plane is not offered; passive outlier detection is. */
function healthCheckErrors(path: string, hc: Obj | undefined): ScopedFieldError[] {
  if (!hc || !has(hc, "active")) return [];
  return [fieldError.forbidden(child(path, "active"), "active health checks are not permitted")];
}

/** B8 TCP connect timeout, B9–B11 HTTP timeouts: upper bounds. */
function timeoutErrors(path: string, t: Obj | undefined, limits: ClusterSettingsLimits): ScopedFieldError[] {
  if (!t) return [];
  const errs: ScopedFieldError[] = [];
  const tcp = objAt(t, "tcp");
  if (tcp) {
    errs.push(...durationLimitErrors(child(child(path, "tcp"), "connectTimeout"), tcp["connectTimeout"], { max: limits.TCPMaxConnectionTimeout }));
  }
  const http = objAt(t, "http");
  if (http) {
    const httpPath = child(path, "http");
    errs.push(...durationLimitErrors(child(httpPath, "connectionIdleTimeout"), http["connectionIdleTimeout"], { max: limits.HTTPMaxConnectionIdleTimeout }));
    errs.push(...durationLimitErrors(child(httpPath, "maxConnectionDuration"), http["maxConnectionDuration"], { max: limits.HTTPMaxConnectionDuration }));
    errs.push(...durationLimitErrors(child(httpPath, "requestTimeout"), http["requestTimeout"], { max: limits.HTTPMaxRequestTimeout }));
  }
  return errs;
}

/** B12 connection buffer limit. */
function connectionErrors(path: string, c: Obj | undefined, limits: ClusterSettingsLimits): ScopedFieldError[] {
  if (!c) return [];
  return quantityMaxErrors(child(path, "bufferLimit"), c["bufferLimit"], limits.ConnectionMaxBufferLimit);
}

/** B13 DNS refresh floor, B14 the TTL must be honoured. */
function dnsErrors(path: string, d: Obj | undefined, limits: ClusterSettingsLimits): ScopedFieldError[] {
  if (!d) return [];
  const errs = durationLimitErrors(child(path, "dnsRefreshRate"), d["dnsRefreshRate"], { min: limits.DNSMinRefreshRate });
  if (d["respectDnsTtl"] === false) errs.push(fieldError.forbidden(child(path, "respectDnsTtl"), "must respect DNS TTL"));
  return errs;
}

/** B15 stream window, B16 connection window, B17 concurrent streams. */
function http2Errors(path: string, h: Obj | undefined, limits: ClusterSettingsLimits): ScopedFieldError[] {
  if (!h) return [];
  const errs = [
    ...quantityMaxErrors(child(path, "initialStreamWindowSize"), h["initialStreamWindowSize"], limits.HTTP2MaxInitialStreamWindowSize),
    ...quantityMaxErrors(child(path, "initialConnectionWindowSize"), h["initialConnectionWindowSize"], limits.HTTP2MaxInitialConnectionWindowSize),
  ];
  const streams = h["maxConcurrentStreams"];
  if (typeof streams === "number" && streams > limits.HTTP2MaxConcurrentStreams) {
    errs.push(fieldError.invalid(child(path, "maxConcurrentStreams"), streams, `must be less than or equal to ${limits.HTTP2MaxConcurrentStreams}`));
  }
  return errs;
}

/**
 * NSO's cluster-settings rules (B2–B17; S10 for SecurityPolicy backend clusters) for the settings
 * object at `path` — `spec` for a BackendTrafficPolicy, `…backendSettings` for a SecurityPolicy.
 */
export function clusterSettingsErrors(path: string, settings: unknown, limits: ClusterSettingsLimits): ScopedFieldError[] {
  if (!isObj(settings)) return [];
  return [
    ...loadBalancerErrors(child(path, "loadBalancer"), objAt(settings, "loadBalancer")),
    ...retryErrors(path, settings),
    ...tcpKeepaliveErrors(child(path, "tcpKeepalive"), objAt(settings, "tcpKeepalive"), limits),
    ...healthCheckErrors(child(path, "healthCheck"), objAt(settings, "healthCheck")),
    ...timeoutErrors(child(path, "timeout"), objAt(settings, "timeout"), limits),
    ...connectionErrors(child(path, "connection"), objAt(settings, "connection"), limits),
    ...dnsErrors(child(path, "dns"), objAt(settings, "dns"), limits),
    ...http2Errors(child(path, "http2"), objAt(settings, "http2"), limits),
  ];
}
