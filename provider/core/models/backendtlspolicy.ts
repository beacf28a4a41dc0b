import { z } from "zod";
import { objectMetaSchema } from "./meta";

/**
 * BackendTLSPolicy (Gateway API v1.5.1): how Envoy verifies TLS to a backend. The guardrails only let
 * it target Envoy Gateway Backends (`group: gateway.envoyproxy.io`, `kind: Backend`). The model stays
 * open (`z.looseObject`), so any other valid Gateway API field passes as is.
 */

export const BACKEND_TLS_POLICY_API_VERSION = "gateway.networking.k8s.io/v1";
/** v1alpha3 is still served by the v1.5.1 CRD and reaches the same webhook. */
export const BACKEND_TLS_POLICY_API_VERSIONS = [BACKEND_TLS_POLICY_API_VERSION, "gateway.networking.k8s.io/v1alpha3"] as const;

export const backendTLSPolicyTargetRefSchema = z.looseObject({
  group: z.string().describe("gateway.envoyproxy.io"),
  kind: z.string().describe("Backend"),
  name: z.string().describe("Backend in the policy's namespace"),
  sectionName: z.string().optional(),
});

export const backendTLSPolicySpecSchema = z.looseObject({
  targetRefs: z.array(backendTLSPolicyTargetRefSchema).describe("1–16 Backends"),
  validation: z.looseObject({
    hostname: z.string().describe("SNI and the name the certificate must match"),
    wellKnownCACertificates: z.string().optional().describe("System — exactly one of this and caCertificateRefs"),
    caCertificateRefs: z.array(z.looseObject({ group: z.string(), kind: z.string(), name: z.string() })).optional().describe("≤8 ConfigMaps with CA bundles"),
    subjectAltNames: z
      .array(z.looseObject({ type: z.enum(["Hostname", "URI"]), hostname: z.string().optional(), uri: z.string().optional() }))
      .optional()
      .describe("≤5"),
  }),
  options: z.record(z.string(), z.string()).optional().describe("≤16 implementation-specific TLS options"),
});

export const backendTLSPolicySchema = z.looseObject({
  apiVersion: z.enum(BACKEND_TLS_POLICY_API_VERSIONS),
  kind: z.literal("BackendTLSPolicy"),
  metadata: objectMetaSchema,
  spec: backendTLSPolicySpecSchema,
});

export type BackendTLSPolicy = z.infer<typeof backendTLSPolicySchema>;
