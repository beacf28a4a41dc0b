import {
  claimConflictMessage,
  claimHolder,
  decideClaim,
  domainCovers,
  hostnameCoverage,
  impliedDomainName,
  isDomainVerified,
  normalizeHostname,
  ownerSelector,
  ownerString,
  registrableDomain,
  unverifiedHostnameMessage,
  type ClaimOwner,
  type DomainFact,
} from "../core/domain";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, SOURCE_KIND_LABEL } from "../core/render";
import type { DomainVerificationOutcome } from "../await/dns";
import { isNotFound, type KubeClient } from "../kube";
import { listDomainRecords, type DomainRecord } from "./domain-record";
import { readingKey } from "./domain-signature";
import { lastFindings, publishHint, verifyDomainRecord } from "./domain-verify";
import { SOURCE_ANNOTATION } from "./downstream";
import { decodeSourceAnnotation } from "./source-annotation";
import { sourceIdentity } from "./inputs";
import type { EngineSettings } from "./settings";
import { ownerIdOf, previousOwnerIds } from "./ownership";

/**
 * The two rules NSO applies to an HTTPProxy's custom hostnames before it programs them
 * (docs/spec/compile.md §3.2), enforced by the provider before any downstream object is written:
 *  1. each hostname is covered by a verified Domain in the same namespace (unless
 *     `gateway.disableHostnameVerification`);
 *  2. each hostname is claimed exclusively on the cluster; a hostname another owner holds fails
 *     the operation with the owner's name.
 */

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** A rule refused the HTTPProxy before anything was written; `problems` name the field paths. */
export class HostnameRuleError extends Error {
  constructor(
    message: string,
    readonly problems: readonly string[],
  ) {
    super(message);
    this.name = "HostnameRuleError";
  }
}

/**
 * The claim owner: the stack (its owner id, which is what separates two stacks on one cluster and
 * does not change with the field manager) and the HTTPProxy.
 */
export function claimOwner(settings: EngineSettings, source: Obj): ClaimOwner {
  const { namespace, name } = sourceIdentity(source);
  return { instance: ownerIdOf(settings), namespace, name };
}

/** The same proxy under the stack's earlier identities (claims written before owner ids): taken over. */
function earlierOwners(settings: EngineSettings, source: Obj): ClaimOwner[] {
  const { namespace, name } = sourceIdentity(source);
  return previousOwnerIds(settings).map((instance) => ({ instance, namespace, name }));
}

export interface SpecHostname {
  readonly hostname: string;
  /** `spec.hostnames[i]`, for messages. */
  readonly field: string;
}

/** The custom hostnames (spec.hostnames); the canonical hostname is the platform's and needs neither rule. */
export function customHostnames(source: Obj): SpecHostname[] {
  const spec = isObj(source["spec"]) ? source["spec"] : {};
  const list = Array.isArray(spec["hostnames"]) ? spec["hostnames"] : [];
  const out: SpecHostname[] = [];
  list.forEach((h, i) => {
    if (typeof h === "string" && h !== "") out.push({ hostname: normalizeHostname(h), field: `spec.hostnames[${i}]` });
  });
  return out;
}

function describe(source: Obj): string {
  const { namespace, name } = sourceIdentity(source);
  return `HTTPProxy ${namespace}/${name}`;
}

