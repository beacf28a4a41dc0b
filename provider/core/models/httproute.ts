import { z } from "zod";
import { GATEWAY_API_VERSIONS } from "./gateway";
import { httpRouteFilterSchema, httpRouteMatchSchema } from "./gatewayapi";
import { objectMetaSchema } from "./meta";

/**
 * Gateway API HTTPRoute (`gateway.networking.k8s.io/v1`, v1.5.1). Shapes only — limits and
 * messages live in guardrails/httproute.ts and guardrails/gatewayapi/.
 */

export const parentReferenceSchema = z.object({
  group: z.string().optional().describe("default gateway.networking.k8s.io; NSO permits only that"),
  kind: z.string().optional().describe("default Gateway; NSO permits only that"),
  namespace: z.string().optional().describe("NSO permits only the route's own namespace"),
  name: z.string(),
  sectionName: z.string().optional(),
  port: z.number().int().optional(),
});

export const httpBackendRefSchema = z.object({
  group: z.string().optional().describe('default ""; NSO permits discovery.k8s.io and gateway.envoyproxy.io'),
  kind: z.string().optional().describe("default Service; EndpointSlice or Backend under NSO"),
  name: z.string(),
  namespace: z.string().optional(),
  port: z.number().int().optional().describe("required for EndpointSlice backends"),
  weight: z.number().int().optional().describe("default 1"),
  filters: z.array(httpRouteFilterSchema).optional(),
});

export const httpRouteTimeoutsSchema = z.object({
  request: z.string().optional(),
  backendRequest: z.string().optional(),
});

export const httpRouteRuleSchema = z.object({
  name: z.string().optional(),
  matches: z.array(httpRouteMatchSchema).optional().describe("default: one PathPrefix / match"),
  filters: z.array(httpRouteFilterSchema).optional(),
  backendRefs: z.array(httpBackendRefSchema).optional(),
  timeouts: httpRouteTimeoutsSchema.optional(),
  retry: z
    .object({ codes: z.array(z.number().int()).optional(), attempts: z.number().int().optional(), backoff: z.string().optional() })
    .optional(),
  sessionPersistence: z
    .object({
      sessionName: z.string().optional(),
      absoluteTimeout: z.string().optional(),
      idleTimeout: z.string().optional(),
      type: z.enum(["Cookie", "Header"]).optional(),
      cookieConfig: z.object({ lifetimeType: z.enum(["Permanent", "Session"]).optional() }).optional(),
    })
    .optional(),
});

export const httpRouteSpecSchema = z.object({
  parentRefs: z.array(parentReferenceSchema).optional(),
  hostnames: z.array(z.string()).optional().describe("forbidden by NSO"),
  rules: z.array(httpRouteRuleSchema).optional().describe("default: one rule matching PathPrefix /"),
  useDefaultGateways: z.enum(["All", "None"]).optional(),
});

export const httpRouteSchema = z.object({
  apiVersion: z.enum(GATEWAY_API_VERSIONS),
  kind: z.literal("HTTPRoute"),
  metadata: objectMetaSchema,
  spec: httpRouteSpecSchema,
});

export type HTTPRoute = z.infer<typeof httpRouteSchema>;
