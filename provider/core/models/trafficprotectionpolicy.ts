import { z } from "zod";
import { objectMetaSchema } from "./meta";

/**
 * TrafficProtectionPolicy (`networking.datumapis.com/v1alpha`): NSO's web application firewall
 * (OWASP Core Rule Set via Coraza) for the Gateways or HTTPRoutes it targets. Shapes and defaults only;
 * the CRD's ranges and rules live in the guardrails.
 */

export const TRAFFIC_PROTECTION_POLICY_API_VERSION = "networking.datumapis.com/v1alpha";

export const trafficProtectionTargetRefSchema = z.strictObject({
  group: z.string().describe("gateway.networking.k8s.io"),
  kind: z.string().describe("Gateway or HTTPRoute"),
  name: z.string(),
  sectionName: z.string().optional().describe("a listener (Gateway) or rule name (HTTPRoute)"),
});

export const owaspCoreRuleSetSchema = z.strictObject({
  paranoiaLevels: z
    .strictObject({
      blocking: z.number().int().optional().describe("1–4, default 1; rules up to this level can block"),
      detection: z.number().int().optional().describe("1–4, default 1; must be ≥ blocking; rules up to this level are evaluated"),
    })
    .optional(),
  scoreThresholds: z
    .strictObject({
      inbound: z.number().int().optional().describe("anomaly score that blocks a request, 1–10000, default 5"),
      outbound: z.number().int().optional().describe("anomaly score that blocks a response, 1–10000, default 4"),
    })
    .optional(),
  ruleExclusions: z
    .strictObject({
      tags: z.array(z.string()).optional().describe("≤100 rule tags ([a-zA-Z0-9_-/])"),
      ids: z.array(z.number().int()).optional().describe("≤100 rule ids"),
      idRanges: z.array(z.string()).optional().describe("≤100 ranges `min-max` with max > min"),
    })
    .optional(),
});

export const trafficProtectionRuleSetSchema = z.strictObject({
  type: z.literal("OWASPCoreRuleSet"),
  owaspCoreRuleSet: owaspCoreRuleSetSchema.optional(),
});

export const trafficProtectionPolicySpecSchema = z.strictObject({
  targetRefs: z.array(trafficProtectionTargetRefSchema).describe("at least one Gateway or HTTPRoute"),
  mode: z.enum(["Observe", "Enforce", "Disabled"]).optional().describe("default Observe (log only)"),
  samplingPercentage: z.number().int().optional().describe("1–100, default 100"),
  ruleSets: z.array(trafficProtectionRuleSetSchema).optional().describe("default: one OWASPCoreRuleSet with default settings"),
});

export const trafficProtectionPolicySchema = z.strictObject({
  apiVersion: z.literal(TRAFFIC_PROTECTION_POLICY_API_VERSION),
  kind: z.literal("TrafficProtectionPolicy"),
  metadata: objectMetaSchema,
  spec: trafficProtectionPolicySpecSchema,
});

export type TrafficProtectionPolicy = z.infer<typeof trafficProtectionPolicySchema>;
