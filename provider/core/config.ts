import { z } from "zod";
import { extensionsSchema } from "./extensions";
import { isObj } from "./json";

/**
 * Every admission limit and operator setting the guardrails read, with NSO's defaults.
 * The shape mirrors NSO's operator config (`gateway.*`, `httpProxy.*`) so that the dotted keys of
 * the conformance vectors (`gateway.permittedTLSOptions`) and of NSO deployments map one to one.
 * The policy limits keep NSO's Go field names (its config type has no JSON tags there).
 */

const duration = (d: string) => z.string().default(d).describe(`Go duration (default ${d})`);
const quantity = (q: string) => z.string().default(q).describe(`Kubernetes quantity (default ${q})`);
/** NSO treats a zero limit as "not set" and applies its default; so do we. */
const int = (n: number) => z.preprocess((v) => (v === 0 ? undefined : v), z.number().int().nonnegative().default(n));

const clusterSettings = z
  .object({
    TCPKeepaliveMinProbes: int(9).describe("spec.tcpKeepalive.probes minimum"),
    TCPKeepaliveMinIdleTime: duration("5m").describe("spec.tcpKeepalive.idleTime minimum"),
    TCPKeepaliveMinInterval: duration("30s").describe("spec.tcpKeepalive.interval minimum"),
    TCPMaxConnectionTimeout: duration("10s").describe("spec.timeout.tcp.connectTimeout maximum"),
    HTTPMaxConnectionIdleTimeout: duration("1h").describe("spec.timeout.http.connectionIdleTimeout maximum"),
    HTTPMaxConnectionDuration: duration("1h").describe("spec.timeout.http.maxConnectionDuration maximum"),
    HTTPMaxRequestTimeout: duration("1h").describe("spec.timeout.http.requestTimeout maximum"),
    ConnectionMaxBufferLimit: quantity("512Ki").describe("spec.connection.bufferLimit maximum"),
    DNSMinRefreshRate: duration("30s").describe("spec.dns.dnsRefreshRate minimum"),
    HTTP2MaxInitialStreamWindowSize: quantity("64Ki").describe("spec.http2.initialStreamWindowSize maximum"),
    HTTP2MaxInitialConnectionWindowSize: quantity("1Mi").describe("spec.http2.initialConnectionWindowSize maximum"),
    HTTP2MaxConcurrentStreams: int(1024).describe("spec.http2.maxConcurrentStreams maximum"),
  })
  .strict()
  .prefault({});

const securityPolicies = z
  .object({
    APIKeyAuth: z
      .object({
        MaxCredentialRefs: int(5).describe("spec.apiKeyAuth.credentialRefs"),
        MaxExtractFrom: int(5).describe("spec.apiKeyAuth.extractFrom"),
        MaxExtractFromFieldLength: int(10).describe("spec.apiKeyAuth.extractFrom[i].headers/params/cookies"),
        MaxForwardClientIDHeaderLength: int(256).describe("spec.apiKeyAuth.forwardClientIDHeader bytes"),
      })
      .strict()
      .prefault({}),
    CORS: z.object({ MaxFieldLength: int(10).describe("spec.cors.* list sizes") }).strict().prefault({}),
    JWTProvider: z
      .object({
        MaxClaimToHeaders: int(5).describe("spec.jwt.providers[i].claimToHeaders"),
        MaxExtractorLength: int(5).describe("spec.jwt.providers[i].extractFrom.headers/cookies/params"),
      })
      .strict()
      .prefault({}),
    OIDC: z
      .object({
        MaxScopes: int(5).describe("spec.oidc.scopes"),
        MaxResources: int(5).describe("spec.oidc.resources"),
        MinRefreshTokenTTL: duration("5m").describe("spec.oidc.defaultRefreshTokenTTL minimum"),
      })
      .strict()
      .prefault({}),
    Authorization: z
      .object({
        MaxRules: int(20).describe("spec.authorization.rules"),
        MaxClientCIDRs: int(5).describe("spec.authorization.rules[i].principal.clientCIDRs"),
      })
      .strict()
      .prefault({}),
    ClusterSettings: clusterSettings,
  })
  .strict()
  .prefault({});

