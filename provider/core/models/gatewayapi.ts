import { z } from "zod";

/**
 * Gateway API types that HTTPProxy embeds (v1.5.1): route matches and filters. Shapes only —
 * limits and messages live in the guardrails, next to the rule that reports them.
 */

export const headerMatchSchema = z.strictObject({
  type: z.enum(["Exact", "RegularExpression"]).optional().describe("default Exact"),
  name: z.string().describe("HTTP header name (case-insensitive)"),
  value: z.string(),
});

export const queryParamMatchSchema = z.strictObject({
  type: z.enum(["Exact", "RegularExpression"]).optional().describe("default Exact"),
  name: z.string(),
  value: z.string(),
});

export const pathMatchSchema = z.strictObject({
  type: z.enum(["Exact", "PathPrefix", "RegularExpression"]).optional().describe("default PathPrefix"),
  value: z.string().optional().describe("default /"),
});

export const httpMethods = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"] as const;

export const httpRouteMatchSchema = z.strictObject({
  path: pathMatchSchema.optional(),
  headers: z.array(headerMatchSchema).optional(),
  queryParams: z.array(queryParamMatchSchema).optional(),
  method: z.enum(httpMethods).optional(),
});

const headerSchema = z.strictObject({ name: z.string(), value: z.string() });

export const headerModifierSchema = z.strictObject({
  set: z.array(headerSchema).optional().describe("a `set` of header `Host` (any case) rewrites the upstream Host"),
  add: z.array(headerSchema).optional(),
  remove: z.array(z.string()).optional(),
});

export const pathModifierSchema = z.strictObject({
  type: z.enum(["ReplaceFullPath", "ReplacePrefixMatch"]),
  replaceFullPath: z.string().optional(),
  replacePrefixMatch: z.string().optional(),
});

export const requestRedirectSchema = z.strictObject({
  scheme: z.enum(["http", "https"]).optional(),
  hostname: z.string().optional(),
  path: pathModifierSchema.optional(),
  port: z.number().int().optional(),
  statusCode: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]).optional().describe("default 302"),
});

export const urlRewriteSchema = z.strictObject({
  hostname: z.string().optional(),
  path: pathModifierSchema.optional(),
});

export const corsFilterSchema = z.strictObject({
  allowOrigins: z.array(z.string()).optional(),
  allowCredentials: z.boolean().optional(),
  allowMethods: z.array(z.string()).optional(),
  allowHeaders: z.array(z.string()).optional(),
  exposeHeaders: z.array(z.string()).optional(),
  maxAge: z.number().int().optional().describe("seconds, default 5"),
});

export const localObjectReferenceSchema = z.strictObject({
  group: z.string(),
  kind: z.string(),
  name: z.string(),
});

export const requestMirrorSchema = z.strictObject({
  backendRef: z.strictObject({ group: z.string().optional(), kind: z.string().optional(), name: z.string(), namespace: z.string().optional(), port: z.number().int().optional() }),
  percent: z.number().int().optional(),
  fraction: z.strictObject({ numerator: z.number().int(), denominator: z.number().int().optional() }).optional(),
});

export const httpRouteFilterTypes = [
  "RequestHeaderModifier",
  "ResponseHeaderModifier",
  "RequestMirror",
  "RequestRedirect",
  "URLRewrite",
  "ExtensionRef",
  "CORS",
] as const;

export const httpRouteFilterSchema = z.strictObject({
  type: z.enum(httpRouteFilterTypes),
  requestHeaderModifier: headerModifierSchema.optional(),
  responseHeaderModifier: headerModifierSchema.optional(),
  requestMirror: requestMirrorSchema.optional(),
  requestRedirect: requestRedirectSchema.optional(),
  urlRewrite: urlRewriteSchema.optional(),
  cors: corsFilterSchema.optional(),
  extensionRef: localObjectReferenceSchema.optional().describe("only gateway.envoyproxy.io/HTTPRouteFilter"),
});

export type HTTPRouteMatch = z.infer<typeof httpRouteMatchSchema>;
export type HTTPRouteFilter = z.infer<typeof httpRouteFilterSchema>;
