/**
 * JSON plumbing that makes rendering byte-for-byte reproducible: copies with sorted keys and no
 * `undefined`, so `JSON.stringify` (and YAML dumps) of equal inputs are equal strings.
 */

import { isObj } from "../json";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Deep copy with keys in code-point order; `undefined` members are dropped, `undefined` list items become null. */
export function canonical(v: unknown): Json {
  if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : canonical(e)));
  if (isObj(v)) {
    const out: { [k: string]: Json } = {};
    for (const k of Object.keys(v).sort()) {
      const e = v[k];
      if (e !== undefined) out[k] = canonical(e);
    }
    return out;
  }
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean" || v === null) return v;
  return null;
}

/** A record without its `undefined` members and without empty lists, for optional fields. */
export function compact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}

