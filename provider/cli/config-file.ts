import { resolveGuardrailConfig, deepMerge, expandDottedKeys, liftExtensions, settingsKeyErrors, type GuardrailConfig } from "../core/config";
import { isObj } from "../core/json";
import { reconcileSharedSettings } from "../core/render/settings";

/**
 * One settings file serves every command. Operator keys (`gateway.*`, `httpProxy.*`, nested or
 * dotted as in the conformance vectors), an optional `guardrails:` block and `extensions:` (the
 * beyond-NSO switches, as `datum:extensions`) configure the guardrails; every other top-level key is
 * a render/provider setting.
 */
interface SplitSettings {
  guardrails: Record<string, unknown>;
  rest: Record<string, unknown>;
}

const OPERATOR_ROOTS = new Set(["gateway", "httpProxy"]);

function splitSettings(raw: Record<string, unknown>): { ok: true; settings: SplitSettings } | { ok: false; errors: string[] } {
  // Checked over the whole file: render/provider keys are written into objects too.
  const keyErrors = settingsKeyErrors(raw);
  if (keyErrors.length) return { ok: false, errors: keyErrors };
  const operator: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  let guardrails: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const root = k.split(".")[0] as string;
    if (k === "guardrails" && isObj(v)) {
      guardrails = v;
    } else if (OPERATOR_ROOTS.has(root)) operator[k] = v;
    else rest[k] = v;
  }
  const block = expandDottedKeys(guardrails);
  const operatorKeys = expandDottedKeys(operator);
  if (!block.ok || !operatorKeys.ok) return { ok: false, errors: [...(block.ok ? [] : block.errors), ...(operatorKeys.ok ? [] : operatorKeys.errors)] };
  const { extensions, ...others } = rest;
  const lifted = liftExtensions({ extensions, guardrails: deepMerge(block.value, operatorKeys.value) });
  if (!lifted.ok) return lifted;
  return { ok: true, settings: { guardrails: lifted.value["guardrails"] as Record<string, unknown>, rest: others } };
}

export function guardrailsFromSettings(raw: Record<string, unknown>): { ok: true; config: GuardrailConfig; rest: Record<string, unknown> } | { ok: false; errors: string[] } {
  const split = splitSettings(raw);
  if (!split.ok) return split;
  const shared = reconcileSharedSettings({ ...split.settings.rest, guardrails: split.settings.guardrails });
  if (!shared.ok) return shared;
  const { guardrails, ...rest } = shared.value;
  const r = resolveGuardrailConfig(guardrails);
  return r.ok ? { ...r, rest } : r;
}
