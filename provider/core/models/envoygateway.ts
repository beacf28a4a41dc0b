import { z } from "zod";

/**
 * Envoy Gateway (v1.8.1) building blocks shared by SecurityPolicy, BackendTrafficPolicy,
 * HTTPRouteFilter and Backend: policy targets, object references and the upstream-cluster settings.
 *
 * Envoy Gateway's API is very large. These models describe the fields NSO's guardrails touch and the
 * commonly used building blocks; every object is a `z.looseObject`, so any other valid Envoy Gateway
 * field passes through untouched and is never rejected by the model. Limits and cross-field rules
 * live in the guardrails (provider/core/guardrails/envoy), not here.
 */

export const ENVOY_GATEWAY_API_VERSION = "gateway.envoyproxy.io/v1alpha1";

export const durationSchema = z.string().describe("Gateway API duration: 1–4 groups of up to 5 digits and a unit (h, m, s, ms), e.g. 30s, 1h30m");

export const quantitySchema = z
  .union([z.string(), z.number().int()])
  .describe("Kubernetes quantity: a positive integer with an optional suffix, e.g. 32768, 512Ki, 1Mi");

// ---------------------------------------------------------------------------------------------
// Targets and references
// ---------------------------------------------------------------------------------------------

export const policyTargetReferenceSchema = z.looseObject({
  group: z.string().describe("API group of the target; Envoy Gateway policies accept gateway.networking.k8s.io"),
  kind: z.string().describe("Gateway, HTTPRoute, GRPCRoute, TCPRoute (BackendTrafficPolicy also UDPRoute, TLSRoute)"),
  name: z.string().describe("name of the target in the policy's namespace"),
  sectionName: z.string().optional().describe("a listener (Gateway) or rule (route) name to narrow the attachment"),
});

const labelSelectorRequirementSchema = z.looseObject({
  key: z.string(),
  operator: z.string().describe("In, NotIn, Exists, DoesNotExist"),
  values: z.array(z.string()).optional(),
});

export const targetSelectorSchema = z.looseObject({
  group: z.string().optional().describe("default gateway.networking.k8s.io (the only value accepted)"),
  kind: z.string().describe("kind of the targets to select"),
  matchLabels: z.record(z.string(), z.string()).optional().describe("labels the targets must carry"),
  matchExpressions: z.array(labelSelectorRequirementSchema).optional(),
  namespaces: z
    .looseObject({
      from: z.enum(["Same", "All", "Selector"]).optional().describe("default Same"),
      selector: z
        .looseObject({ matchLabels: z.record(z.string(), z.string()).optional(), matchExpressions: z.array(labelSelectorRequirementSchema).optional() })
        .optional()
        .describe("required when from is Selector"),
    })
    .optional(),
});

/** Spread into a policy spec. */
export const policyTargetsShape = {
  targetRefs: z.array(policyTargetReferenceSchema).optional().describe("what the policy applies to"),
  targetSelectors: z.array(targetSelectorSchema).optional().describe("select targets by label instead of by name"),
  targetRef: policyTargetReferenceSchema.optional().describe("deprecated; rejected by the guardrails — use targetRefs"),
};

export const secretObjectReferenceSchema = z.looseObject({
  group: z.string().optional().describe("default \"\" (core)"),
  kind: z.string().optional().describe("default Secret"),
  name: z.string().describe("Secret in the policy's namespace"),
  namespace: z.string().optional().describe("must not be set: references stay in the policy's namespace"),
});

export const backendObjectReferenceSchema = z.looseObject({
  group: z.string().optional().describe("default \"\"; gateway.envoyproxy.io for a Backend"),
  kind: z.string().optional().describe("default Service (then a port is required); Backend for an Envoy Gateway Backend"),
  name: z.string(),
  namespace: z.string().optional().describe("must not be set: references stay in the policy's namespace"),
  port: z.number().int().optional().describe("1–65535"),
});

export const backendRefSchema = backendObjectReferenceSchema.extend({
  weight: z.number().int().optional().describe("default 1"),
  fallback: z.boolean().optional(),
});

// ---------------------------------------------------------------------------------------------
// Cluster settings
// ---------------------------------------------------------------------------------------------

export const loadBalancerSchema = z.looseObject({
  type: z.enum(["ConsistentHash", "LeastRequest", "Random", "RoundRobin", "BackendUtilization", "DynamicModule"]),
  consistentHash: z
    .looseObject({
      type: z.enum(["SourceIP", "Header", "Headers", "Cookie", "QueryParams"]),
      header: z.looseObject({ name: z.string() }).optional(),
      headers: z.array(z.looseObject({ name: z.string() })).optional(),
      cookie: z.looseObject({ name: z.string(), ttl: durationSchema.optional(), attributes: z.record(z.string(), z.string()).optional() }).optional(),
      queryParams: z.array(z.looseObject({ name: z.string() })).optional(),
      tableSize: z.number().int().optional().describe("2–5000011, default 65537"),
    })
    .optional()
    .describe("required exactly when type is ConsistentHash"),
  slowStart: z.looseObject({ window: durationSchema }).optional().describe("RoundRobin, LeastRequest and BackendUtilization only"),
  endpointOverride: z.looseObject({}).optional().describe("rejected by the guardrails"),
});

