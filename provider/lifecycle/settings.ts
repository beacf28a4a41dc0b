import { z } from "zod";
import { prepareSettings, renderSettingsSchema, type RenderSettings } from "../core/render/settings";
import { DEFAULT_ACCOUNTING_NAMESPACE } from "../core/domain/claims";
import { DEFAULT_DOMAIN_VERIFICATION, parseRetryIntervals, type DomainVerificationSettings } from "../core/domain/settings";
import { parseGoDuration } from "../core/validation/duration";
import { acmeCertificatesFields, acmeCertificatesSchema, http01OptionsSchema, renewBeforeDaysSchema, type AcmeCertificatesSettings } from "../acme/settings";

const goDuration = z.string().refine((v) => parseGoDuration(v).ok, { message: "must be a Go duration such as 5s, 1m or 1h30m" });

/**
 * NSO's `domainVerificationConfig`, same keys and defaults, so an operator's NSO configuration
 * carries over. `proxyWaitSeconds` is the provider's own: NSO verifies in the background, the
 * provider only while an operation runs.
 */
export const domainVerificationSettingsSchema = z
  .object({
    dnsVerificationRecordPrefix: z
      .string()
      .min(1)
      .default(DEFAULT_DOMAIN_VERIFICATION.dnsRecordPrefix)
      .describe("TXT record name is `<prefix>.<domainName>`"),
    httpVerificationTokenPath: z
      .string()
      .min(1)
      .default(DEFAULT_DOMAIN_VERIFICATION.httpTokenPath)
      .describe("HTTP token URL is `http://<domainName>/<path>/<uid>`"),
    retryIntervals: z
      .array(z.object({ interval: goDuration, maxElapsed: goDuration.optional() }).strict())
      .min(1)
      .default([
        { interval: "5s", maxElapsed: "5m" },
        { interval: "1m", maxElapsed: "15m" },
        { interval: "5m" },
      ])
      .describe("retry schedule: the first entry whose maxElapsed (time since the Domain started waiting) is not exceeded sets the interval"),
    retryJitterMaxFactor: z.number().min(0).default(DEFAULT_DOMAIN_VERIFICATION.retryJitterMaxFactor).describe("each interval gets up to this fraction added"),
    proxyWaitSeconds: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe(
        "how long an HTTPProxy create/update keeps re-checking a pending Domain that covers one of its hostnames before failing (0 = one check)",
      ),
  })
  .strict()
  .prefault({});

export const tlsProbeSettingsSchema = z
  .object({
    port: z.number().int().min(1).max(65535).default(443).describe("port the Gateway serves HTTPS on"),
    minValidityDays: z.number().int().min(0).default(7).describe("fail when the served certificate expires within this many days"),
    ca: z.string().optional().describe("PEM trust roots for the served chain; default Node's bundled roots"),
    address: z.string().optional().describe("address to dial instead of the Gateway's first status address (e.g. a load balancer in front of it)"),
  })
  .strict();

export const httpProbeSettingsSchema = z
  .object({
    port: z.number().int().min(1).max(65535).default(80).describe("port the Gateway serves HTTP on"),
    address: z.string().optional().describe("address to dial instead of the Gateway's first status address (e.g. a load balancer in front of it)"),
  })
  .strict();

/**
 * Where listener certificates come from: cert-manager in the cluster (a Certificate per HTTPS
 * listener, the default), or the provider itself as an ACME client during `up`.
 */