/** Hostnames these identities hold claims on (`data.owner` decides; labels only narrow the list). */
export async function heldHostnames(client: KubeClient, owners: readonly ClaimOwner[], claimNamespace: string, signal?: AbortSignal): Promise<string[]> {
  const held: string[] = [];
  for (const owner of owners) {
    try {
      const list = await client.list({ apiVersion: "v1", kind: "ConfigMap", namespace: claimNamespace, labelSelector: ownerSelector(owner) }, signal ? { signal } : {});
      const me = ownerString(owner);
      held.push(...list.items.filter((o) => claimHolder(o as { data?: unknown }) === me).map((o) => o.metadata.name));
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
  }
  return [...new Set(held)];
}

function suggestedDomain(hostname: string): string {
  const r = registrableDomain(hostname);
  return r.ok ? r.registrable : (impliedDomainName(hostname) ?? hostname);
}

function uncoveredText(h: SpecHostname, namespace: string): string {
  return (
    `${h.field}: ${unverifiedHostnameMessage(h.hostname)} No Domain in namespace ${JSON.stringify(namespace)} covers it: ` +
    `create a Domain with spec.domainName ${JSON.stringify(suggestedDomain(h.hostname))} (or ${JSON.stringify(h.hostname)}) and verify it`
  );
}

function factOf(r: DomainRecord): DomainFact {
  return { name: r.name, domainName: r.domainName, verified: isDomainVerified(r.status) };
}

export interface VerifyContext {
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
  /** Absolute time (ms since epoch) the whole operation must end by. */
  readonly deadlineMs: number;
}

/**
 * Rule 1. Hostnames this owner already holds stay verified (NSO's grace for hostnames already on
 * the Gateway), so deleting a Domain does not break the next update of a proxy that was admitted.
 * A covering Domain that is still pending is checked now, on the Domain's behalf (NSO verifies in
 * the background; the provider only while something waits on it): this is what lets one program
 * create a Domain with `waitForVerification: false`, publish its TXT record through a DNS provider
 * resource, and then create the HTTPProxy in the same `up`.
 */
export async function requireVerifiedHostnames(client: KubeClient, settings: EngineSettings, source: Obj, held: readonly string[], ctx: VerifyContext): Promise<void> {
  if (settings.guardrails.gateway.disableHostnameVerification) return;
  const heldSet = new Set(held.map(normalizeHostname));
  const wanted = customHostnames(source).filter((h) => !heldSet.has(h.hostname));
  if (wanted.length === 0) return;
  const { namespace } = sourceIdentity(source);
  const records = await listDomainRecords(client, namespace, await readingKey(client, settings, ctx.signal), ctx.signal);
  const checked = new Map<string, DomainVerificationOutcome>();
  const problems: string[] = [];
  for (const h of wanted) {
    const coverage = hostnameCoverage(h.hostname, records.map(factOf));
    if (coverage.state === "verified") continue;
    if (coverage.state === "uncovered") {
      problems.push(uncoveredText(h, namespace));
      continue;
    }
    const covering = records.filter((r) => domainCovers(r.domainName, h.hostname));
    const notes: string[] = [];
    let verified = false;
    for (const r of covering) {
      let outcome = checked.get(r.name);
      if (outcome === undefined && r.token !== "" && r.uid !== "") {
        outcome = await verifyPending(client, settings, r, ctx);
        checked.set(r.name, outcome);
      }
      if (outcome?.state === "verified") {
        verified = true;
        break;
      }
      const findings = outcome ? lastFindings(outcome) : undefined;
      const hint = outcome ? publishHint(outcome) : "the Domain has no verification token yet; run `pulumi up` for the Domain first";
      notes.push(`Domain ${namespace}/${r.name} (${r.domainName}) is not verified yet: ${hint}${findings ? `; last check: ${findings}` : ""}`);
    }
    if (!verified) problems.push(`${h.field}: ${unverifiedHostnameMessage(h.hostname)} ${notes.join("; ")}`);
  }
  if (problems.length > 0) {
    throw new HostnameRuleError(`${describe(source)}: hostnames must be covered by a verified Domain in namespace ${JSON.stringify(namespace)}:\n  ${problems.join("\n  ")}`, problems);
  }
}

async function verifyPending(client: KubeClient, settings: EngineSettings, r: DomainRecord, ctx: VerifyContext): Promise<DomainVerificationOutcome> {
  const waitMs = Math.min(settings.domainVerification.proxyWaitSeconds * 1000, Math.max(0, ctx.deadlineMs - Date.now()));
  return verifyDomainRecord(client, settings, {
    namespace: r.namespace,
    name: r.name,
    domainName: r.domainName,
    token: r.token,
    uid: r.uid,
    previousStatus: r.status,
    mode: waitMs > 0 ? "wait" : "once",
    timeoutMs: waitMs,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
  });
}

/**
 * Rule 2. Takes the claims (keeping the ones already held) and, when another owner holds any
 * hostname, gives back what this call took and fails naming the holder. Claims on hostnames the
 * proxy drops are released by `releaseClaims` after the Gateway stops serving them.
 */
export async function claimHostnames(client: KubeClient, settings: EngineSettings, source: Obj, held: readonly string[], signal?: AbortSignal): Promise<void> {
  const claims = await import("../claims/hostname-claims.js");
  const owner = claimOwner(settings, source);
  const wanted = customHostnames(source);
  if (wanted.length === 0) return;
  const opts = { namespace: settings.hostnameClaimNamespace, previous: earlierOwners(settings, source), ...(signal ? { signal } : {}) };
  const result = await claims.syncHostnameClaims(client, owner, [...held, ...wanted.map((h) => h.hostname)], opts);
  if (result.conflicts.length === 0) return;
  await claims.releaseHostnameClaims(client, owner, { ...opts, keep: held });
  const fieldOf = new Map(wanted.map((h) => [h.hostname, h.field]));
  const problems = result.conflicts.map((c) => `${fieldOf.get(c.hostname) ?? "spec.hostnames"}: ${c.message}`);
  throw new HostnameRuleError(`${describe(source)}: hostnames are claimed by another owner on this cluster:\n  ${problems.join("\n  ")}`, problems);
}

/** Releases this proxy's claims except `keep` (all of them when keep is empty, on delete). */
export async function releaseClaims(client: KubeClient, settings: EngineSettings, source: Obj, keep: readonly string[], signal?: AbortSignal): Promise<string[]> {
  const claims = await import("../claims/hostname-claims.js");
  return claims.releaseHostnameClaims(client, claimOwner(settings, source), {
    namespace: settings.hostnameClaimNamespace,
    previous: earlierOwners(settings, source),
    keep,
    ...(signal ? { signal } : {}),
  });
}

/** What preview can tell without writing: hostnames that would be refused, and why. */
export async function hostnameWarnings(client: KubeClient, settings: EngineSettings, source: Obj, signal?: AbortSignal): Promise<string[]> {
  const wanted = customHostnames(source);
  if (wanted.length === 0) return [];
  const owner = claimOwner(settings, source);
  const earlier = earlierOwners(settings, source);
  const held = new Set(await heldHostnames(client, [owner, ...earlier], settings.hostnameClaimNamespace, signal));
  const { namespace } = sourceIdentity(source);
  const out: string[] = [];
  if (!settings.guardrails.gateway.disableHostnameVerification) {
    const facts = (await listDomainRecords(client, namespace, await readingKey(client, settings, signal), signal)).map(factOf);
    for (const h of wanted) {
      if (held.has(h.hostname)) continue;
      const coverage = hostnameCoverage(h.hostname, facts);
      if (coverage.state === "uncovered") out.push(uncoveredText(h, namespace));
      else if (coverage.state === "unverified") {
        const names = coverage.domains.map((d) => `${namespace}/${d.name} (${d.domainName})`).join(", ");
        out.push(`${h.field}: ${unverifiedHostnameMessage(h.hostname)} Domain ${names} is not verified yet; up checks it once more before refusing`);
      }
    }
  }
  for (const h of wanted) {
    const existing = await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: settings.hostnameClaimNamespace, name: h.hostname }, signal ? { signal } : {});
    const decision = decideClaim(existing as { data?: unknown } | undefined, owner);
    if (decision.action === "conflict" && !earlier.some((e) => ownerString(e) === decision.holder)) out.push(`${h.field}: ${claimConflictMessage(h.hostname, decision.holder, settings.hostnameClaimNamespace)}`);
  }
  return out.map((w) => `${describe(source)}: ${w}`);
}

