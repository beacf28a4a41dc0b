import { z } from "zod";
import { headerMatchSchema, headerModifierSchema } from "./gatewayapi";
import { HTTPPROXY_API_VERSION } from "./httpproxy";
import { objectMetaSchema } from "./meta";

/**
 * GRPCProxy (beyond NSO, `guardrails.extensions.grpcProxy`): a gRPC reverse proxy as one Gateway +
 * one GRPCRoute. Hostnames behave as on HTTPProxy (Domain verification, claims, certificates);
 * rules match gRPC service/method and headers; backends are `grpc://` (h2c) or `grpcs://` (TLS).
 */

export const GRPCPROXY_API_VERSION = HTTPPROXY_API_VERSION;

export const grpcMethodMatchSchema = z.strictObject({
  type: z.enum(["Exact", "RegularExpression"]).optional().describe("default Exact"),
  service: z.string().optional().describe("fully-qualified service, e.g. `helloworld.Greeter` (Exact: ^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$)"),
  method: z.string().optional().describe("method name, e.g. `SayHello` (Exact: ^[A-Za-z_][A-Za-z_0-9]*$)"),
});

export const grpcRouteMatchSchema = z.strictObject({
  method: grpcMethodMatchSchema.optional().describe("service and/or method; at least one of them"),
  headers: z.array(headerMatchSchema).optional().describe("≤16, names unique"),
});

export const grpcFilterSchema = z.strictObject({
  type: z.enum(["RequestHeaderModifier", "ResponseHeaderModifier"]),
  requestHeaderModifier: headerModifierSchema.optional(),
  responseHeaderModifier: headerModifierSchema.optional(),
});

export const grpcProxyRuleBackendSchema = z.strictObject({
  endpoint: z.string().describe("grpc://host[:port] (HTTP/2 cleartext, default port 80) or grpcs://host[:port] (TLS, default 443); FQDN or IP literal"),
  tls: z
    .strictObject({ hostname: z.string().optional() })
    .optional()
    .describe("hostname: SNI / certificate name; required for grpcs://<IP> endpoints"),
});

export const grpcProxyRuleSchema = z.strictObject({
  name: z.string().optional().describe("unique rule name; copied to the GRPCRoute rule"),
  matches: z.array(grpcRouteMatchSchema).optional().describe("≤64 per rule, ≤128 in all; none matches every call"),
  filters: z.array(grpcFilterSchema).optional().describe("RequestHeaderModifier, ResponseHeaderModifier (each at most once)"),
  backends: z.array(grpcProxyRuleBackendSchema).describe("exactly 1"),
});

export const grpcProxySpecSchema = z.strictObject({
  hostnames: z.array(z.string()).optional().describe("custom hostnames (FQDNs, ≤16); each needs a verified Domain"),
  rules: z.array(grpcProxyRuleSchema).describe("1..16 routing rules"),
});

export const grpcProxySchema = z.strictObject({
  apiVersion: z.literal(GRPCPROXY_API_VERSION),
  kind: z.literal("GRPCProxy"),
  metadata: objectMetaSchema,
  spec: grpcProxySpecSchema,
});

export type GRPCProxy = z.infer<typeof grpcProxySchema>;