export const guardrailConfigSchema = z
  .object({
    httpProxy: z
      .object({
        gatewayClassName: z.string().min(1).default("datum-external-global-proxy").describe("class of generated Gateways"),
      })
      .strict()
      .prefault({}),
    gateway: z
      .object({
        controllerName: z
          .string()
          .min(1)
          .default("gateway.networking.datumapis.com/external-global-proxy-controller")
          .describe("GatewayClass controllerName that marks a class as managed"),
        managedGatewayClasses: z
          .array(z.string())
          .default(["datum-external-global-proxy"])
          .describe("GatewayClasses known to be managed when none are supplied from the cluster"),
        targetDomain: z.string().default("").describe("suffix of canonical hostnames"),
        permittedTLSOptions: z
          .record(z.string(), z.array(z.string()))
          .default({ "gateway.networking.datumapis.com/certificate-issuer": [] })
          .describe("TLS option keys tenants may set (empty list = any value)"),
        listenerTLSOptions: z
          .record(z.string(), z.string())
          .default({ "gateway.networking.datumapis.com/certificate-issuer": "auto" })
          .describe("TLS options on generated HTTPS listeners"),
        validPortNumbers: z.array(z.number().int()).default([80, 443]).describe("listener ports"),
        validProtocolTypes: z
          .record(z.string(), z.array(z.string()))
          .default({ "80": ["HTTP"], "443": ["HTTPS"] })
          .describe("protocols per listener port"),
        disableHostnameVerification: z.boolean().default(false).describe("skip the listener-hostname FQDN check (G6) and Domain verification"),
        httpRoutes: z
          .object({ allowServiceBackends: z.boolean().default(false).describe("allow core Service backendRefs on HTTPRoutes (R8/R9)") })
          .strict()
          .prefault({}),
        extensionAPIValidationOptions: z
          .object({
            securityPolicies,
            backendTrafficPolicies: z.object({ ClusterSettings: clusterSettings }).strict().prefault({}),
            httpRouteFilters: z
              .object({ MaxInlineBodySize: int(1024).describe("spec.directResponse.body.inline bytes") })
              .strict()
              .prefault({}),
          })
          .strict()
          .prefault({}),
      })
      .passthrough()
      .prefault({}),
    extensions: extensionsSchema,
    suspiciousHosts: z
      .enum(["warn", "reject"])
      .default("warn")
      .describe(
        "hosts NSO admits that may reach internal addresses (127.1, 0x7f.0.0.1, [::127.0.0.1], *.svc.cluster.local, metadata.google.internal, 169.254.169.254.nip.io) on backend, JWKS, OIDC and Backend endpoints: warn (NSO's decision) or reject",
      ),
  })
  .passthrough();

export type GuardrailConfig = z.infer<typeof guardrailConfigSchema>;
export type ClusterSettingsLimits = GuardrailConfig["gateway"]["extensionAPIValidationOptions"]["backendTrafficPolicies"]["ClusterSettings"];

export const DEFAULT_GUARDRAIL_CONFIG: GuardrailConfig = guardrailConfigSchema.parse({});

/**
 * Key segments that name JavaScript's prototype machinery: writing through them would change every
 * object of the process (`__proto__.x`) instead of a setting, so they are refused wherever they occur.
 */
const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

export type ExpandResult = { ok: true; value: Record<string, unknown> } | { ok: false; errors: string[] };

/** Errors for every key (dotted segment or nested key) below `path` that is a prototype key. */
function prototypeKeyErrors(v: unknown, path: string, out: string[]): void {
  if (Array.isArray(v)) v.forEach((e, i) => prototypeKeyErrors(e, `${path}[${i}]`, out));
  if (!isObj(v)) return;
  for (const k of Object.keys(v)) {
    const bad = k.split(".").find((p) => PROTOTYPE_KEYS.has(p));
    if (bad !== undefined) out.push(`${path}.${k}: key ${JSON.stringify(bad)} is not allowed in settings (it names JavaScript's object prototype, not a setting); remove it`);
    else prototypeKeyErrors(v[k], `${path}.${k}`, out);
  }
}

