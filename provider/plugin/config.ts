/**
 * Provider configuration (`datum:kubeconfig`, `datum:context`, …) as the engine sends it to
 * CheckConfig, DiffConfig and Configure. Each provider instance is one target cluster.
 */
import { canonicalJson } from "../core/validation/pipeline";
import { containsUnknown } from "../core/unknown";
import { engineSettingsSchema, resolveEngineSettings, type EngineSettings } from "../lifecycle/settings";
import { decodeProperties, type SecretSet, type WireProblem } from "./wire";
import { ACME_SETTINGS_SECRET_PATHS } from "../acme/settings";
import { insecureClusters, insecureSkipTlsVerifyWarning, kubeconfigCredentials, kubeconfigTexts, parseKubeconfig } from "../kube/kubeconfig-document";

/** Keys the engine adds to every provider's inputs; they are not settings. */
const ENGINE_KEYS = new Set(["version", "pluginDownloadURL"]);
/** Always secret, whether or not the user marked them (schema.json says so too). */
export const SECRET_CONFIG_KEYS: readonly string[] = ["kubeconfig", "domainSigningKey"];
/** Which cluster the provider talks to; a change here moves every resource. */
const CLUSTER_KEYS = ["kubeconfig", "context"] as const;

export const CONFIG_KEYS: readonly string[] = Object.keys(engineSettingsSchema.shape);

export interface DecodedConfig {
  /** Known settings, with JSON-encoded strings turned back into booleans/numbers/objects. */
  input: Record<string, unknown>;
  /** Keys whose value is not known yet (preview of a stack whose kubeconfig is an output). */
  unknownKeys: string[];
  secrets: SecretSet;
  problems: WireProblem[];
}

type Field = { safeParse(v: unknown): { success: boolean } };

function fieldOf(key: string): Field | undefined {
  return (engineSettingsSchema.shape as Record<string, Field | undefined>)[key];
}

/**
 * Generated SDKs send every non-string provider property JSON-encoded (`"true"`, `"{…}"`), and
 * stack config arrives as strings too; a string is decoded only when the key does not take one.
 */
function coerce(key: string, v: unknown): unknown {
  const field = fieldOf(key);
  if (typeof v !== "string" || !field || field.safeParse(v).success) return v;
  try {
    const parsed: unknown = JSON.parse(v);
    // An object setting that is invalid is still reported field by field, not as "received string".
    return field.safeParse(parsed).success || (parsed !== null && typeof parsed === "object") ? parsed : v;
  } catch {
    return v;
  }
}

export function decodeConfig(raw: Record<string, unknown> | undefined): DecodedConfig {
  const wire = decodeProperties(raw);
  const input: Record<string, unknown> = {};
  const unknownKeys: string[] = [];
  for (const [k, v] of Object.entries(wire.value)) {
    if (ENGINE_KEYS.has(k) || v === undefined || v === null) continue;
    if (containsUnknown(v)) {
      unknownKeys.push(k);
      continue;
    }
    input[k] = coerce(k, v);
    if (SECRET_CONFIG_KEYS.includes(k)) wire.secrets.addPath([k], input[k]);
    if (k === "kubeconfig" && typeof input[k] === "string") for (const c of credentialsIn(input[k])) wire.secrets.addValue(c);
    // Only the secret leaves of `certificates` (EAB key, DNS API key, account key): its other words
    // ("acme", "http-01", the directory URL) must stay readable in outputs and messages.
    for (const leaf of nestedSecretLeaves(k, input[k])) wire.secrets.addValue(leaf);
  }
  // Without datum:kubeconfig the default chain ($KUBECONFIG, ~/.kube/config) holds the credentials.
  if (!("kubeconfig" in input) && !unknownKeys.includes("kubeconfig")) for (const c of credentialsIn(undefined)) wire.secrets.addValue(c);
  return { input, unknownKeys, secrets: wire.secrets, problems: wire.problems };
}

/** Settings keys whose value is an object with secret leaves, and those leaves' dotted paths. */
const NESTED_SECRET_PATHS: Readonly<Record<string, readonly string[]>> = { certificates: ACME_SETTINGS_SECRET_PATHS };

/** The secret strings inside an object-valued setting. */
export function nestedSecretLeaves(key: string, value: unknown): string[] {
  const paths = NESTED_SECRET_PATHS[key];
  if (paths === undefined || value === null || typeof value !== "object") return [];
  const out: string[] = [];
  for (const p of paths) {
    let v: unknown = value;
    for (const seg of p.split(".")) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
    if (typeof v === "string" && v !== "") out.push(v);
  }
  return out;
}

/** Object-valued settings that hold a secret leaf: stored as a secret as a whole in provider inputs. */
export function secretObjectKeys(input: Record<string, unknown>): string[] {
  return Object.keys(NESTED_SECRET_PATHS).filter((k) => nestedSecretLeaves(k, coerce(k, input[k])).length > 0);
}

/** The parsed kubeconfig documents a `datum:kubeconfig` value (contents or path, or none: the default chain) names. */
function kubeconfigDocs(kubeconfig: unknown): unknown[] {
  const texts = kubeconfigTexts(typeof kubeconfig === "string" ? kubeconfig : undefined);
  return texts.flatMap((t) => {
    const p = parseKubeconfig(t);
    return p.ok ? [p.doc] : [];
  });
}

