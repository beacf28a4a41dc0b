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
} from "../../core/domain";
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, PROXY_KINDS, SOURCE_KIND_LABEL } from "../../core/render";
import type { DomainVerificationOutcome } from "../../await/dns";
import { isNotFound, MissingKindError, type KubeClient } from "../../kube";
import { listDomainRecords, type DomainRecord } from "../domain/domain-record";
import { readingKey } from "../domain/domain-signature";
import { lastFindings, publishHint, verifyDomainRecord } from "../domain/domain-record-verification";
import { SOURCE_ANNOTATION } from "../downstream";
import { decodeSourceAnnotation } from "../source-annotation";
import { sourceIdentity } from "../inputs";
import type { EngineSettings } from "../settings";
import { ownerIdOf, previousOwnerIds } from "../ownership";
import { isObj, type Obj } from "../../core/json";

/**
 * The two rules NSO applies to an HTTPProxy's custom hostnames before it programs them
 * (docs/spec/compile.md §3.2), enforced by the provider before any downstream object is written:
 *  1. each hostname is covered by a verified Domain in the same namespace (unless
 *     `gateway.disableHostnameVerification`);
 *  2. each hostname is claimed exclusively on the cluster; a hostname another owner holds fails
 *     the operation with the owner's name.
 */

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
  return `${typeof source["kind"] === "string" ? source["kind"] : "HTTPProxy"} ${namespace}/${name}`;
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
async function verifyHostnames(client: KubeClient, settings: EngineSettings, source: Obj, held: readonly string[], ctx: VerifyContext): Promise<{ verifiedBy: Map<string, string>; refused: RefusedHostname[] }> {
  const verifiedBy = new Map<string, string>();
  const refused: RefusedHostname[] = [];
  const heldSet = new Set(held.map(normalizeHostname));
  for (const h of customHostnames(source)) if (heldSet.has(h.hostname)) verifiedBy.set(h.hostname, "already served by this stack (verified when first claimed)");
  if (settings.guardrails.gateway.disableHostnameVerification) {
    for (const h of customHostnames(source)) if (!verifiedBy.has(h.hostname)) verifiedBy.set(h.hostname, "verification disabled (gateway.disableHostnameVerification)");
    return { verifiedBy, refused };
  }
  const wanted = customHostnames(source).filter((h) => !heldSet.has(h.hostname));
  if (wanted.length === 0) return { verifiedBy, refused };
  const { namespace } = sourceIdentity(source);
  const records = await listDomainRecords(client, namespace, await readingKey(client, settings, ctx.signal), ctx.signal);
  const checked = new Map<string, DomainVerificationOutcome>();
  const unverified = (h: SpecHostname, message: string): void => {
    refused.push({ hostname: h.hostname, field: h.field, reason: "UnverifiedHostnamesPresent", message });
  };
  for (const h of wanted) {
    const coverage = hostnameCoverage(h.hostname, records.map(factOf));
    if (coverage.state === "verified") {
      verifiedBy.set(h.hostname, `Domain ${namespace}/${coverage.domain.name} (${coverage.domain.domainName}) is verified`);
      continue;
    }
    if (coverage.state === "uncovered") {
      unverified(h, uncoveredText(h, namespace));
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
        verifiedBy.set(h.hostname, `Domain ${namespace}/${r.name} (${r.domainName}) verified now`);
        break;
      }
      const findings = outcome ? lastFindings(outcome) : undefined;
      const hint = outcome ? publishHint(outcome) : "the Domain has no verification token yet; run `pulumi up` for the Domain first";
      notes.push(`Domain ${namespace}/${r.name} (${r.domainName}) is not verified yet: ${hint}${findings ? `; last check: ${findings}` : ""}`);
    }
    if (!verified) unverified(h, `${h.field}: ${unverifiedHostnameMessage(h.hostname)} ${notes.join("; ")}`);
  }
  return { verifiedBy, refused };
}

