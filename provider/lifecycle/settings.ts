import { z } from "zod";
import { renderSettingsSchema, type RenderSettings } from "../core/render/settings";

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
    forceConflicts: z.boolean().default(false).describe("take ownership of fields managed by other field managers"),
    skipAwait: z.boolean().default(false).describe("return after apply without waiting for readiness"),
    timeoutSeconds: z.number().int().positive().default(600).describe("readiness timeout per operation (customTimeouts win)"),
    dnsServers: z
      .array(z.string())
      .optional()
      .describe("DNS servers (ip[:port]) for hostname/verification checks; default: the system resolver"),
  })
  .strict();

export type EngineSettingsInput = z.input<typeof engineSettingsSchema>;
export type EngineSettings = z.infer<typeof engineSettingsSchema>;

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
  return { ok: true, settings: parsed.data };
}

/** The render part of the engine settings (objects keep their source namespace). */
export function renderSettingsOf(s: EngineSettings): RenderSettings {
  const { kubeconfig: _k, context: _c, namespace: _n, fieldManager: _f, forceConflicts: _fc, skipAwait: _s, timeoutSeconds: _t, dnsServers: _d, ...render } = s;
  return render;
}
