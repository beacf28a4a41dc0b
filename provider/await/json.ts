/** Total readers over untrusted JSON: observers must never throw, whatever the status holds. */

import { asObj } from "../core/json";

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function path(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = asObj(cur)[k];
  return cur;
}

export function metaGeneration(o: unknown): number | undefined {
  return num(path(o, "metadata", "generation"));
}
