/** Total readers over untrusted JSON: observers must never throw, whatever the status holds. */

export type Obj = Readonly<Record<string, unknown>>;

export function obj(v: unknown): Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

export function arr(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

export function path(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = obj(cur)[k];
  return cur;
}

export function metaGeneration(o: unknown): number | undefined {
  return num(path(o, "metadata", "generation"));
}