/**
 * The credentials inside the kubeconfig (contents, file, or the default chain when undefined): an
 * API error or an exec plugin's message may quote a token or an argument on its own, and it must
 * be redacted there too.
 */
function credentialsIn(kubeconfig: string | undefined): string[] {
  return kubeconfigDocs(kubeconfig).flatMap(kubeconfigCredentials);
}

/** Warnings about the settings' kubeconfig (or the default one): insecure-skip-tls-verify. */
export function kubeconfigWarnings(input: Record<string, unknown>): string[] {
  const context = typeof input["context"] === "string" ? input["context"] : undefined;
  return insecureClusters(kubeconfigDocs(input["kubeconfig"]), context).map(insecureSkipTlsVerifyWarning);
}

/** `ConfigureRequest.variables` uses fully qualified keys (`datum:config:kubeconfig`). */
export function configFromVariables(vars: ReadonlyMap<string, string> | Iterable<[string, string]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of vars) {
    const bare = k.replace(/^datum:(config:)?/, "");
    out[bare] = v;
  }
  return out;
}

export interface ConfigFailure {
  property: string;
  reason: string;
}

export type SettingsOutcome = { ok: true; settings: EngineSettings } | { ok: false; failures: ConfigFailure[] };

/** Validates settings; messages name the `datum:` key and say what is accepted. */
export function settingsFrom(cfg: DecodedConfig): SettingsOutcome {
  const failures: ConfigFailure[] = cfg.problems.map((p) => ({ property: p.property, reason: p.reason }));
  const unrecognized = Object.keys(cfg.input).filter((k) => !CONFIG_KEYS.includes(k));
  for (const k of unrecognized) {
    failures.push({ property: k, reason: `unknown configuration key datum:${k}; supported keys: ${CONFIG_KEYS.map((c) => `datum:${c}`).join(", ")}` });
  }
  const known = Object.fromEntries(Object.entries(cfg.input).filter(([k]) => CONFIG_KEYS.includes(k)));
  const r = resolveEngineSettings(known);
  if (!r.ok) {
    for (const e of r.errors) {
      const key = e.key.split(".")[0] ?? e.key;
      failures.push({ property: key, reason: `datum:${e.key}: ${e.message}` });
    }
  }
  if (failures.length > 0 || !r.ok) return { ok: false, failures };
  return { ok: true, settings: r.settings };
}

export interface ConfigDiff {
  changed: string[];
  replaces: string[];
  /** True when a value is not known yet, so "no change" cannot be promised. */
  uncertain: boolean;
}

/**
 * A provider is replaced — and with it every resource it manages — only when it would talk to a
 * different cluster or put unqualified objects into a different namespace. Rotating credentials in
 * the same kubeconfig, or changing render settings, is an in-place update.
 */
export function diffConfig(olds: DecodedConfig, news: DecodedConfig): ConfigDiff {
  const keys = new Set([...Object.keys(olds.input), ...Object.keys(news.input), ...olds.unknownKeys, ...news.unknownKeys]);
  const changed: string[] = [];
  let uncertain = false;
  for (const k of keys) {
    if (news.unknownKeys.includes(k) || olds.unknownKeys.includes(k)) {
      changed.push(k);
      uncertain = true;
    } else if (canonicalJson(olds.input[k]) !== canonicalJson(news.input[k])) {
      changed.push(k);
    }
  }
  const replaces: string[] = [];
  if (changed.some((k) => (CLUSTER_KEYS as readonly string[]).includes(k)) && !uncertain) {
    const before = clusterServer(olds.input);
    const after = clusterServer(news.input);
    if (before !== undefined && after !== undefined && before !== after) {
      replaces.push(...CLUSTER_KEYS.filter((k) => changed.includes(k)));
    }
  }
  if (changed.includes("namespace") && !news.unknownKeys.includes("namespace")) replaces.push("namespace");
  return { changed: changed.sort(), replaces: replaces.sort(), uncertain };
}

/**
 * The API server URL the settings point at, or undefined when it cannot be told without the
 * cluster (no kubeconfig given, unreadable file, malformed YAML).
 */
export function clusterServer(input: Record<string, unknown>): string | undefined {
  const kc = input["kubeconfig"];
  if (typeof kc !== "string") return undefined;
  const [doc] = kubeconfigDocs(kc);
  if (doc === null || typeof doc !== "object") return undefined;
  const d = doc as Record<string, unknown>;
  const ctxName = typeof input["context"] === "string" ? input["context"] : d["current-context"];
  const contexts = Array.isArray(d["contexts"]) ? (d["contexts"] as Record<string, unknown>[]) : [];
  const ctx = contexts.find((c) => c?.["name"] === ctxName)?.["context"] as Record<string, unknown> | undefined;
  const clusters = Array.isArray(d["clusters"]) ? (d["clusters"] as Record<string, unknown>[]) : [];
  const cluster = clusters.find((c) => c?.["name"] === ctx?.["cluster"])?.["cluster"] as Record<string, unknown> | undefined;
  const server = cluster?.["server"];
  return typeof server === "string" ? server : undefined;
}
