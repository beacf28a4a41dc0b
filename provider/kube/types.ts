/**
 * Plain-JSON shapes for objects going to and coming from the API server. The client never
 * interprets spec/status, so only the identity fields are typed.
 */

import { isObj } from "../core/json";

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generation?: number;
  resourceVersion?: string;
  uid?: string;
  deletionTimestamp?: string;
  [key: string]: unknown;
}

/** Any Kubernetes object as JSON (what SSA sends and what the server returns). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Identity of one object; namespace is absent for cluster-scoped kinds. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/** A set of objects of one kind (optionally one namespace) narrowed by selectors. */
export interface ObjectQuery {
  readonly apiVersion: string;
  readonly kind: string;
  /** Omit for cluster-scoped kinds or to query all namespaces. */
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface GroupVersion {
  readonly group: string;
  readonly version: string;
}

export function splitApiVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function refOf(obj: KubeObject): ObjectRef {
  const ns = obj.metadata.namespace;
  return ns === undefined || ns === ""
    ? { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name }
    : { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: ns };
}

/** `Gateway default/app` or `GatewayClass eg` — the form every progress and error message uses. */
export function describeRef(ref: { kind: string; name?: string; namespace?: string }): string {
  const name = ref.name ?? "";
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${name}` : `${ref.kind} ${name}`;
}

/** Stable map key for an object identity. */
export function refKey(ref: ObjectRef): string {
  const { group } = splitApiVersion(ref.apiVersion);
  return `${group}/${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

/** Narrow server JSON to a KubeObject; undefined when the identity fields are missing. */
export function asKubeObject(v: unknown): KubeObject | undefined {
  if (!isObj(v)) return undefined;
  const { apiVersion, kind, metadata } = v;
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !isObj(metadata)) return undefined;
  if (typeof metadata["name"] !== "string") return undefined;
  return v as KubeObject;
}

/** `a=b,c=d` for equality selectors (keys sorted so the string is stable). */
export function labelSelector(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k] ?? ""}`)
    .join(",");
}
