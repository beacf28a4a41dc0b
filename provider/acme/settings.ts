import { z } from "zod";

/**
 * `certificates: {mode: "acme", …}` — the provider obtains listener certificates itself with
 * acme-client instead of relying on cert-manager in the cluster.
 */

const powerDnsSchema = z
  .object({
    apiUrl: z.string().url().describe("PowerDNS Authoritative HTTP API base URL, e.g. http://127.0.0.1:8081"),
    apiKey: z.string().min(1).describe("X-API-Key (secret)"),
    serverId: z.string().min(1).default("localhost").describe("PowerDNS server id in API paths"),
  })
  .strict();

export const http01OptionsSchema = z
  .object({
    port: z.number().int().min(1).max(65535).default(80).describe("port the CA connects to (80 for public CAs); the self-check dials it too"),
    selfCheck: z.boolean().default(true).describe("fetch the challenge URL until the Gateway serves the answer before asking the CA to validate"),
    selfCheckTimeoutSeconds: z.number().int().positive().default(120).describe("how long the self-check waits for the Gateway to serve the answer"),
  })
  .strict();

export const renewBeforeDaysSchema = z.number().int().positive().describe("renew on `up` when fewer days remain (default 30)");

/** The fields without the cross-field rule, for schemas that embed them (provider settings). */
export const acmeCertificatesFields = z
  .object({
    mode: z.literal("acme"),
    directoryUrl: z.string().url().describe("ACME directory, e.g. https://acme-v02.api.letsencrypt.org/directory"),
    email: z.string().min(3).describe("account contact (mailto:)"),
    eab: z
      .object({
        kid: z.string().min(1).describe("External Account Binding key id"),
        hmacKey: z.string().min(1).describe("External Account Binding HMAC key, base64url (secret)"),
      })
      .strict()
      .optional(),
    challenge: z.enum(["http-01", "dns-01"]).describe("http-01: answered by a direct-response route on the proxy's own Gateway; dns-01: a TXT record through dns01"),
    accountKeyPem: z
      .string()
      .min(1)
      .optional()
      .describe("ACME account key (PEM, secret) shared by every proxy of this provider; default: each HTTPProxy creates one and keeps it in its state as a secret"),
    http01: http01OptionsSchema.prefault({}).describe("http-01 solver options"),
    /** Needed for private ACME servers (pebble, step-ca); public CAs are in Node's roots. */
    caBundle: z.string().optional().describe("PEM roots trusted for the ACME directory's HTTPS"),
    renewBeforeDays: renewBeforeDaysSchema.default(30),
    dns01: z
      .object({ powerdns: powerDnsSchema })
      .strict()
      .optional()
      .describe("DNS backend for dns-01 challenges"),
    /** Servers that answer authoritatively for the challenge names; used to wait for propagation. */
    propagationResolvers: z.array(z.string()).optional().describe("DNS servers checked for the _acme-challenge TXT before asking the CA to validate"),
  })
  .strict();

export const acmeCertificatesSchema = acmeCertificatesFields.superRefine((v, ctx) => {
  if (v.challenge === "dns-01" && v.dns01 === undefined) {
    ctx.addIssue({ code: "custom", path: ["dns01"], message: "dns-01 needs a DNS backend (dns01.powerdns)" });
  }
});

export type AcmeCertificatesSettings = z.infer<typeof acmeCertificatesSchema>;

/** Settings fields Pulumi must store as secrets. */
export const ACME_SETTINGS_SECRET_PATHS = ["eab.hmacKey", "dns01.powerdns.apiKey", "accountKeyPem"] as const;
