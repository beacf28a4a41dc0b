import type { ScopedFieldError } from "./errors";
import { child, index, isWithin } from "./path";

/**
 * Pulumi's marker for a value that is not known yet (preview, or an output of a resource
 * that does not exist yet). The SDKs and the engine both use this exact string.
 */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** Field paths of every unknown value inside `v`, rooted at `path`. */
export function unknownPaths(v: unknown, path = ""): string[] {
  // Objects being validated rarely hold unknowns; finding none needs no paths built.
  if (!containsUnknown(v)) return [];
  const out: string[] = [];
  const walk = (x: unknown, p: string): void => {
    if (x === UNKNOWN) {
      out.push(p);
    } else if (Array.isArray(x)) {
      x.forEach((e, i) => walk(e, index(p, i)));
    } else if (x !== null && typeof x === "object") {
      for (const [k, e] of Object.entries(x)) walk(e, child(p, k));
    }
  };
  walk(v, path);
  return out;
}

export function containsUnknown(v: unknown): boolean {
  if (typeof v === "string") return v === UNKNOWN;
  if (v === null || typeof v !== "object") return false;
  if (Array.isArray(v)) {
    for (const e of v) if (containsUnknown(e)) return true;
    return false;
  }
  // Own enumerable values, as Object.values lists them, without allocating that list.
  for (const k in v) if (Object.hasOwn(v, k) && containsUnknown((v as Record<string, unknown>)[k])) return true;
  return false;
}

/**
 * A rule is deferred — neither passed nor failed — when any value it looked at is unknown:
 * its scope lies inside an unknown value, or an unknown value lies inside its scope.
 * A count (TooMany) of a known list stays decidable even if some elements are unknown.
 */
export function isDeferred(e: ScopedFieldError, unknowns: readonly string[]): boolean {
  if (unknowns.length === 0) return false;
  const scope = e.scope ?? e.field;
  for (const u of unknowns) {
    if (isWithin(scope, u)) return true;
    if (e.type !== "TooMany" && isWithin(u, scope)) return true;
  }
  return false;
}