export const certificatesSettingsSchema = acmeCertificatesFields
  .omit({ mode: true })
  .partial()
  .extend({
    // Without their defaults here, so that cert-manager mode can tell what the user set.
    http01: http01OptionsSchema.optional().describe("http-01 solver options"),
    renewBeforeDays: renewBeforeDaysSchema.optional(),
    mode: z
      .enum(["cert-manager", "acme"])
      .default("cert-manager")
      .describe("cert-manager: a Certificate per HTTPS listener (default); acme: the provider issues certificates itself during `up`"),
  })
  .strict()
  .transform((v, ctx): CertificatesSettings => {
    if (v.mode === "cert-manager") {
      const extra = Object.keys(v).filter((k) => k !== "mode" && (v as Record<string, unknown>)[k] !== undefined);
      if (extra.length > 0) ctx.addIssue({ code: "custom", path: [extra[0] as string], message: `${extra.join(", ")}: only used with mode: "acme"; remove, or set mode: "acme"` });
      return { mode: "cert-manager" };
    }
    const acme = acmeCertificatesSchema.safeParse(v);
    if (!acme.success) {
      for (const i of acme.error.issues) {
        const missing = i.path.length === 1 && (v as Record<string, unknown>)[String(i.path[0])] === undefined;
        ctx.addIssue({ code: "custom", path: i.path as PropertyKey[], message: missing ? `required with mode: "acme" (${REQUIRED_HINT[String(i.path[0])] ?? i.message})` : i.message });
      }
      return z.NEVER;
    }
    return acme.data;
  })
  .prefault({});

const REQUIRED_HINT: Readonly<Record<string, string>> = {
  directoryUrl: "the CA's ACME directory URL, e.g. https://acme-v02.api.letsencrypt.org/directory",
  email: "the account's contact address",
  challenge: '"http-01" or "dns-01"',
};

export type CertificatesSettings = { mode: "cert-manager" } | AcmeCertificatesSettings;

/**
 * Settings of one target cluster. Each provider instance (one per stack/cluster) carries its own,
 * so two clusters never share a client, a field manager or guardrail overrides. The render part
 * (gatewayClassName, clusterIssuer, targetDomain, dnsIntegration, guardrails, …) is the same schema
 * the `render` command uses, so the CLI and the provider produce the same objects.
 */
export const engineSettingsSchema = renderSettingsSchema
  .omit({ namespace: true })
  .extend({
    kubeconfig: z
      .string()
      .optional()
      .describe("kubeconfig contents (YAML/JSON) or a path to a kubeconfig file (secret); default: $KUBECONFIG or ~/.kube/config"),
    context: z.string().optional().describe("kubeconfig context to use; default: the current context"),
    namespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "namespace must be a lowercase RFC 1123 label (e.g. team-a)")
      .optional()
      .describe("namespace of resources that do not set metadata.namespace; default `default`"),
    fieldManager: z.string().min(1).default("pulumi-datum").describe("server-side apply field manager"),
    ownerId: z
      .string()
      .regex(/^[A-Za-z0-9][-A-Za-z0-9_.:@/]{0,252}$/, "ownerId must be 1–253 characters of letters, digits and - _ . : @ / (e.g. shop/prod)")
      .optional()
      .describe(
        "this stack's identity on the cluster, written on every object (annotation pulumi-datum.io/owner) and into hostname claims; only objects carrying it are updated, forced back or deleted; default `<project>/<stack>`",
      ),
    adoptExisting: z
      .boolean()
      .default(false)
      .describe("take over objects that already exist under the rendered names but belong to another stack or writer (default: refuse, naming the owner)"),
    domainSigningKey: z
      .string()
      .min(32, "domainSigningKey must be at least 32 characters (e.g. `openssl rand -hex 32`)")
      .optional()
      .describe(
        "HMAC key (secret) that signs the verified status the provider writes into Domain records; stacks sharing Domains must use the same key; default: a key the provider keeps in a Secret in hostnameClaimNamespace",
      ),
    requireAllHostnames: z
      .boolean()
      .default(false)
      .describe(
        "fail the whole operation when any custom hostname is unverified or claimed by another owner (default: as NSO, program the hostnames that pass and report the others in hostnameStatuses)",
      ),
    skipAwait: z.boolean().default(false).describe("return after apply without waiting for readiness"),
    timeoutSeconds: z.number().int().positive().default(600).describe("readiness timeout per operation (customTimeouts win)"),
    dnsServers: z
      .array(z.string())
      .optional()
      .describe("DNS servers (ip[:port]) for hostname/verification checks; default: the system resolver"),
    domainVerification: domainVerificationSettingsSchema.describe("how Domains are verified (NSO's domainVerificationConfig)"),
    hostnameClaimNamespace: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "hostnameClaimNamespace must be a lowercase RFC 1123 label")
      .default(DEFAULT_ACCOUNTING_NAMESPACE)
      .describe("namespace holding the per-cluster hostname claims (one ConfigMap per custom hostname); created when missing"),
    awaitDns: z
      .boolean()
      .default(false)
      .describe("after apply, wait until every custom hostname resolves to the Gateway (CNAME to the canonical hostname or A/AAAA of its addresses)"),
    certificates: certificatesSettingsSchema.describe(
      'where listener certificates come from: `{mode: "cert-manager"}` (default) or `{mode: "acme", directoryUrl, email, eab?, challenge: "http-01" | "dns-01", dns01?, …}` — the provider issues them itself',
    ),
    httpProbe: httpProbeSettingsSchema
      .optional()
      .describe("after apply, send each hostname one request for the proxy's first rule through the Gateway and wait until Envoy routes it (Envoy Gateway's status does not say when Envoy has the configuration)"),
    tlsProbe: tlsProbeSettingsSchema
      .optional()
      .describe("after apply, connect to the Gateway with SNI = each hostname and wait until a trusted, unexpired certificate covering it is served"),
  })
  .strict();