/** Prototype keys anywhere in a settings mapping (see PROTOTYPE_KEYS), as messages naming them. */
export function settingsKeyErrors(input: Record<string, unknown>): string[] {
  const errors: string[] = [];
  prototypeKeyErrors(input, "config", errors);
  return errors;
}

/**
 * `{"gateway.permittedTLSOptions": X}` → `{gateway: {permittedTLSOptions: X}}`; only top-level keys are
 * split. Refuses prototype keys (see PROTOTYPE_KEYS) before writing anything.
 */
export function expandDottedKeys(input: Record<string, unknown>): ExpandResult {
  const errors = settingsKeyErrors(input);
  if (errors.length) return { ok: false, errors };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) {
    const parts = k.split(".");
    let node = out;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      if (next === null || typeof next !== "object" || Array.isArray(next)) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1] as string;
    const prev = node[leaf];
    node[leaf] = isObj(prev) && isObj(v) ? deepMerge(prev, v) : v;
  }
  return { ok: true, value: out };
}

/** `b` over `a`, merging nested mappings; callers have refused prototype keys (expandDottedKeys). */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObj(prev) && isObj(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

export type ConfigResult = { ok: true; config: GuardrailConfig } | { ok: false; errors: string[] };

/** Builds a config from user settings (nested or dotted keys); unknown keys inside known sections are errors. */
export function resolveGuardrailConfig(input: unknown): ConfigResult {
  if (input === undefined || input === null) return { ok: true, config: DEFAULT_GUARDRAIL_CONFIG };
  if (!isObj(input)) return { ok: false, errors: ["config: must be an object"] };
  const expanded = expandDottedKeys(input);
  if (!expanded.ok) return expanded;
  const parsed = guardrailConfigSchema.safeParse(expanded.value);
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((i) => `config.${i.path.join(".")}: ${i.message}`),
  };
}

/** Leaves set in both mappings to different values (a limit mapping may be split between the two). */
function contradictions(top: Record<string, unknown>, nested: Record<string, unknown>, path: string): string[] {
  return Object.keys(top).flatMap((k) => {
    if (!(k in nested)) return [];
    const [a, b] = [top[k], nested[k]];
    if (isObj(a) && isObj(b)) return contradictions(a, b, `${path}.${k}`);
    if (JSON.stringify(a) === JSON.stringify(b)) return [];
    return [`${path}.${k}: set to ${JSON.stringify(a)} in extensions and to ${JSON.stringify(b)} in guardrails.extensions; keep one of them`];
  });
}

/**
 * Moves a top-level `extensions` mapping (provider config `datum:extensions`, the CLI settings file's
 * `extensions:`) to `guardrails.extensions`, where the guardrails and the renderer read it. The same
 * switch or limit given in both places with different values is refused rather than one silently
 * winning. Returns the settings unchanged when they have no top-level `extensions`.
 */
export function liftExtensions(settings: Record<string, unknown>): ExpandResult {
  const { extensions, ...rest } = settings;
  if (extensions === undefined || extensions === null) return { ok: true, value: settings };
  if (!isObj(extensions)) return { ok: false, errors: ["extensions: must be a mapping of switches and limits, e.g. {routeTimeouts: true}"] };
  const guardrailsIn = rest["guardrails"] ?? {};
  if (!isObj(guardrailsIn)) return { ok: true, value: settings };
  const keyErrors = settingsKeyErrors({ extensions });
  const guardrails = expandDottedKeys(guardrailsIn);
  if (keyErrors.length || !guardrails.ok) return { ok: false, errors: [...keyErrors, ...(guardrails.ok ? [] : guardrails.errors)] };
  const nested = guardrails.value["extensions"] ?? {};
  if (!isObj(nested)) return { ok: false, errors: ["guardrails.extensions: must be a mapping; or set the switches as top-level extensions only"] };
  const errors = contradictions(extensions, nested, "extensions");
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: { ...rest, guardrails: { ...guardrails.value, extensions: deepMerge(nested, extensions) } } };
}
