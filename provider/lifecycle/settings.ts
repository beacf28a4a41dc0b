import { z } from "zod";
import { DEFAULT_GUARDRAIL_CONFIG, resolveGuardrailConfig, type GuardrailConfig } from "../core/config";

/**
 * Settings of one target cluster. Each provider instance (one per stack/cluster) carries its own,
 * so two clusters never share a client, a field manager or guardrail overrides.
 */
export const engineSettingsSchema = z
  .object({
    kubeconfig: z
      .string()
      .optional()
      .describe("kubeconfig contents or a path to a kubeconfig file (secret); default: $KUBECONFIG or ~/.kube/config"),
    context: z.string().optional().describe("kubeconfig context to use; default: the current context"),
    namespace: z.string().optional().describe("namespace for resources that do not set metadata.namespace; default `default`"),
    gatewayClassName: z.string().min(1).default("envoy-gateway").describe("GatewayClass of the generated Gateways"),
    clusterIssuer: z.string().min(1).default("datum-acme").describe("cert-manager ClusterIssuer for listener certificates"),
    targetDomain: z.string().default("datum.local").describe("suffix of canonical hostnames (<word>-<word>-<5>.<targetDomain>)"),
    dnsIntegration: z.boolean().default(false).describe("render external-dns DNSEndpoints for the proxy's hostnames"),
    fieldManager: z.string().min(1).default("pulumi-datum").describe("server-side apply field manager"),
    forceConflicts: z.boolean().default(false).describe("take ownership of fields managed by other field managers"),
    skipAwait: z.boolean().default(false).describe("return after apply without waiting for readiness"),
    timeoutSeconds: z.number().int().positive().default(600).describe("readiness timeout per operation"),
    guardrails: z.record(z.string(), z.unknown()).optional().describe("GuardrailConfig overrides (nested or dotted NSO operator keys)"),
  })
  .strict();

export type EngineSettingsInput = z.input<typeof engineSettingsSchema>;
export type EngineSettings = z.infer<typeof engineSettingsSchema> & { guardrailConfig: GuardrailConfig };

export type SettingsResult = { ok: true; settings: EngineSettings } | { ok: false; errors: { key: string; message: string }[] };

/** Validates provider configuration with messages that name the config key and what to change. */
export function resolveEngineSettings(input: unknown): SettingsResult {
  const parsed = engineSettingsSchema.safeParse(input ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((i) => ({ key: i.path.join(".") || "(config)", message: i.message })),
    };
  }
  const g = parsed.data.guardrails ? resolveGuardrailConfig(parsed.data.guardrails) : { ok: true as const, config: DEFAULT_GUARDRAIL_CONFIG };
  if (!g.ok) return { ok: false, errors: g.errors.map((m) => ({ key: "guardrails", message: m })) };
  return { ok: true, settings: { ...parsed.data, guardrailConfig: g.config } };
}