export type EngineSettings = z.infer<typeof engineSettingsSchema>;

export type SettingsResult = { ok: true; settings: EngineSettings } | { ok: false; errors: { key: string; message: string }[] };

/** `"<key>: <message>"` texts as the plugin reports them, one per config key. */
function keyed(errors: readonly string[]): { key: string; message: string }[] {
  return errors.map((e) => ({ key: e.slice(0, e.indexOf(":")), message: e.slice(e.indexOf(":") + 2) }));
}

/** Validates provider configuration with messages that name the config key and what to change. */
export function resolveEngineSettings(input: unknown): SettingsResult {
  const prepared = prepareSettings(input);
  if (!prepared.ok) return { ok: false, errors: keyed(prepared.errors) };
  const parsed = engineSettingsSchema.safeParse(prepared.value ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({ key: i.path.join(".") || "(config)", message: i.message })),
    };
  }
  return { ok: true, settings: parsed.data };
}

/** The render part of the engine settings (objects keep their source namespace). */
export function renderSettingsOf(s: EngineSettings): RenderSettings {
  const {
    kubeconfig: _k,
    context: _c,
    namespace: _n,
    fieldManager: _f,
    ownerId: _o,
    adoptExisting: _ae,
    domainSigningKey: _dk,
    requireAllHostnames: _rah,
    skipAwait: _s,
    timeoutSeconds: _t,
    dnsServers: _d,
    domainVerification: _dv,
    hostnameClaimNamespace: _hc,
    awaitDns: _ad,
    tlsProbe: _tp,
    httpProbe: _hp,
    certificates,
    ...render
  } = s;
  // Only the mode: ACME credentials (EAB key, DNS API key, account key) never reach rendering.
  return { ...render, certificates: { mode: certificates.mode } };
}

/** The verification settings in the form provider/core/domain works with (durations in ms). */
export function domainVerificationOf(s: EngineSettings): DomainVerificationSettings {
  const dv = s.domainVerification;
  const parsed = parseRetryIntervals(dv.retryIntervals);
  return {
    dnsRecordPrefix: dv.dnsVerificationRecordPrefix,
    httpTokenPath: dv.httpVerificationTokenPath,
    // The schema already refused unparsable durations; the fallback only satisfies the type.
    retryIntervals: parsed.ok ? parsed.intervals : DEFAULT_DOMAIN_VERIFICATION.retryIntervals,
    retryJitterMaxFactor: dv.retryJitterMaxFactor,
  };
}
