import { z } from "zod";
import { clusterSettingsShape, customResponseBodySchema, durationSchema, ENVOY_GATEWAY_API_VERSION, policyTargetsShape } from "./envoygateway";
import { objectMetaSchema } from "./meta";

/**
 * BackendTrafficPolicy (`gateway.envoyproxy.io/v1alpha1`): how Envoy talks to the backends of the
 * targeted routes (load balancing, timeouts, keepalives, HTTP/2, local rate limits, custom error
 * responses). The model covers the commonly used fields and stays open (`z.looseObject`) so any
 * other valid Envoy Gateway field is accepted as is; NSO's limits live in the guardrails.
 */

export const BACKEND_TRAFFIC_POLICY_API_VERSION = ENVOY_GATEWAY_API_VERSION;

const rateLimitRuleSchema = z.looseObject({
  clientSelectors: z
    .array(
      z.looseObject({
        headers: z.array(z.looseObject({ name: z.string(), type: z.enum(["Exact", "RegularExpression", "Distinct"]).optional(), value: z.string().optional() })).optional(),
        methods: z.array(z.looseObject({ value: z.string(), invert: z.boolean().optional() })).optional(),
        path: z.looseObject({ type: z.enum(["Exact", "PathPrefix", "RegularExpression"]).optional(), value: z.string() }).optional(),
        sourceCIDR: z.looseObject({ type: z.string().optional(), value: z.string() }).optional(),
      }),
    )
    .optional()
    .describe("which requests the rule counts; all requests when empty"),
  limit: z.looseObject({
    requests: z.number().int().describe("requests allowed per unit"),
    unit: z.enum(["Second", "Minute", "Hour", "Day", "Month", "Year"]),
  }),
  shadowMode: z.boolean().optional(),
});

export const rateLimitSchema = z.looseObject({
  type: z.enum(["Global", "Local"]).optional().describe("deprecated discriminator; set `local`"),
  local: z.looseObject({ rules: z.array(rateLimitRuleSchema).optional().describe("≤16") }).optional().describe("per-proxy token buckets"),
  global: z.looseObject({}).optional().describe("rejected by the guardrails: needs the shared rate-limit service"),
});

export const faultInjectionSchema = z
  .looseObject({
    abort: z.looseObject({ httpStatus: z.number().int().optional(), grpcStatus: z.number().int().optional(), percentage: z.number().optional() }).optional(),
    delay: z.looseObject({ fixedDelay: durationSchema, percentage: z.number().optional() }).optional(),
  })
  .describe("rejected by the guardrails");

export const responseOverrideSchema = z.looseObject({
  match: z.looseObject({
    statusCodes: z
      .array(
        z.looseObject({
          type: z.enum(["Value", "Range"]).optional().describe("default Value"),
          value: z.number().int().optional(),
          range: z.looseObject({ start: z.number().int(), end: z.number().int() }).optional(),
        }),
      )
      .describe("1–50 status codes or ranges"),
  }),
  response: z
    .looseObject({
      contentType: z.string().optional(),
      statusCode: z.number().int().optional(),
      body: customResponseBodySchema.optional(),
    })
    .optional()
    .describe("the replacement response"),
  redirect: z.looseObject({}).optional().describe("rejected by the guardrails"),
});

export const backendTrafficPolicySpecSchema = z.looseObject({
  ...policyTargetsShape,
  ...clusterSettingsShape,
  rateLimit: rateLimitSchema.optional(),
  faultInjection: faultInjectionSchema.optional(),
  responseOverride: z.array(responseOverrideSchema).optional(),
  useClientProtocol: z.boolean().optional(),
});

export const backendTrafficPolicySchema = z.looseObject({
  apiVersion: z.literal(BACKEND_TRAFFIC_POLICY_API_VERSION),
  kind: z.literal("BackendTrafficPolicy"),
  metadata: objectMetaSchema,
  spec: backendTrafficPolicySpecSchema,
});

export type BackendTrafficPolicy = z.infer<typeof backendTrafficPolicySchema>;
export type BackendTrafficPolicySpec = z.infer<typeof backendTrafficPolicySpecSchema>;
