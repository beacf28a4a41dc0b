import { z } from "zod";
import { httpRouteFilterSchema, httpRouteMatchSchema } from "./gatewayapi";
import { objectMetaSchema } from "./meta";

/** HTTPProxy (`networking.datumapis.com/v1alpha`): a reverse proxy as one Gateway + one HTTPRoute. */

export const HTTPPROXY_API_VERSION = "networking.datumapis.com/v1alpha";

export const httpProxyRuleBackendSchema = z.strictObject({
  endpoint: z
    .string()
    .optional()
    .describe("http(s)://host[:port] — FQDN or IP literal; no path, query, fragment or userinfo. Required unless instance is set"),
  connector: z.strictObject({ name: z.string() }).optional().describe("Connector in the same namespace that tunnels to the endpoint"),
  instance: z
    .strictObject({ name: z.string(), port: z.number().int() })
    .optional()
    .describe("EndpointSlice of a VPC instance in the same namespace (provisional)"),
  tls: z
    .strictObject({ hostname: z.string().optional() })
    .optional()
    .describe("hostname: SNI / certificate name; required for https://<IP> endpoints"),
  filters: z.array(httpRouteFilterSchema).optional().describe("RequestHeaderModifier, ResponseHeaderModifier, ExtensionRef only"),
  weight: z
    .number()
    .int()
    .optional()
    .describe("beyond NSO, needs datum:extensions.weightedBackends: this backend's share of the rule's requests, weight / sum of weights (default 1; 0 = none)"),
  protocol: z
    .enum(["h2c", "websocket"])
    .optional()
    .describe("beyond NSO, needs datum:extensions.backendProtocols: how Envoy speaks to an http:// endpoint — h2c (HTTP/2 cleartext) or websocket (Service appProtocol kubernetes.io/h2c, kubernetes.io/ws)"),
});

export const httpProxyRuleTimeoutsSchema = z.strictObject({
  request: z.string().optional().describe("Go-style duration (e.g. 10s): the whole request, first byte to last; Gateway API HTTPRoute rule timeouts.request"),
  backendRequest: z.string().optional().describe("one attempt at the backend; at most request"),
  streaming: z
    .strictObject({
      idleTimeout: z.string().optional().describe("a stream with no data for this long is closed (default: Envoy's)"),
      maxDuration: z.string().describe("a stream is closed after this long"),
    })
    .optional()
    .describe("SSE, long polls, gRPC streams: no whole-request deadline, bounded by idle time and total duration; needs the rule's name"),
});

export const httpProxyRuleMirrorSchema = z.strictObject({
  endpoint: z.string().describe("http(s)://host[:port], as a backend endpoint: where the copies go (their answers are discarded)"),
  percent: z.number().int().optional().describe("share of the rule's requests copied, 1..100 (default 100)"),
});

export const httpProxyRuleSchema = z.strictObject({
  name: z.string().optional().describe("unique rule name; copied to the HTTPRoute rule"),
  matches: z.array(httpRouteMatchSchema).optional().describe("default: one PathPrefix / match"),
  filters: z.array(httpRouteFilterSchema).optional(),
  backends: z
    .array(httpProxyRuleBackendSchema)
    .optional()
    .describe("0..1 (up to extensions.weightedBackendLimits.maxBackends with datum:extensions.weightedBackends); absent only with a RequestRedirect filter"),
  mirror: httpProxyRuleMirrorSchema
    .optional()
    .describe("beyond NSO, needs datum:extensions.requestMirroring: copy a percentage of the rule's requests to another endpoint (README, \"Beyond NSO\")"),
  timeouts: httpProxyRuleTimeoutsSchema
    .optional()
    .describe("beyond NSO, needs datum:extensions.routeTimeouts: the rule's deadlines, or a streaming profile (README, \"Beyond NSO\")"),
});

export const httpProxySpecSchema = z.strictObject({
  hostnames: z.array(z.string()).optional().describe("custom hostnames (FQDNs, ≤16); each needs a verified Domain"),
  rules: z.array(httpProxyRuleSchema).describe("1..16 routing rules"),
});

export const httpProxySchema = z.strictObject({
  apiVersion: z.literal(HTTPPROXY_API_VERSION),
  kind: z.literal("HTTPProxy"),
  metadata: objectMetaSchema,
  spec: httpProxySpecSchema,
});

export type HTTPProxy = z.infer<typeof httpProxySchema>;
export type HTTPProxySpec = z.infer<typeof httpProxySpecSchema>;
export type HTTPProxyRule = z.infer<typeof httpProxyRuleSchema>;
export type HTTPProxyRuleBackend = z.infer<typeof httpProxyRuleBackendSchema>;
