import {
  attemptedDomainStatus,
  DEFAULT_DOMAIN_VERIFICATION,
  invalidApexDomainStatus,
  isDomainVerified,
  pendingDomainStatus,
  registrableDomain,
  verificationRecords,
  verificationStartedAt,
  type DomainStatus,
  type DomainVerificationSettings,
  type VerificationRecords,
} from "../../core/domain";
import { systemClock, type Clock } from "../../kube/clock";
import type { DomainVerifierDeps } from "./domain-verification-attempt";
import { waitForVerification, type VerificationWaitResult } from "./domain-verification-wait";

/**
 * The provider playing NSO's Domain controller for one Domain during `up`: check it is
 * registrable, publish the verification records in status, then (optionally) wait for the TXT
 * record or HTTP token, writing NSO-shaped status after every attempt so other stacks and
 * kubectl see the same progress.
 */
export interface DomainVerificationRun extends DomainVerifierDeps {
  readonly domainName: string;
  /** The UUIDv4 kept in state (token.ts). */
  readonly token: string;
  /** The Domain object's metadata.uid (last segment of the HTTP token URL). */
  readonly uid: string;
  readonly generation?: number;
  /** Status read back from the cluster (resuming an interrupted `up`), if any. */
  readonly previousStatus?: DomainStatus;
  readonly settings?: DomainVerificationSettings;
  /** `waitForVerification: false` publishes the records and returns at once. */
  readonly wait: boolean;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly onProgress?: (message: string) => void;
  /** Persists status (the /status subresource); called only when it changed. */
  readonly writeStatus?: (status: DomainStatus) => Promise<void>;
}

export type DomainVerificationOutcome =
  | { readonly state: "invalidApex"; readonly status: DomainStatus; readonly message: string }
  | { readonly state: "verified"; readonly status: DomainStatus; readonly records: VerificationRecords; readonly wait?: VerificationWaitResult }
  | { readonly state: "pending"; readonly status: DomainStatus; readonly records: VerificationRecords; readonly wait?: VerificationWaitResult };

export async function runDomainVerification(run: DomainVerificationRun): Promise<DomainVerificationOutcome> {
  const clock = run.clock ?? systemClock;
  const settings = run.settings ?? DEFAULT_DOMAIN_VERIFICATION;
  const ctx = { nowMs: clock.now(), ...(run.generation !== undefined && { generation: run.generation }) };
  let written = JSON.stringify(run.previousStatus ?? null);
  const write = async (s: DomainStatus): Promise<void> => {
    const json = JSON.stringify(s);
    if (json === written) return;
    written = json;
    await run.writeStatus?.(s);
  };

  const registrable = registrableDomain(run.domainName);
  if (!registrable.ok) {
    const status = invalidApexDomainStatus(run.previousStatus, ctx);
    await write(status);
    return { state: "invalidApex", status, message: `Domain ${run.domainName}: ${registrable.message}` };
  }
  const records = verificationRecords({ domainName: run.domainName, token: run.token, id: run.uid }, settings);
  if (run.previousStatus !== undefined && isDomainVerified(run.previousStatus)) {
    // NSO never re-verifies a verified Domain.
    return { state: "verified", status: run.previousStatus, records };
  }
  let status =
    run.previousStatus?.verification !== undefined ? run.previousStatus : pendingDomainStatus(run.previousStatus, records, registrable.apex, ctx);
  await write(status);
  if (!run.wait) return { state: "pending", status, records };

  const startedAtMs = verificationStartedAt(status) ?? ctx.nowMs;
  const result = await waitForVerification(records, {
    ...run,
    clock,
    settings,
    startedAtMs,
    onAttempt: async (attempt, attemptAtMs, nextAttemptAtMs) => {
      status = attemptedDomainStatus(
        status,
        { dns: attempt.dns, ...(attempt.http !== undefined && { http: attempt.http }), nextAttemptMs: nextAttemptAtMs },
        { nowMs: attemptAtMs, ...(run.generation !== undefined && { generation: run.generation }) },
      );
      await write(status);
    },
  });
  return { state: result.verified ? "verified" : "pending", status, records, wait: result };
}
