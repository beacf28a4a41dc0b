import { parseSource, type SourcePos } from "./source";
import { isObj } from "../core/json";

/**
 * Reads Kubernetes objects from YAML (multi-document) or JSON (one object, an array, or a
 * `kind: List`), each with the file and the positions of its fields. One loader serves every
 * command. Errors are values naming the file and line, never stack traces.
 */
export interface LoadedObject {
  object: unknown;
  pos: SourcePos;
}

export type LoadResult = { ok: true; objects: LoadedObject[] } | { ok: false; error: string };

/** Top-level lists and `kind: List` items are objects of their own; null documents are skipped. */
function flatten(value: unknown, pos: SourcePos, out: LoadedObject[]): void {
  if (value === null || value === undefined) return;
  const items = Array.isArray(value) ? value : isObj(value) && value["kind"] === "List" && Array.isArray(value["items"]) ? value["items"] : undefined;
  if (!items) {
    out.push({ object: value, pos });
    return;
  }
  const itemsPos = Array.isArray(value) ? pos : (pos.children?.get("items") ?? pos);
  items.forEach((item, i) => flatten(item, itemsPos.children?.get(String(i)) ?? itemsPos, out));
}

export function loadObjects(text: string, file: string): LoadResult {
  const parsed = parseSource(text, file);
  if (!parsed.ok) return parsed;
  const objects: LoadedObject[] = [];
  for (const d of parsed.documents) flatten(d.value, d.pos, objects);
  // An empty input is almost always a mistake (a wrong path, a failed pipe); passing it would hide it.
  if (objects.length === 0) return { ok: false, error: `${file}:1: no objects: the input is empty (or holds only comments and empty documents)` };
  return { ok: true, objects };
}

/** A single settings document (YAML or JSON mapping), with where each node is written (for errors that name a line). */
export function loadMappingAt(text: string, file: string): { ok: true; value: Record<string, unknown>; pos: SourcePos } | { ok: false; error: string } {
  const parsed = parseSource(text, file);
  if (!parsed.ok) return parsed;
  const docs = parsed.documents.filter((d) => d.value !== null && d.value !== undefined);
  const doc = docs[0];
  if (docs.length !== 1 || !doc || !isObj(doc.value)) {
    return { ok: false, error: `${file}:${doc?.pos.line ?? 1}: expected one mapping of settings` };
  }
  return { ok: true, value: doc.value, pos: doc.pos };
}
