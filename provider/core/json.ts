/**
 * Reading JSON of unknown shape (inputs, server responses, kubeconfigs, status) without throwing:
 * the one definition of "a JSON object" that every layer shares.
 */

/** A JSON object: keys to values not yet checked. */
export type Obj = Record<string, unknown>;

/** True for a JSON object; false for null, arrays and scalars. */
export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Set to something: neither absent nor null (the API server prunes nulls like absent fields). */
export function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** The object itself, or an empty one for anything else: a total reader for optional members. */
export function asObj(v: unknown): Obj {
  return isObj(v) ? v : {};
}

/** The array itself, or an empty one for anything else. */
export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