export const retrySchema = z
  .looseObject({
    numRetries: z.number().int().optional(),
    perRetry: z.looseObject({ timeout: durationSchema.optional(), backOff: z.looseObject({}).optional() }).optional(),
    retryOn: z.looseObject({ triggers: z.array(z.string()).optional(), httpStatusCodes: z.array(z.number().int()).optional() }).optional(),
  })
  .describe("rejected by the guardrails");

export const tcpKeepaliveSchema = z.looseObject({
  probes: z.number().int().optional().describe("unacknowledged probes before the connection is dead (at least the operator minimum, default 9)"),
  idleTime: durationSchema.optional().describe("idle time before probing (at least the operator minimum, default 5m)"),
  interval: durationSchema.optional().describe("time between probes (at least the operator minimum, default 30s)"),
});

export const healthCheckSchema = z.looseObject({
  active: z.looseObject({}).optional().describe("rejected by the guardrails: active probing is not offered"),
  passive: z
    .looseObject({
      consecutive5XxErrors: z.number().int().optional(),
      consecutiveGatewayErrors: z.number().int().optional(),
      consecutiveLocalOriginFailures: z.number().int().optional(),
      interval: durationSchema.optional(),
      baseEjectionTime: durationSchema.optional(),
      maxEjectionPercent: z.number().int().optional().describe("0–100"),
      splitExternalLocalOriginErrors: z.boolean().optional(),
    })
    .optional()
    .describe("outlier detection"),
  panicThreshold: z.number().int().optional().describe("0–100"),
});

export const circuitBreakerSchema = z.looseObject({
  maxConnections: z.number().int().optional(),
  maxPendingRequests: z.number().int().optional(),
  maxParallelRequests: z.number().int().optional(),
  maxParallelRetries: z.number().int().optional(),
  maxRequestsPerConnection: z.number().int().optional(),
  perEndpoint: z.looseObject({ maxConnections: z.number().int().optional() }).optional(),
});

export const timeoutSchema = z.looseObject({
  tcp: z.looseObject({ connectTimeout: durationSchema.optional().describe("at most the operator maximum (default 10s)") }).optional(),
  http: z
    .looseObject({
      connectionIdleTimeout: durationSchema.optional().describe("at most the operator maximum (default 1h)"),
      maxConnectionDuration: durationSchema.optional().describe("at most the operator maximum (default 1h)"),
      requestTimeout: durationSchema.optional().describe("at most the operator maximum (default 1h)"),
      maxStreamDuration: durationSchema.optional(),
      streamIdleTimeout: durationSchema.optional(),
    })
    .optional(),
});

export const connectionSchema = z.looseObject({
  bufferLimit: quantitySchema.optional().describe("per-connection buffer (at most the operator maximum, default 512Ki)"),
  socketBufferLimit: quantitySchema.optional(),
  preconnect: z.looseObject({ perEndpointPercent: z.number().int().optional(), predictivePercent: z.number().int().optional() }).optional(),
});

export const dnsSchema = z.looseObject({
  dnsRefreshRate: durationSchema.optional().describe("at least the operator minimum (default 30s)"),
  respectDnsTtl: z.boolean().optional().describe("must not be false"),
  lookupFamily: z.enum(["IPv4", "IPv6", "IPv4Preferred", "IPv6Preferred", "IPv4AndIPv6"]).optional(),
});

export const http2Schema = z.looseObject({
  initialStreamWindowSize: quantitySchema.optional().describe("at most the operator maximum (default 64Ki)"),
  initialConnectionWindowSize: quantitySchema.optional().describe("at most the operator maximum (default 1Mi)"),
  maxConcurrentStreams: z.number().int().optional().describe("at most the operator maximum (default 1024)"),
  onInvalidMessage: z.string().optional(),
});

/** Spread into a node that embeds Envoy Gateway `ClusterSettings`. */
export const clusterSettingsShape = {
  loadBalancer: loadBalancerSchema.optional(),
  retry: retrySchema.optional(),
  proxyProtocol: z.looseObject({ version: z.enum(["V1", "V2"]) }).optional(),
  tcpKeepalive: tcpKeepaliveSchema.optional(),
  healthCheck: healthCheckSchema.optional(),
  circuitBreaker: circuitBreakerSchema.optional(),
  timeout: timeoutSchema.optional(),
  connection: connectionSchema.optional(),
  dns: dnsSchema.optional(),
  http2: http2Schema.optional(),
};

export const clusterSettingsSchema = z.looseObject(clusterSettingsShape);

/** Spread into a node that embeds an Envoy Gateway `BackendCluster` (JWKS / OIDC provider). */
export const backendClusterShape = {
  backendRefs: z.array(backendRefSchema).optional().describe("≤16; backends in the policy's namespace (no namespace field)"),
  backendSettings: clusterSettingsSchema.optional().describe("same limits as a BackendTrafficPolicy (SecurityPolicy ClusterSettings options)"),
  backendRef: backendObjectReferenceSchema.optional().describe("deprecated; rejected by the Envoy Gateway CRD — use backendRefs"),
};

/** The HTTP status-code match and custom response shared by responseOverride and direct responses. */
export const customResponseBodySchema = z.looseObject({
  type: z.enum(["Inline", "ValueRef"]).optional().describe("default Inline"),
  inline: z.string().optional(),
  valueRef: z.looseObject({ group: z.string(), kind: z.string().describe("ConfigMap"), name: z.string() }).optional(),
});
