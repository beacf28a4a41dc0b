import { z } from "zod";
import {
  backendClusterShape,
  durationSchema,
  ENVOY_GATEWAY_API_VERSION,
  policyTargetsShape,
  secretObjectReferenceSchema,
} from "./envoygateway";
import { objectMetaSchema } from "./meta";

/**
 * SecurityPolicy (`gateway.envoyproxy.io/v1alpha1`): authentication, authorization and CORS for the
 * routes it targets. Envoy Gateway's type is large; this model describes the building blocks tenants
 * use (cors, jwt, oidc, basicAuth, apiKeyAuth, authorization) and stays open (`z.looseObject`)
 * everywhere, so any other valid Envoy Gateway field is accepted as is. NSO's limits are enforced by
 * the guardrails, not by this model.
 */

export const SECURITY_POLICY_API_VERSION = ENVOY_GATEWAY_API_VERSION;

export const corsSchema = z.looseObject({
  allowOrigins: z.array(z.string()).optional().describe("`*` or http(s)://host[:port] (host may start with `*.`); at most CORS.MaxFieldLength (default 10)"),
  allowMethods: z.array(z.string()).optional().describe("at most CORS.MaxFieldLength (default 10)"),
  allowHeaders: z.array(z.string()).optional().describe("at most CORS.MaxFieldLength (default 10)"),
  exposeHeaders: z.array(z.string()).optional().describe("at most CORS.MaxFieldLength (default 10)"),
  allowCredentials: z.boolean().optional(),
  maxAge: durationSchema.optional(),
});

export const remoteJWKSSchema = z.looseObject({
  uri: z.string().describe("https URL of the key set on an external host"),
  cacheDuration: durationSchema.optional().describe("default 300s"),
  ...backendClusterShape,
});

export const jwtProviderSchema = z.looseObject({
  name: z.string(),
  issuer: z.string().optional(),
  audiences: z.array(z.string()).optional().describe("≤8"),
  remoteJWKS: remoteJWKSSchema.optional().describe("exactly one of remoteJWKS and localJWKS"),
  localJWKS: z
    .looseObject({ type: z.enum(["Inline", "ValueRef"]).optional(), inline: z.string().optional(), valueRef: z.looseObject({ group: z.string(), kind: z.string(), name: z.string() }).optional() })
    .optional(),
  claimToHeaders: z
    .array(z.looseObject({ claim: z.string(), header: z.string() }))
    .optional()
    .describe("at most JWTProvider.MaxClaimToHeaders (default 5)"),
  extractFrom: z
    .looseObject({
      headers: z.array(z.looseObject({ name: z.string(), valuePrefix: z.string().optional() })).optional(),
      cookies: z.array(z.string()).optional(),
      params: z.array(z.string()).optional(),
    })
    .optional()
    .describe("each list at most JWTProvider.MaxExtractorLength (default 5)"),
  recomputeRoute: z.boolean().optional(),
});

export const jwtSchema = z.looseObject({
  providers: z.array(jwtProviderSchema).describe("1–16 providers"),
  optional: z.boolean().optional(),
});

export const oidcSchema = z.looseObject({
  provider: z
    .looseObject({
      issuer: z.string().describe("https URL on an external host"),
      authorizationEndpoint: z.string().optional().describe("https URL on an external host"),
      tokenEndpoint: z.string().optional().describe("https URL on an external host"),
      endSessionEndpoint: z.string().optional().describe("https URL on an external host"),
      ...backendClusterShape,
    }),
  clientID: z.string().optional().describe("exactly one of clientID and clientIDRef"),
  clientIDRef: secretObjectReferenceSchema.optional(),
  clientSecret: secretObjectReferenceSchema.describe("Secret with the client secret, in the policy's namespace"),
  scopes: z.array(z.string()).optional().describe("at most OIDC.MaxScopes (default 5)"),
  resources: z.array(z.string()).optional().describe("at most OIDC.MaxResources (default 5)"),
  redirectURL: z.string().optional(),
  logoutPath: z.string().optional(),
  forwardAccessToken: z.boolean().optional(),
  defaultTokenTTL: durationSchema.optional(),
  defaultRefreshTokenTTL: durationSchema.optional().describe("at least OIDC.MinRefreshTokenTTL (default 5m)"),
  refreshToken: z.boolean().optional().describe("default true"),
  cookieDomain: z.string().optional(),
});

export const basicAuthSchema = z.looseObject({
  users: secretObjectReferenceSchema.describe("Secret holding an htpasswd file under `.htpasswd`"),
  forwardUsernameHeader: z.string().optional(),
});

export const apiKeyAuthSchema = z.looseObject({
  credentialRefs: z.array(secretObjectReferenceSchema).describe("Secrets of client-id → key; at most APIKeyAuth.MaxCredentialRefs (default 5)"),
  extractFrom: z
    .array(
      z.looseObject({
        headers: z.array(z.string()).optional(),
        params: z.array(z.string()).optional(),
        cookies: z.array(z.string()).optional(),
      }),
    )
    .describe("where to read the key; at most APIKeyAuth.MaxExtractFrom entries (default 5), each list at most MaxExtractFromFieldLength (10)"),
  forwardClientIDHeader: z.string().optional().describe("at most APIKeyAuth.MaxForwardClientIDHeaderLength bytes (default 256)"),
  sanitize: z.boolean().optional(),
});

export const authorizationRuleSchema = z.looseObject({
  name: z.string().optional(),
  action: z.enum(["Allow", "Deny"]),
  principal: z
    .looseObject({
      clientCIDRs: z.array(z.string()).optional().describe("at most Authorization.MaxClientCIDRs (default 5)"),
      headers: z.array(z.looseObject({ name: z.string(), values: z.array(z.string()) })).optional(),
      jwt: z.looseObject({ provider: z.string(), claims: z.array(z.looseObject({})).optional(), scopes: z.array(z.string()).optional() }).optional(),
    })
    .describe("at least one of clientCIDRs, jwt, headers, clientIPGeoLocations"),
  operation: z.looseObject({ methods: z.array(z.string()) }).optional(),
});

export const authorizationSchema = z.looseObject({
  defaultAction: z.enum(["Allow", "Deny"]).optional(),
  rules: z.array(authorizationRuleSchema).optional().describe("at most Authorization.MaxRules (default 20)"),
});

export const securityPolicySpecSchema = z.looseObject({
  ...policyTargetsShape,
  cors: corsSchema.optional(),
  jwt: jwtSchema.optional(),
  oidc: oidcSchema.optional(),
  basicAuth: basicAuthSchema.optional(),
  apiKeyAuth: apiKeyAuthSchema.optional(),
  authorization: authorizationSchema.optional(),
  extAuth: z.looseObject({}).optional().describe("rejected by the guardrails"),
});

export const securityPolicySchema = z.looseObject({
  apiVersion: z.literal(SECURITY_POLICY_API_VERSION),
  kind: z.literal("SecurityPolicy"),
  metadata: objectMetaSchema,
  spec: securityPolicySpecSchema,
});

export type SecurityPolicy = z.infer<typeof securityPolicySchema>;
export type SecurityPolicySpec = z.infer<typeof securityPolicySpecSchema>;
