import type { CheckOutcome } from "./outcomes";
import type { VerificationRecords } from "./records";
import { INVALID_APEX_MESSAGE, VALID_DOMAIN_MESSAGE } from "./registrable";

/**
 * NSO's Domain `status`, built the way its Domain controller writes it, so that a Domain verified
 * by the provider looks to every other consumer (HTTPProxies in other stacks, kubectl, NSO's own
 * Gateway controller) exactly like one NSO verified.
 */

export interface Condition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  /** RFC 3339, second precision (metav1.Time). */
  readonly lastTransitionTime: string;
  readonly observedGeneration?: number;
}

export interface DomainVerificationStatus {
  readonly dnsRecord: VerificationRecords["dnsRecord"];
  readonly httpToken: VerificationRecords["httpToken"];
  readonly nextVerificationAttempt?: string;
  readonly lastVerificationAttempt?: string;
}

export interface DomainStatus {
  readonly verification?: DomainVerificationStatus;
  readonly apex?: boolean;
  readonly conditions: readonly Condition[];
}

export function metaTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

/** apimachinery `SetStatusCondition`: the transition time moves only when the status flips. */
export function setCondition(conditions: readonly Condition[], next: Omit<Condition, "lastTransitionTime">, nowMs: number): Condition[] {
  const existing = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = existing !== undefined && existing.status === next.status ? existing.lastTransitionTime : metaTime(nowMs);
  const merged: Condition = { ...next, lastTransitionTime };
  return existing === undefined ? [...conditions, merged] : conditions.map((c) => (c.type === next.type ? merged : c));
}

export function removeCondition(conditions: readonly Condition[], type: string): Condition[] {
  return conditions.filter((c) => c.type !== type);
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isDomainVerified(status: { conditions?: readonly Condition[] } | undefined): boolean {
  return findCondition(status?.conditions, "Verified")?.status === "True";
}

/** Time the current `Verified` state began: the origin of NSO's backoff schedule. */
export function verificationStartedAt(status: { conditions?: readonly Condition[] } | undefined): number | undefined {
  const t = findCondition(status?.conditions, "Verified")?.lastTransitionTime;
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

const PENDING_BOTH =
  "Update your DNS provider with record defined in `status.verification.dnsRecord`, or HTTP server with token defined in `status.verification.httpToken`.";
const PENDING_DNS = "Update your DNS provider with record defined in `status.verification.dnsRecord`.";
const PENDING_HTTP = "Update your HTTP server with token defined in `status.verification.httpToken`.";
const NO_DNS_ZONE = "No DNSZone found referencing this Domain; managed DNS verification not applicable";

interface StatusContext {
  readonly nowMs: number;
  readonly generation?: number;
}

function gen(ctx: StatusContext): { observedGeneration?: number } {
  return ctx.generation === undefined ? {} : { observedGeneration: ctx.generation };
}

/** First pass: publish the records and schedule an immediate attempt. */
export function pendingDomainStatus(
  previous: DomainStatus | undefined,
  records: VerificationRecords,
  apex: boolean,
  ctx: StatusContext,
): DomainStatus {
  let conditions: Condition[] = [...(previous?.conditions ?? [])];
  conditions = setCondition(conditions, { type: "ValidDomain", status: "True", reason: "Valid", message: VALID_DOMAIN_MESSAGE, ...gen(ctx) }, ctx.nowMs);
  conditions = setCondition(conditions, { type: "Verified", status: "False", reason: "PendingVerification", message: PENDING_BOTH, ...gen(ctx) }, ctx.nowMs);
  conditions = setCondition(conditions, { type: "VerifiedDNS", status: "False", reason: "PendingVerification", message: PENDING_DNS, ...gen(ctx) }, ctx.nowMs);
  conditions = setCondition(conditions, { type: "VerifiedHTTP", status: "False", reason: "PendingVerification", message: PENDING_HTTP, ...gen(ctx) }, ctx.nowMs);
  conditions = setCondition(conditions, { type: "VerifiedDNSZone", status: "False", reason: "DNSZoneNotFound", message: NO_DNS_ZONE, ...gen(ctx) }, ctx.nowMs);
  return {
    verification: { dnsRecord: records.dnsRecord, httpToken: records.httpToken, nextVerificationAttempt: metaTime(ctx.nowMs) },
    apex,
    conditions,
  };
}

export interface AttemptResult {
  readonly dns: CheckOutcome;
  /** Absent when the DNS check passed (NSO tries HTTP only after DNS failed). */
  readonly http?: CheckOutcome;
  /** When the next attempt is due (ignored once verified). */
  readonly nextAttemptMs: number;
}

/** After one attempt: verified (scaffolding removed) or still pending with per-method reasons. */
export function attemptedDomainStatus(previous: DomainStatus, attempt: AttemptResult, ctx: StatusContext): DomainStatus {
  let conditions: Condition[] = [...previous.conditions];
  const passed = attempt.dns.passed || attempt.http?.passed === true;
  if (passed) {
    conditions = setCondition(conditions, { type: "Verified", status: "True", reason: "Verified", message: "Domain verification successful", ...gen(ctx) }, ctx.nowMs);
    for (const t of ["VerifiedDNS", "VerifiedHTTP", "VerifiedDNSZone"]) conditions = removeCondition(conditions, t);
    const { verification: _cleared, ...rest } = previous;
    return { ...rest, conditions };
  }
  const verified = findCondition(conditions, "Verified");
  conditions = setCondition(
    conditions,
    { type: "Verified", status: "False", reason: "PendingVerification", message: verified?.status === "False" ? verified.message : PENDING_BOTH, ...gen(ctx) },
    ctx.nowMs,
  );
  conditions = setCondition(conditions, { type: "VerifiedDNS", status: "False", reason: attempt.dns.reason, message: attempt.dns.message, ...gen(ctx) }, ctx.nowMs);
  if (attempt.http !== undefined) {
    conditions = setCondition(conditions, { type: "VerifiedHTTP", status: "False", reason: attempt.http.reason, message: attempt.http.message, ...gen(ctx) }, ctx.nowMs);
  }
  const verification = previous.verification;
  return {
    ...previous,
    ...(verification !== undefined && {
      verification: { ...verification, lastVerificationAttempt: metaTime(ctx.nowMs), nextVerificationAttempt: metaTime(attempt.nextAttemptMs) },
    }),
    conditions,
  };
}

/** A name that is only a public suffix never verifies; NSO stops all timers. */
export function invalidApexDomainStatus(previous: DomainStatus | undefined, ctx: StatusContext): DomainStatus {
  const conditions = setCondition(
    previous?.conditions ?? [],
    { type: "ValidDomain", status: "False", reason: "InvalidApex", message: INVALID_APEX_MESSAGE, ...gen(ctx) },
    ctx.nowMs,
  );
  const verification = previous?.verification;
  if (verification === undefined) return { ...previous, conditions };
  const { nextVerificationAttempt: _stopped, ...timerless } = verification;
  return { ...previous, verification: timerless, conditions };
}
