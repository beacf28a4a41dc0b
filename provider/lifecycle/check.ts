import { formatFieldError, type FieldError } from "../core/errors";
import { validateForApply } from "../core/validate";
import type { GuardrailConfig } from "../core/config";
import type { ResourceKind } from "./kinds";
import { toInputs, toObject, type NormalizeContext } from "./inputs";
import type { CheckFailure, CheckResult, ResourceInputs } from "./types";
import { isObj } from "../core/json";

/**
 * The longest prefix of a Kubernetes field path that names an input property: URL parts
 * (`endpoint[host]`) and the HTTPProxy webhook's extra `.hostname` segment are not properties.
 */
export function propertyOf(field: string, object: unknown): string {
  if (!field) return "";
  const tokens = field.match(/[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let node: unknown = object;
  let path = "";
  for (const t of tokens) {
    const isIndex = t.startsWith("[");
    const key = isIndex ? t.slice(1, -1) : t;
    if (Array.isArray(node) && isIndex && /^\d+$/.test(key) && Number(key) < node.length) {
      node = node[Number(key)];
      path += t;
    } else if (isObj(node) && !isIndex && key in node) {
      node = node[key];
      path = path ? `${path}.${key}` : key;
    } else if (!isIndex && isObj(node)) {
      // A missing (required) field: name it, it is where the user must add something.
      return path ? `${path}.${key}` : key;
    } else break;
  }
  return path;
}

export function toFailures(errors: readonly FieldError[], object: unknown): CheckFailure[] {
  return errors.map((e) => ({ property: propertyOf(e.field, object), reason: formatFieldError(e) }));
}

/**
 * Check = NSO admission on the object these inputs describe: defaults applied, guardrails run,
 * rules that read unknown (preview) values deferred. With olds it is an UPDATE, so an unchanged
 * spec is admitted as NSO admits it.
 */
export function checkInputs(kind: ResourceKind, olds: ResourceInputs | undefined, news: ResourceInputs, ctx: NormalizeContext & { config: GuardrailConfig }): CheckResult {
  const object = toObject(kind, news, olds, ctx);
  const oldObject = olds && Object.keys(olds).length ? toObject(kind, olds, undefined, ctx) : undefined;
  const result = validateForApply(object, {
    config: ctx.config,
    ...(oldObject ? { operation: "UPDATE" as const, oldObject } : {}),
  });
  const admitted = isObj(result.object) ? result.object : object;
  const warnings = result.warnings.map((w) => `${w.field}: ${w.message}`);
  const notes = (result.notes ?? []).map((n) => `${n.field}: ${n.message}`);
  return { inputs: toInputs(admitted), failures: toFailures(result.errors, object), ...(warnings.length && { warnings }), ...(notes.length && { notes }) };
}
