import { createHash } from "node:crypto";
import { isUnknown } from "../core/unknown";
import type { ResourceKind } from "./kinds";
import type { ResourceInputs } from "./types";
import { isObj, type Obj } from "../core/json";

/**
 * Pulumi inputs are Kubernetes-style `{metadata?, spec}`. The engine fills what Kubernetes would
 * (apiVersion, kind, namespace) and auto-names like pulumi-kubernetes: `<resource name>-<8 hex>`
 * from the engine's random seed, kept stable across updates, marked `pulumi.com/autonamed`.
 */
export const AUTONAMED_ANNOTATION = "pulumi.com/autonamed";
const MAX_NAME = 63;

function sanitize(urnName: string): string {
  const s = urnName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s || "proxy";
}

export function autoName(urnName: string, seed: Uint8Array | string): string {
  const suffix = createHash("sha256").update(seed).digest("hex").slice(0, 8);
  const base = sanitize(urnName).slice(0, MAX_NAME - 9).replace(/-+$/, "");
  return `${base}-${suffix}`;
}

export interface NormalizeContext {
  urnName: string;
  randomSeed?: Uint8Array;
  defaultNamespace: string;
}

/** The Kubernetes object the guardrails and renderer see for these inputs. */
export function toObject(kind: ResourceKind, inputs: ResourceInputs, olds: ResourceInputs | undefined, ctx: NormalizeContext): Obj {
  const meta: Obj = isObj(inputs["metadata"]) ? { ...inputs["metadata"] } : {};
  const oldMeta = olds && isObj(olds["metadata"]) ? olds["metadata"] : undefined;
  if (meta["name"] === undefined || meta["name"] === null || meta["name"] === "") {
    const oldAnn = oldMeta && isObj(oldMeta["annotations"]) ? oldMeta["annotations"] : {};
    const keep = oldMeta && oldAnn[AUTONAMED_ANNOTATION] === "true" && typeof oldMeta["name"] === "string" ? oldMeta["name"] : undefined;
    meta["name"] = keep ?? autoName(ctx.urnName, ctx.randomSeed ?? ctx.urnName);
    meta["annotations"] = { ...(isObj(meta["annotations"]) ? meta["annotations"] : {}), [AUTONAMED_ANNOTATION]: "true" };
  }
  if (meta["namespace"] === undefined || meta["namespace"] === null || meta["namespace"] === "") meta["namespace"] = ctx.defaultNamespace;
  const out: Obj = { apiVersion: kind.apiVersion, kind: kind.kind, metadata: meta };
  if (inputs["spec"] !== undefined) out["spec"] = inputs["spec"];
  return out;
}

/** Back to Pulumi inputs: only what the user controls. */
export function toInputs(obj: Obj): ResourceInputs {
  const out: ResourceInputs = {};
  if (isObj(obj["metadata"])) {
    const m = obj["metadata"];
    const meta: Obj = {};
    for (const k of ["name", "namespace", "labels", "annotations"]) if (m[k] !== undefined) meta[k] = m[k];
    out["metadata"] = meta;
  }
  if (obj["spec"] !== undefined) out["spec"] = obj["spec"];
  return out;
}

export function sourceIdentity(obj: Obj): { namespace: string; name: string } {
  const m = isObj(obj["metadata"]) ? obj["metadata"] : {};
  const name = m["name"];
  const namespace = m["namespace"];
  return {
    name: typeof name === "string" && !isUnknown(name) ? name : "",
    namespace: typeof namespace === "string" && !isUnknown(namespace) ? namespace : "default",
  };
}

/** Pulumi resource id: `<namespace>/<name>` (also the import id). */
export function resourceId(obj: Obj): string {
  const { namespace, name } = sourceIdentity(obj);
  return `${namespace}/${name}`;
}

export function parseResourceId(id: string): { namespace: string; name: string } | undefined {
  const parts = id.split("/");
  if (parts.length === 1 && parts[0]) return { namespace: "default", name: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1]) return { namespace: parts[0], name: parts[1] };
  return undefined;
}
