import { z } from "zod";
import { customResponseBodySchema, ENVOY_GATEWAY_API_VERSION } from "./envoygateway";
import { objectMetaSchema } from "./meta";

/**
 * HTTPRouteFilter (`gateway.envoyproxy.io/v1alpha1`): Envoy Gateway's extra route filters, referenced
 * from HTTPProxy / HTTPRoute rules through an ExtensionRef filter. The model covers direct responses
 * and URL rewrites and stays open (`z.looseObject`), so any other valid Envoy Gateway field (e.g.
 * credentialInjection) is accepted as is; NSO's inline-body limit lives in the guardrails.
 */

export const HTTP_ROUTE_FILTER_API_VERSION = ENVOY_GATEWAY_API_VERSION;

const headerSchema = z.looseObject({ name: z.string(), value: z.string() });

export const directResponseSchema = z.looseObject({
  statusCode: z.number().int().optional().describe("HTTP status of the response (default 200)"),
  contentType: z.string().optional(),
  body: customResponseBodySchema
    .optional()
    .describe("Inline text (at most httpRouteFilters.MaxInlineBodySize bytes, default 1024) or a ConfigMap valueRef"),
  header: z
    .looseObject({ set: z.array(headerSchema).optional(), add: z.array(headerSchema).optional() })
    .optional()
    .describe("response headers; `remove` is not supported here"),
});

export const urlRewriteSchema = z.looseObject({
  hostname: z
    .looseObject({ type: z.enum(["Header", "Backend"]), header: z.string().optional().describe("required when type is Header") })
    .optional(),
  path: z
    .looseObject({
      type: z.literal("ReplaceRegexMatch"),
      replaceRegexMatch: z.looseObject({ pattern: z.string().describe("RE2 regex"), substitution: z.string().describe("may use \\1-style groups") }),
    })
    .optional(),
  appendXForwardedHost: z.boolean().optional(),
});

export const httpRouteFilterSpecSchema = z.looseObject({
  directResponse: directResponseSchema.optional().describe("answer the request without a backend"),
  urlRewrite: urlRewriteSchema.optional().describe("rewrite the host or path with a regular expression"),
});

export const httpRouteFilterSchema = z.looseObject({
  apiVersion: z.literal(HTTP_ROUTE_FILTER_API_VERSION),
  kind: z.literal("HTTPRouteFilter"),
  metadata: objectMetaSchema,
  spec: httpRouteFilterSpecSchema,
});

export type HTTPRouteFilter = z.infer<typeof httpRouteFilterSchema>;
