import { resolveGuardrailConfig, expandDottedKeys, type GuardrailConfig } from "../core/config";

/**
 * One settings file serves every command. Operator keys (`gateway.*`, `httpProxy.*`, nested or
 * dotted as in the conformance vectors) and an optional `guardrails:` block configure the
 * guardrails; every other top-level key is a render/provider setting.
 */
export interface SplitSettings {
  guardrails: Record<string, unknown>;
  rest: Record<string, unknown>;
}

const OPERATOR_ROOTS = new Set(["gateway", "httpProxy"]);

export function splitSettings(raw: Record<string, unknown>): SplitSettings {
  const operator: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  let guardrails: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const root = k.split(".")[0] as string;
    if (k === "guardrails" && v !== null && typeof v === "object" && !Array.isArray(v)) {
      guardrails = v as Record<string, unknown>;
    } else if (OPERATOR_ROOTS.has(root)) operator[k] = v;
    else rest[k] = v;
  }
  return { guardrails: mergeInto(expandDottedKeys(guardrails), expandDottedKeys(operator)), rest };
}

function mergeInto(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const isObj = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === "object" && !Array.isArray(x);
    out[k] = isObj(prev) && isObj(v) ? mergeInto(prev, v) : v;
  }
  return out;
}

export function guardrailsFromSettings(raw: Record<string, unknown>): { ok: true; config: GuardrailConfig } | { ok: false; errors: string[] } {
  return resolveGuardrailConfig(splitSettings(raw).guardrails);
}
