import { createHash } from "node:crypto";
import {
  claimConflictMessage,
  claimHolder,
  claimObject,
  decideClaim,
  DEFAULT_ACCOUNTING_NAMESPACE,
  normalizeHostname,
  ownerSelector,
  ownerString,
  staleClaims,
  type ClaimOwner,
} from "../core/domain";
import type { KubeObject, ObjectQuery, ObjectRef } from "../kube/types";
import { isFieldManagerConflict, isNotFound } from "../kube/errors";

/**
 * Taking and giving back hostname claims in the cluster. Exclusivity comes from the API server,
 * not from a read-then-write: each owner applies its claim with its own server-side-apply field
 * manager, so writing a different `data.owner` over another owner's claim is an SSA conflict
 * (HTTP 409) that no amount of racing can get around.
 */

/** The subset of provider/kube's KubeClient this needs (narrow so tests and fakes stay small). */
export interface ClaimApi {
  get(ref: ObjectRef, opts?: { signal?: AbortSignal }): Promise<KubeObject | undefined>;
  apply(obj: KubeObject, opts?: { signal?: AbortSignal; fieldManager?: string; force?: boolean }): Promise<KubeObject>;
  list(query: ObjectQuery, opts?: { signal?: AbortSignal }): Promise<{ items: KubeObject[] }>;
  delete(ref: ObjectRef, opts?: { signal?: AbortSignal }): Promise<"deleted" | "absent">;
}

export interface ClaimOptions {
  readonly namespace?: string;
  readonly signal?: AbortSignal;
  /**
   * Identities the same owner held claims under before (the field manager, before stacks had an
   * owner id): their claims are taken over, and released, as the owner's own.
   */
  readonly previous?: readonly ClaimOwner[];
}

export interface ClaimConflict {
  readonly hostname: string;
  readonly holder: string;
  readonly message: string;
}

export interface ClaimResult {
  readonly claimed: readonly string[];
  readonly conflicts: readonly ClaimConflict[];
  /** Claims this owner held but no longer wants; deleted. */
  readonly released: readonly string[];
}

/** One field manager per owner: what makes a foreign claim an SSA conflict. */
export function claimFieldManager(owner: ClaimOwner): string {
  return `pulumi-datum-claim-${createHash("sha256").update(ownerString(owner)).digest("hex").slice(0, 16)}`;
}



function ref(namespace: string, hostname: string): ObjectRef {
  return { apiVersion: "v1", kind: "ConfigMap", namespace, name: normalizeHostname(hostname) };
}

/** Creates the accounting namespace when missing (claims and the Domain signing key live there). */
export async function ensureNamespace(api: ClaimApi, namespace: string, signal: AbortSignal | undefined): Promise<void> {
  const existing = await api.get({ apiVersion: "v1", kind: "Namespace", name: namespace }, signal ? { signal } : {});
  if (existing !== undefined) return;
  await api.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } }, { fieldManager: "pulumi-datum-claims", ...(signal && { signal }) });
}

async function holderOf(api: ClaimApi, namespace: string, hostname: string, signal: AbortSignal | undefined): Promise<string> {
  const current = await api.get(ref(namespace, hostname), signal ? { signal } : {});
  return current === undefined ? "" : claimHolder(current as { data?: unknown });
}

/**
 * Claims every hostname for `owner` and releases the owner's claims on hostnames not listed
 * (NSO does both on each reconcile). Hostnames held by someone else come back as conflicts that
 * name the holder; nothing of theirs is touched.
 */
export async function syncHostnameClaims(api: ClaimApi, owner: ClaimOwner, hostnames: readonly string[], opts: ClaimOptions = {}): Promise<ClaimResult> {
  const namespace = opts.namespace ?? DEFAULT_ACCOUNTING_NAMESPACE;
  const signal = opts.signal;
  const wanted = [...new Set(hostnames.map(normalizeHostname))];
  const claimed: string[] = [];
  const conflicts: ClaimConflict[] = [];
  const earlier = new Set((opts.previous ?? []).map(ownerString));
  if (wanted.length > 0) await ensureNamespace(api, namespace, signal);
  for (const hostname of wanted) {
    const existing = await api.get(ref(namespace, hostname), signal ? { signal } : {});
    const decision = decideClaim(existing as { data?: unknown } | undefined, owner);
    // The owner's own claim under an earlier identity: rewritten (forced: its field manager differs).
    const takeover = decision.action === "conflict" && earlier.has(decision.holder);
    if (decision.action === "conflict" && !takeover) {
      conflicts.push({ hostname, holder: decision.holder, message: claimConflictMessage(hostname, decision.holder, namespace) });
      continue;
    }
    try {
      await api.apply(claimObject(hostname, owner, namespace) as unknown as KubeObject, {
        fieldManager: claimFieldManager(owner),
        force: takeover,
        ...(signal && { signal }),
      });
      claimed.push(hostname);
    } catch (e) {
      if (!isFieldManagerConflict(e)) throw e;
      // Lost a race: someone claimed it between our read and our apply.
      const holder = await holderOf(api, namespace, hostname, signal);
      conflicts.push({ hostname, holder, message: claimConflictMessage(hostname, holder, namespace) });
    }
  }
  const released = await releaseHostnameClaims(api, owner, { ...opts, keep: wanted });
  return { claimed, conflicts, released };
}

/** Deletes the owner's claims (all, or all but `keep`). Claims of other owners are never deleted. */
export async function releaseHostnameClaims(api: ClaimApi, owner: ClaimOwner, opts: ClaimOptions & { keep?: readonly string[] } = {}): Promise<string[]> {
  const namespace = opts.namespace ?? DEFAULT_ACCOUNTING_NAMESPACE;
  const signal = opts.signal;
  const mine: string[] = [];
  for (const identity of [owner, ...(opts.previous ?? [])]) {
    let items: KubeObject[];
    try {
      items = (await api.list({ apiVersion: "v1", kind: "ConfigMap", namespace, labelSelector: ownerSelector(identity) }, signal ? { signal } : {})).items;
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
    const me = ownerString(identity);
    // Labels are a hint (they are truncated/hashed when long); data.owner is the authority.
    mine.push(...items.filter((o) => claimHolder(o as { data?: unknown }) === me).map((o) => o.metadata.name));
  }
  const stale = staleClaims([...new Set(mine)], opts.keep ?? []);
  for (const name of stale) await api.delete(ref(namespace, name), signal ? { signal } : {});
  return stale;
}
