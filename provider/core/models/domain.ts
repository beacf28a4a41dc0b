import { z } from "zod";
import { objectMetaSchema } from "./meta";

/**
 * Domain (`networking.datumapis.com/v1alpha`): a domain name the tenant verifies (DNS TXT record or
 * HTTP token) before HTTPProxy hostnames under it are served. Shapes only; rules live in the guardrails.
 */

export const DOMAIN_API_VERSION = "networking.datumapis.com/v1alpha";

export const domainSpecSchema = z.strictObject({
  domainName: z
    .string()
    .describe("lowercase DNS name with at least two labels, no trailing dot (≤253); immutable; one Domain per name per namespace"),
  desiredRegistrationRefreshAttempt: z
    .string()
    .optional()
    .describe("RFC 3339 time: ask for a registration (RDAP) refresh; at least 5m after the previous request"),
  desiredVerificationRefreshAttempt: z
    .string()
    .optional()
    .describe("RFC 3339 time: ask for a verification re-check; at least 5m after the previous request"),
});

export const domainSchema = z.strictObject({
  apiVersion: z.literal(DOMAIN_API_VERSION),
  kind: z.literal("Domain"),
  metadata: objectMetaSchema,
  spec: domainSpecSchema,
});

export type Domain = z.infer<typeof domainSchema>;
export type DomainSpec = z.infer<typeof domainSpecSchema>;
