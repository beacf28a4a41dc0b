import { z } from "zod";
import { objectMetaSchema } from "./meta";

/**
 * Gateway API Gateway and GatewayClass (`gateway.networking.k8s.io/v1`, v1.5.1). Shapes only —
 * limits and messages live in guardrails/gateway.ts, next to the rule that reports them.
 */

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
export const GATEWAY_API_VERSION = `${GATEWAY_API_GROUP}/v1`;
export const GATEWAY_API_VERSIONS = [GATEWAY_API_VERSION, `${GATEWAY_API_GROUP}/v1beta1`] as const;

/** Names of the listeners NSO injects into every Gateway of a managed class. */
export const DEFAULT_HTTP_LISTENER_NAME = "default-http";
export const DEFAULT_HTTPS_LISTENER_NAME = "default-https";

const secretObjectReferenceSchema = z.object({
  group: z.string().optional().describe('default "" (core)'),
  kind: z.string().optional().describe("default Secret"),
  name: z.string(),
  namespace: z.string().optional(),
});

export const routeGroupKindSchema = z.object({
  group: z.string().optional().describe("default gateway.networking.k8s.io"),
  kind: z.string(),
});

const labelSelectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
    .optional(),
});

export const allowedRoutesSchema = z.object({
  namespaces: z
    .object({
      from: z.enum(["All", "Selector", "Same"]).optional().describe("default Same; NSO permits Same only"),
      selector: labelSelectorSchema.optional(),
    })
    .optional(),
  kinds: z.array(routeGroupKindSchema).optional().describe("NSO requires this to be empty"),
});

export const listenerTLSConfigSchema = z.object({
  mode: z.enum(["Terminate", "Passthrough"]).optional().describe("default Terminate; NSO permits Terminate only"),
  certificateRefs: z.array(secretObjectReferenceSchema).optional().describe("forbidden by NSO"),
  options: z
    .record(z.string(), z.string())
    .optional()
    .describe("implementation options; NSO permits the keys of gateway.permittedTLSOptions"),
});

export const listenerSchema = z.object({
  name: z.string().describe("unique within the Gateway; default-http / default-https are NSO's"),
  hostname: z.string().optional().describe("required by NSO on tenant listeners"),
  port: z.number().int(),
  protocol: z.string(),
  tls: listenerTLSConfigSchema.optional(),
  allowedRoutes: allowedRoutesSchema.optional(),
});

export const gatewaySpecAddressSchema = z.object({
  type: z.string().optional().describe("default IPAddress"),
  value: z.string().optional(),
});

export const gatewayInfrastructureSchema = z.object({
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  parametersRef: z.object({ group: z.string(), kind: z.string(), name: z.string() }).optional(),
});

export const gatewaySpecSchema = z.object({
  gatewayClassName: z.string(),
  listeners: z.array(listenerSchema).describe("1..64; NSO appends default-http and default-https"),
  addresses: z.array(gatewaySpecAddressSchema).optional().describe("forbidden by NSO"),
  infrastructure: gatewayInfrastructureSchema.optional().describe("forbidden by NSO"),
  allowedListeners: z
    .object({ namespaces: z.object({ from: z.enum(["All", "Selector", "Same", "None"]).optional(), selector: labelSelectorSchema.optional() }).optional() })
    .optional(),
  tls: z.record(z.string(), z.unknown()).optional().describe("gateway-level TLS (v1.5); forbidden by NSO"),
  defaultScope: z.enum(["All", "None"]).optional(),
});

export const gatewayStatusAddressSchema = z.object({
  type: z.string().optional(),
  value: z.string(),
});

export const gatewaySchema = z.object({
  apiVersion: z.enum(GATEWAY_API_VERSIONS),
  kind: z.literal("Gateway"),
  metadata: objectMetaSchema,
  spec: gatewaySpecSchema,
  status: z.object({ addresses: z.array(gatewayStatusAddressSchema).optional() }).passthrough().optional(),
});

export const gatewayClassSchema = z.object({
  apiVersion: z.enum(GATEWAY_API_VERSIONS),
  kind: z.literal("GatewayClass"),
  metadata: objectMetaSchema,
  spec: z.object({ controllerName: z.string(), description: z.string().optional() }),
});

export type Gateway = z.infer<typeof gatewaySchema>;
export type Listener = z.infer<typeof listenerSchema>;
export type GatewayClass = z.infer<typeof gatewayClassSchema>;
