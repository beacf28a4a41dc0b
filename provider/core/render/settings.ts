import { z } from "zod";
import { expandDottedKeys, guardrailConfigSchema, liftExtensions } from "../config";
import { extensionsSchema } from "../extensions";
import { isDNS1123Subdomain } from "../validation/names";
import { isObj, type Obj } from "../json";

/**
 * How HTTPProxies and policies become objects in one target cluster. The defaults match the
 * engine's provider settings (provider/lifecycle/settings.ts) so the CLI and the provider render
 * the same objects from the same input.
 */

const dnsName = (what: string) =>
  z
    .string()
    .refine(isDNS1123Subdomain, { message: `${what} must be a lowercase RFC 1123 subdomain (e.g. example.com)` });

/** Longest generated label of a canonical hostname (`<8>-<8>-<5>`) plus its dot. */
const CANONICAL_PREFIX_MAX = 8 + 1 + 8 + 1 + 5 + 1;

export const wafSettingsSchema = z
  .object({
    filterName: z.string().min(1).default("coraza-waf").describe("Envoy HTTP filter name prefix; each policy gets `<filterName>-<policy>`"),
    libraryID: z.string().min(1).default("coraza-waf").describe("golang filter library_id"),
    libraryPath: z.string().min(1).default("/opt/coraza-waf/coraza-waf.so").describe("golang filter library_path inside the Envoy image"),
    pluginName: z.string().min(1).default("coraza-waf").describe("golang filter plugin_name"),
    listenerDirectives: z.array(z.string()).default([]).describe("Coraza directives of the (disabled) listener-level filter"),
    routeBaseDirectives: z
      .array(z.string())
      .default(["Include @crs-setup-conf", "Include @recommended-conf"])
      .describe("Coraza directives every policy starts with"),
  })
  .prefault({});

export const renderSettingsSchema = z.object({
  gatewayClassName: z.string().min(1).default("envoy-gateway").describe("GatewayClass of every generated Gateway"),
  namespace: dnsName("namespace")
    .optional()
    .describe("namespace every object is written to; default: the source object's namespace"),
  clusterIssuer: z.string().min(1).default("datum-acme").describe("cert-manager ClusterIssuer of listener Certificates"),
  targetDomain: dnsName("targetDomain")
    .refine((d) => d.length + CANONICAL_PREFIX_MAX <= 253, { message: `targetDomain must be at most ${253 - CANONICAL_PREFIX_MAX} characters` })
    .default("datum.local")
    .describe("suffix of canonical hostnames: <word>-<word>-<5 chars>.<targetDomain>"),
  dnsIntegration: z.boolean().default(false).describe("render an external-dns DNSEndpoint per HTTPProxy"),
  defaultListenerTLSSecretName: z
    .string()
    .min(1)
    .optional()
    .describe("Secret with a wildcard certificate for *.<targetDomain>; listeners under targetDomain use it instead of a Certificate"),
  connectorTunnelListenerName: z
    .string()
    .min(1)
    .default("connector-tunnel")
    .describe("Envoy internal listener that tunnels connector traffic (must exist in the Envoy bootstrap)"),
  certificates: z
    .object({
      mode: z
        .enum(["cert-manager", "acme"])
        .default("cert-manager")
        .describe("cert-manager: a Certificate per HTTPS listener; acme: the provider issues certificates itself into TLS Secrets"),
    })
    // The provider's own ACME settings (directory, account, challenge) ride along; rendering only needs the mode.
    .loose()
    .prefault({})
    .describe("where listener certificates come from"),
  waf: wafSettingsSchema.describe("Coraza WAF filter used by TrafficProtectionPolicies"),
  guardrails: z
    .preprocess((v, ctx) => {
      if (!isObj(v)) return v;
      const expanded = expandDottedKeys(v);
      if (expanded.ok) return expanded.value;
      for (const message of expanded.errors) ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }, guardrailConfigSchema.prefault({}))
    .describe("admission limits applied before rendering (nested or dotted NSO operator keys)"),
  // Declared for the provider configuration, schema.json and the SDKs; resolving moves it to
  // guardrails.extensions (liftExtensions), so parsed settings never carry it here.
  extensions: extensionsSchema
    .optional()
    .describe("beyond-NSO capabilities, each off by default: `{routeTimeouts: true, …}` (README, \"Beyond NSO\"); same as guardrails.extensions"),
});