function unverifiedError(source: Obj, refused: readonly RefusedHostname[]): HostnameRuleError {
  const problems = refused.map((r) => r.message);
  const { namespace } = sourceIdentity(source);
  return new HostnameRuleError(`${describe(source)}: hostnames must be covered by a verified Domain in namespace ${JSON.stringify(namespace)}:\n  ${problems.join("\n  ")}`, problems);
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
 * Rule 2. Takes the claims on `wanted` (keeping the ones already held). A hostname another owner
 * holds is refused (HostnameInUse). With `all`, one refusal fails the operation instead: what this
 * call took is given back and the error names the holders. Claims on hostnames the proxy drops are
 * released by `releaseClaims` after the Gateway stops serving them.
 */
async function claimHostnames(client: KubeClient, settings: EngineSettings, source: Obj, held: readonly string[], wanted: readonly SpecHostname[], all: boolean, signal?: AbortSignal): Promise<RefusedHostname[]> {
  if (wanted.length === 0) return [];
  const claims = await import("../../claims/hostname-claims.js");
  const owner = claimOwner(settings, source);
  const opts = { namespace: settings.hostnameClaimNamespace, previous: earlierOwners(settings, source), ...(signal ? { signal } : {}) };
  const result = await claims.syncHostnameClaims(client, owner, [...held, ...wanted.map((h) => h.hostname)], opts);
  if (result.conflicts.length === 0) return [];
  const fieldOf = new Map(wanted.map((h) => [h.hostname, h.field]));
  const refused = result.conflicts.map((c): RefusedHostname => ({ hostname: c.hostname, field: fieldOf.get(c.hostname) ?? "spec.hostnames", reason: "HostnameInUse", message: `${fieldOf.get(c.hostname) ?? "spec.hostnames"}: ${c.message}` }));
  if (!all) return refused;
  await claims.releaseHostnameClaims(client, owner, { ...opts, keep: held });
  const problems = refused.map((r) => r.message);
  throw new HostnameRuleError(`${describe(source)}: hostnames are claimed by another owner on this cluster:\n  ${problems.join("\n  ")}`, problems);
}

/** Releases this proxy's claims except `keep` (all of them when keep is empty, on delete). */
export async function releaseClaims(client: KubeClient, settings: EngineSettings, source: Obj, keep: readonly string[], signal?: AbortSignal): Promise<string[]> {
  const claims = await import("../../claims/hostname-claims.js");
  return claims.releaseHostnameClaims(client, claimOwner(settings, source), {
    namespace: settings.hostnameClaimNamespace,
    previous: earlierOwners(settings, source),
    keep,
    ...(signal ? { signal } : {}),
  });
}

/**
 * What can be told without writing (preview, refresh): the hostnames `up` would refuse, and why.
 * A covering Domain that is still pending counts as refused here; `up` checks it once more.
 */
export async function foreseeRefusals(client: KubeClient, settings: EngineSettings, source: Obj, signal?: AbortSignal): Promise<RefusedHostname[]> {
  const wanted = customHostnames(source);
  if (wanted.length === 0) return [];
  const owner = claimOwner(settings, source);
  const earlier = earlierOwners(settings, source);
  const held = new Set(await heldHostnames(client, [owner, ...earlier], settings.hostnameClaimNamespace, signal));
  const { namespace } = sourceIdentity(source);
  const out: RefusedHostname[] = [];
  const unverified = (h: SpecHostname, message: string): void => {
    out.push({ hostname: h.hostname, field: h.field, reason: "UnverifiedHostnamesPresent", message });
  };
  if (!settings.guardrails.gateway.disableHostnameVerification) {
    const facts = (await listDomainRecords(client, namespace, await readingKey(client, settings, signal), signal)).map(factOf);
    for (const h of wanted) {
      if (held.has(h.hostname)) continue;
      const coverage = hostnameCoverage(h.hostname, facts);
      if (coverage.state === "uncovered") unverified(h, uncoveredText(h, namespace));
      else if (coverage.state === "unverified") {
        const names = coverage.domains.map((d) => `${namespace}/${d.name} (${d.domainName})`).join(", ");
        unverified(h, `${h.field}: ${unverifiedHostnameMessage(h.hostname)} Domain ${names} is not verified yet; up checks it once more`);
      }
    }
  }
  const refused = new Set(out.map((r) => r.hostname));
  for (const h of wanted) {
    if (refused.has(h.hostname)) continue;
    const existing = await client.get({ apiVersion: "v1", kind: "ConfigMap", namespace: settings.hostnameClaimNamespace, name: h.hostname }, signal ? { signal } : {});
    const decision = decideClaim(existing as { data?: unknown } | undefined, owner);
    if (decision.action === "conflict" && !earlier.some((e) => ownerString(e) === decision.holder)) {
      out.push({ hostname: h.hostname, field: h.field, reason: "HostnameInUse", message: `${h.field}: ${claimConflictMessage(h.hostname, decision.holder, settings.hostnameClaimNamespace)}` });
    }
  }
  return out;
}

/** Preview's warnings: each hostname `up` would refuse, why, and what `up` then does. */
export function refusalWarnings(settings: EngineSettings, source: Obj, refused: readonly RefusedHostname[]): string[] {
  const then = settings.requireAllHostnames ? "up fails (requireAllHostnames)" : "up leaves it out of the Gateway and serves the other hostnames";
  return refused.map((r) => `${describe(source)}: ${r.message} — ${then}`);
}

export interface ProxyUse {
  /** HTTPProxy or GRPCProxy. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The proxy's hostnames the Domain covers. */
  readonly hostnames: readonly string[];
}

/**
 * HTTPProxies and GRPCProxies (of any stack using this provider) in a namespace that serve a hostname under
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
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE},${SOURCE_KIND_LABEL} in (${PROXY_KINDS.join(",")})`,
      },
      signal ? { signal } : {},
    );
  } catch (e) {
    // Without the Gateway API there are no HTTPProxies of ours to protect.
    if (e instanceof MissingKindError) return [];
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
    out.push({ kind: gw.metadata.labels?.[SOURCE_KIND_LABEL] ?? "HTTPProxy", namespace, name: typeof meta["name"] === "string" ? meta["name"] : gw.metadata.name, hostnames: used });
  }
  return out;
}

/** A custom hostname the proxy will not serve, with NSO's listener reason and what to change. */
export interface RefusedHostname {
  readonly hostname: string;
  readonly field: string;
  readonly reason: "UnverifiedHostnamesPresent" | "HostnameInUse";
  readonly message: string;
}

export interface AdmittedHostnames {
  /** How each admitted custom hostname was verified (which Domain, or why none was needed). */
  readonly verifiedBy: ReadonlyMap<string, string>;
  /** Hostnames left out of the Gateway (NSO's partial programming); empty with `requireAllHostnames`. */
  readonly refused: readonly RefusedHostname[];
  /** Gives back claims on hostnames the proxy no longer serves; call once the Gateway stopped serving them. */
  releaseDropped(): Promise<string[]>;
}

/**
 * Both rules, in order, before an HTTPProxy's objects are written (create and update). As NSO does,
 * the hostnames that pass are programmed and the others reported (`refused`); with
 * `requireAllHostnames` any refusal fails the operation before anything is written.
 */
export async function admitHostnames(client: KubeClient, settings: EngineSettings, source: Obj, ctx: VerifyContext): Promise<AdmittedHostnames> {
  const held = await heldHostnames(client, [claimOwner(settings, source), ...earlierOwners(settings, source)], settings.hostnameClaimNamespace, ctx.signal);
  const verification = await verifyHostnames(client, settings, source, held, ctx);
  if (settings.requireAllHostnames && verification.refused.length > 0) throw unverifiedError(source, verification.refused);
  const unverified = new Set(verification.refused.map((r) => r.hostname));
  const wanted = customHostnames(source).filter((h) => !unverified.has(h.hostname));
  const inUse = await claimHostnames(client, settings, source, held, wanted, settings.requireAllHostnames, ctx.signal);
  const refused = [...verification.refused, ...inUse];
  const refusedSet = new Set(refused.map((r) => r.hostname));
  const keep = customHostnames(source)
    .map((h) => h.hostname)
    .filter((h) => !refusedSet.has(h));
  const verifiedBy = new Map([...verification.verifiedBy].filter(([h]) => !refusedSet.has(h)));
  return { verifiedBy, refused, releaseDropped: () => releaseClaims(client, settings, source, keep, ctx.signal) };
}