export interface ProxyUse {
  readonly namespace: string;
  readonly name: string;
  /** The proxy's hostnames the Domain covers. */
  readonly hostnames: readonly string[];
}

/**
 * HTTPProxies (of any stack using this provider) in a namespace that serve a hostname under
 * `domainName`, read from the source annotation of their Gateways: guardrail D8's input.
 */
export async function proxiesUsingDomain(client: KubeClient, namespace: string, domainName: string, signal?: AbortSignal): Promise<ProxyUse[]> {
  let gateways;
  try {
    gateways = await client.list(
      {
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "Gateway",
        namespace,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${SOURCE_KIND_LABEL}=HTTPProxy`,
      },
      signal ? { signal } : {},
    );
  } catch (e) {
    // Without the Gateway API there are no HTTPProxies of ours to protect.
    if (e instanceof Error && e.name === "MissingKindError") return [];
    throw e;
  }
  const out: ProxyUse[] = [];
  for (const gw of gateways.items) {
    const src = decodeSourceAnnotation(gw.metadata.annotations?.[SOURCE_ANNOTATION]);
    if (!src) continue;
    const used = customHostnames(src)
      .map((h) => h.hostname)
      .filter((h) => domainCovers(domainName, h));
    if (used.length === 0) continue;
    const meta = isObj(src["metadata"]) ? src["metadata"] : {};
    out.push({ namespace, name: typeof meta["name"] === "string" ? meta["name"] : gw.metadata.name, hostnames: used });
  }
  return out;
}

export interface AdmittedHostnames {
  /** Gives back claims on hostnames the proxy no longer has; call once the Gateway stopped serving them. */
  releaseDropped(): Promise<string[]>;
}

/** Both rules, in order, before an HTTPProxy's objects are written (create and update). */
export async function admitHostnames(client: KubeClient, settings: EngineSettings, source: Obj, ctx: VerifyContext): Promise<AdmittedHostnames> {
  const held = await heldHostnames(client, [claimOwner(settings, source), ...earlierOwners(settings, source)], settings.hostnameClaimNamespace, ctx.signal);
  await requireVerifiedHostnames(client, settings, source, held, ctx);
  await claimHostnames(client, settings, source, held, ctx.signal);
  const keep = customHostnames(source).map((h) => h.hostname);
  return { releaseDropped: () => releaseClaims(client, settings, source, keep, ctx.signal) };
}