export type RenderSettingsInput = z.input<typeof renderSettingsSchema>;
export type RenderSettings = z.infer<typeof renderSettingsSchema>;
export type WafSettings = RenderSettings["waf"];

/**
 * Settings that NSO's operator config names again under `guardrails`: accepted there for
 * conformance, but each has one value. The operator key fills in the setting when only it is
 * given, the setting (or its default) fills in the operator key otherwise, so the guardrails and
 * the render agree (e.g. rule G4's canonical hostname and the rendered one); two different values
 * are refused, naming both keys.
 */
const SHARED_SETTINGS = [
  { setting: "targetDomain", root: "gateway", key: "targetDomain", meaning: "the suffix of canonical hostnames" },
  { setting: "gatewayClassName", root: "httpProxy", key: "gatewayClassName", meaning: "the GatewayClass of generated Gateways" },
] as const;

export function reconcileSharedSettings(input: Obj): { ok: true; value: Obj } | { ok: false; errors: string[] } {
  const raw = input["guardrails"] ?? {};
  // A malformed guardrails block is the schema's to report, with its own message.
  if (!isObj(raw)) return { ok: true, value: input };
  const expanded = expandDottedKeys(raw);
  if (!expanded.ok) return { ok: true, value: input };
  const guardrails: Obj = { ...expanded.value };
  const value: Obj = { ...input, guardrails };
  const errors: string[] = [];
  for (const { setting, root, key, meaning } of SHARED_SETTINGS) {
    const section = isObj(guardrails[root]) ? guardrails[root] : {};
    const own = input[setting];
    // NSO's operator default for gateway.targetDomain is "": not set.
    const operator = section[key] === "" ? undefined : section[key];
    if (own !== undefined && operator !== undefined && own !== operator) {
      errors.push(
        `${setting}: ${JSON.stringify(own)} and guardrails.${root}.${key} ${JSON.stringify(operator)} both set ${meaning}, which has one value: set only ${setting} (guardrails.${root}.${key} is accepted for NSO's operator config), or both to the same value`,
      );
      continue;
    }
    const effective = own ?? operator ?? renderSettingsSchema.shape[setting].parse(undefined);
    if (own === undefined && operator !== undefined) value[setting] = operator;
    guardrails[root] = { ...section, [key]: effective };
  }
  return errors.length ? { ok: false, errors } : { ok: true, value };
}

export type RenderSettingsResult = { ok: true; settings: RenderSettings } | { ok: false; errors: string[] };

/**
 * What every settings resolver (render, engine) does before its schema: `extensions` moves under
 * `guardrails`, and the settings NSO's operator config names again are reconciled.
 */
export function prepareSettings(input: unknown): { ok: true; value: unknown } | { ok: false; errors: string[] } {
  if (!isObj(input)) return { ok: true, value: input };
  const lifted = liftExtensions(input);
  return lifted.ok ? reconcileSharedSettings(lifted.value) : lifted;
}

/** Unknown keys are dropped: one settings file also carries engine-only keys (kubeconfig, fieldManager…). */
export function resolveRenderSettings(input: unknown): RenderSettingsResult {
  const prepared = prepareSettings(input);
  if (!prepared.ok) return prepared;
  const parsed = renderSettingsSchema.safeParse(prepared.value ?? {});
  if (parsed.success) return { ok: true, settings: parsed.data };
  return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join(".") || "(settings)"}: ${i.message}`) };
}

function defaultRenderSettings(): RenderSettings {
  const r = resolveRenderSettings({});
  if (!r.ok) throw new Error(`the default render settings do not resolve: ${r.errors.join("; ")}`);
  return r.settings;
}

export const DEFAULT_RENDER_SETTINGS: RenderSettings = defaultRenderSettings();

