import * as yaml from "js-yaml";

/**
 * Reads Kubernetes objects from YAML (multi-document) or JSON (one object, an array, or a
 * `kind: List`). Errors are values naming the file and line, never stack traces.
 */
export type LoadResult = { ok: true; objects: unknown[] } | { ok: false; error: string };

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function flatten(docs: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const d of docs) {
    if (d === null || d === undefined) continue;
    if (Array.isArray(d)) out.push(...flatten(d));
    else if (typeof d === "object" && (d as Record<string, unknown>)["kind"] === "List" && Array.isArray((d as Record<string, unknown>)["items"])) {
      out.push(...flatten((d as Record<string, unknown>)["items"] as unknown[]));
    } else out.push(d);
  }
  return out;
}

export function loadObjects(text: string, file: string): LoadResult {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return { ok: true, objects: flatten([JSON.parse(text) as unknown]) };
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const pos = /position (\d+)/.exec(msg);
      const where = pos ? `:${lineOf(text, Number(pos[1]))}` : "";
      return { ok: false, error: `${file}${where}: invalid JSON: ${msg}` };
    }
  }
  try {
    const docs: unknown[] = [];
    yaml.loadAll(text, (d) => docs.push(d), { filename: file });
    return { ok: true, objects: flatten(docs) };
  } catch (e) {
    if (e instanceof yaml.YAMLException) {
      const line = e.mark ? e.mark.line + 1 : undefined;
      return { ok: false, error: `${file}${line ? `:${line}` : ""}: invalid YAML: ${e.reason}` };
    }
    return { ok: false, error: `${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** A single settings document (YAML or JSON mapping). */
export function loadMapping(text: string, file: string): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  const r = loadObjects(text, file);
  if (!r.ok) return r;
  if (r.objects.length !== 1 || r.objects[0] === null || typeof r.objects[0] !== "object" || Array.isArray(r.objects[0])) {
    return { ok: false, error: `${file}: expected one mapping of settings` };
  }
  return { ok: true, value: r.objects[0] as Record<string, unknown> };
}
