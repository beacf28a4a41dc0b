import { createHash } from "node:crypto";
import { normalizeHostname } from "./coverage";

/**
 * Exclusive hostname claims across stacks (docs/spec/compile.md §3.2). NSO keeps one ConfigMap per custom
 * hostname, named after it, in an accounting namespace; `data.owner` says who holds it. Two
 * provider instances (two stacks, possibly two programs) see each other's claims because the
 * ConfigMap lives in the cluster, not in either stack's state.
 */

export const DEFAULT_ACCOUNTING_NAMESPACE = "datum-downstream-gateway-hostnames";
export const OWNER_KEY = "owner";
export const LABEL_CLUSTER = "meta.datumapis.com/upstream-cluster-name";
export const LABEL_NAMESPACE = "meta.datumapis.com/upstream-namespace";
export const LABEL_NAME = "meta.datumapis.com/upstream-name";

/** Who claims: the provider instance (NSO's "cluster") plus the claiming resource. */
export interface ClaimOwner {
  /** Identifies the provider instance, e.g. `<org>/<project>/<stack>`; stable across runs. */
  readonly instance: string;
  readonly namespace: string;
  readonly name: string;
}

/** `<instance>/<namespace>/<name>` — NSO's owner string format. */
export function ownerString(owner: ClaimOwner): string {
  return `${owner.instance}/${owner.namespace}/${owner.name}`;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Label values must be ≤63 chars of [-A-Za-z0-9_.] with alphanumeric ends. NSO's own value
 * (`cluster-<name with / → _>`) is kept when it fits; otherwise a readable prefix plus a hash,
 * so two different instances never share a label value.
 */
export function labelValue(raw: string): string {
  if (raw.length <= 63 && LABEL_VALUE.test(raw)) return raw;
  const hash = createHash("sha256").update(raw).digest("hex").slice(0, 10);
  const cleaned = raw.replace(/[^-A-Za-z0-9_.]/g, "_").replace(/^[^A-Za-z0-9]+/, "");
  const prefix = cleaned.slice(0, 63 - hash.length - 1).replace(/[^A-Za-z0-9]+$/, "");
  return prefix === "" ? hash : `${prefix}-${hash}`;
}

export function ownerLabels(owner: ClaimOwner): Record<string, string> {
  return {
    [LABEL_CLUSTER]: labelValue(`cluster-${owner.instance.replaceAll("/", "_")}`),
    [LABEL_NAMESPACE]: labelValue(owner.namespace),
    [LABEL_NAME]: labelValue(owner.name),
  };
}

/** `k=v,k=v` selecting every claim one owner holds (for release and garbage collection). */
export function ownerSelector(owner: ClaimOwner): string {
  return Object.entries(ownerLabels(owner))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export interface ClaimConfigMap {
  readonly apiVersion: "v1";
  readonly kind: "ConfigMap";
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  readonly data: Record<string, string>;
}

export function claimObject(hostname: string, owner: ClaimOwner, namespace: string = DEFAULT_ACCOUNTING_NAMESPACE): ClaimConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: normalizeHostname(hostname), namespace, labels: ownerLabels(owner) },
    data: { [OWNER_KEY]: ownerString(owner) },
  };
}

/** The holder recorded in an existing claim; "" when the object carries no owner. */
export function claimHolder(existing: { data?: unknown }): string {
  const data = existing.data;
  if (typeof data !== "object" || data === null) return "";
  const v = (data as Record<string, unknown>)[OWNER_KEY];
  return typeof v === "string" ? v : "";
}

export type ClaimDecision =
  | { readonly action: "create" }
  | { readonly action: "held" }
  | { readonly action: "conflict"; readonly holder: string };

/** NSO: a claim with another owner means "not claimed"; there is no takeover. */
export function decideClaim(existing: { data?: unknown } | undefined, owner: ClaimOwner): ClaimDecision {
  if (existing === undefined) return { action: "create" };
  const holder = claimHolder(existing);
  return holder === ownerString(owner) ? { action: "held" } : { action: "conflict", holder };
}

/** NSO's listener message, followed by who holds the hostname so the loser knows whom to ask. */
export function claimConflictMessage(hostname: string, holder: string, namespace: string = DEFAULT_ACCOUNTING_NAMESPACE): string {
  const who = holder === "" ? "an unknown owner" : JSON.stringify(holder);
  return (
    `The hostname ${JSON.stringify(hostname)} is already attached to a resource: it is claimed by ${who} ` +
    `(ConfigMap ${namespace}/${normalizeHostname(hostname)})`
  );
}

/** Claims an owner holds that it no longer wants (NSO deletes them on every reconcile). */
export function staleClaims(heldNames: readonly string[], wantedHostnames: readonly string[]): string[] {
  const wanted = new Set(wantedHostnames.map(normalizeHostname));
  return heldNames.filter((n) => !wanted.has(normalizeHostname(n)));
}
