import { canonicalJson } from "../core/validation/pipeline";
import { isUnknown } from "../core/unknown";
import type { RenderedObject } from "../core/render";
import type { DiffResult, DownstreamRef, PropertyDiffKind, ResourceInputs, ResourceState } from "./types";
import { isObj, type Obj } from "../core/json";

/** Properties whose change means a different Kubernetes object: replace, never update in place. */
export const REPLACE_PATHS = ["metadata.name", "metadata.namespace"] as const;

/** A Domain's name is its identity (guardrails D5: immutable), so a new name is a new Domain. */
export const DOMAIN_REPLACE_PATHS = [...REPLACE_PATHS, "spec.domainName"] as const;

/** Leaf-level differences between two JSON values, keyed by Pulumi property path. */
export function propertyDiff(olds: unknown, news: unknown, path = "", out: Record<string, "ADD" | "DELETE" | "UPDATE"> = {}): Record<string, "ADD" | "DELETE" | "UPDATE"> {
  if (olds === undefined && news === undefined) return out;
  if (olds === undefined) {
    out[path] = "ADD";
    return out;
  }
  if (news === undefined) {
    out[path] = "DELETE";
    return out;
  }
  if (isUnknown(news)) {
    out[path] = "UPDATE";
    return out;
  }
  if (isObj(olds) && isObj(news)) {
    for (const k of new Set([...Object.keys(olds), ...Object.keys(news)])) {
      propertyDiff(olds[k], news[k], path ? `${path}.${k}` : k, out);
    }
    return out;
  }
  if (Array.isArray(olds) && Array.isArray(news)) {
    const n = Math.max(olds.length, news.length);
    for (let i = 0; i < n; i++) propertyDiff(olds[i], news[i], `${path}[${i}]`, out);
    return out;
  }
  if (canonicalJson(olds) !== canonicalJson(news)) out[path] = "UPDATE";
  return out;
}

function identity(o: { apiVersion: string; kind: string; metadata: { namespace?: string; name: string } }): string {
  return `${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ""}|${o.metadata.name}`;
}

function refOf(o: RenderedObject): DownstreamRef {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}

/** Which downstream objects a change would create, change or delete. */
export function downstreamDiff(before: readonly RenderedObject[], after: readonly RenderedObject[]): DiffResult["downstream"] {
  const old = new Map(before.map((o) => [identity(o), o]));
  const next = new Map(after.map((o) => [identity(o), o]));
  const create: DownstreamRef[] = [];
  const update: DownstreamRef[] = [];
  const del: DownstreamRef[] = [];
  for (const [id, o] of next) {
    const prev = old.get(id);
    if (!prev) create.push(refOf(o));
    else if (canonicalJson(prev) !== canonicalJson(o)) update.push(refOf(o));
  }
  for (const [id, o] of old) if (!next.has(id)) del.push(refOf(o));
  return { create, update, delete: del };
}

/** The user-controlled part of state/inputs that diff compares. */
function comparable(v: ResourceInputs | ResourceState): Obj {
  const out: Obj = {};
  if (v["metadata"] !== undefined) out["metadata"] = v["metadata"];
  if (v["spec"] !== undefined) out["spec"] = v["spec"];
  return out;
}

/**
 * Pulumi Diff for one resource: a detailed diff of the inputs, replacement only for a new
 * name/namespace (or the kind's other identity fields, `replacePaths`), and a change whenever the last refresh found drift, so the next `up` repairs it.
 */
export function diffInputs(
  olds: ResourceState,
  news: ResourceInputs,
  downstream: DiffResult["downstream"],
  opts: { replacePaths?: readonly string[] } = {},
): DiffResult {
  const raw = propertyDiff(comparable(olds), comparable(news));
  const detailedDiff: DiffResult["detailedDiff"] = {};
  const replaces: string[] = [];
  const replacePaths = opts.replacePaths ?? REPLACE_PATHS;
  for (const [path, kind] of Object.entries(raw)) {
    const replace = replacePaths.some((r) => path === r);
    if (replace) replaces.push(path);
    detailedDiff[path] = { kind: (replace ? `${kind}_REPLACE` : kind) as PropertyDiffKind, inputDiff: true };
  }
  const drift = Array.isArray(olds["drift"]) && olds["drift"].length > 0;
  if (drift) detailedDiff["drift"] = { kind: "UPDATE", inputDiff: false };
  const downstreamChanged = downstream.create.length + downstream.update.length + downstream.delete.length > 0;
  return {
    changes: Object.keys(detailedDiff).length > 0 || downstreamChanged,
    replaces,
    deleteBeforeReplace: false,
    detailedDiff,
    downstream,
  };
}
