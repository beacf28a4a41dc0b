import { DEFAULT_DOMAIN_VERIFICATION, nextAttemptDelayMs, type DomainVerificationSettings, type VerificationRecords } from "../../core/domain";
import { systemClock, type Clock } from "../../kube/clock";
import { attemptDomainVerification, type DomainVerifierDeps, type VerificationAttempt } from "./domain-verification-attempt";

/**
 * Waits for a Domain to verify on NSO's schedule (5 s steps for 5 min, 1 min steps until 15 min,
 * then 5 min, each with up to +25 % jitter), reporting every attempt, until verified, the
 * timeout passes, or the caller aborts.
 */
export interface WaitForVerificationOptions extends DomainVerifierDeps {
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** Give up after this long (Pulumi customTimeouts.create); absent = wait for ever. */
  readonly timeoutMs?: number;
  readonly settings?: Pick<DomainVerificationSettings, "retryIntervals" | "retryJitterMaxFactor">;
  readonly random?: () => number;
  /**
   * When the Domain started waiting (its `Verified` condition's lastTransitionTime), so a resumed
   * wait continues the schedule instead of restarting at 5 s steps. Default: now.
   */
  readonly startedAtMs?: number;
  readonly onProgress?: (message: string) => void;
  /** Every attempt, with when the next one is due (for writing Domain status). */
  readonly onAttempt?: (attempt: VerificationAttempt, attemptAtMs: number, nextAttemptAtMs: number) => void | Promise<void>;
}

export type VerificationWaitResult =
  | { readonly verified: true; readonly attempt: VerificationAttempt; readonly attempts: number; readonly elapsedMs: number }
  | {
      readonly verified: false;
      readonly reason: "timeout" | "aborted";
      readonly lastAttempt?: VerificationAttempt;
      readonly attempts: number;
      readonly elapsedMs: number;
      /** Says what is still missing: the last attempt's findings. */
      readonly message: string;
    };

function domainOf(records: VerificationRecords): string {
  try {
    return new URL(records.httpToken.url).hostname;
  } catch {
    return records.dnsRecord.name;
  }
}

export async function waitForVerification(records: VerificationRecords, opts: WaitForVerificationOptions): Promise<VerificationWaitResult> {
  const clock = opts.clock ?? systemClock;
  const settings = opts.settings ?? DEFAULT_DOMAIN_VERIFICATION;
  const random = opts.random ?? Math.random;
  const begin = clock.now();
  const startedAt = opts.startedAtMs ?? begin;
  const deadline = opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : begin + opts.timeoutMs;
  let attempts = 0;
  let last: VerificationAttempt | undefined;

  const giveUp = (reason: "timeout" | "aborted"): VerificationWaitResult => {
    const elapsedMs = clock.now() - begin;
    const what = reason === "timeout" ? `not verified after ${Math.round(elapsedMs / 1000)}s` : "verification wait cancelled";
    const detail = last === undefined ? "no attempt completed" : last.progress;
    return {
      verified: false,
      reason,
      attempts,
      elapsedMs,
      message: `Domain ${domainOf(records)}: ${what}: ${detail}`,
      ...(last !== undefined && { lastAttempt: last }),
    };
  };

  for (;;) {
    if (opts.signal?.aborted) return giveUp("aborted");
    const attemptAt = clock.now();
    try {
      last = await attemptDomainVerification(records, opts, opts.signal);
    } catch {
      return giveUp("aborted");
    }
    attempts++;
    if (last.verified) {
      await opts.onAttempt?.(last, attemptAt, attemptAt);
      opts.onProgress?.(last.progress);
      return { verified: true, attempt: last, attempts, elapsedMs: clock.now() - begin };
    }
    const delay = nextAttemptDelayMs(attemptAt - startedAt, settings, random);
    // Reported even when it is the last attempt, so status records what the final check found
    // (and when the schedule would look next, for whoever resumes it).
    await opts.onAttempt?.(last, attemptAt, attemptAt + delay);
    // The attempt made at (or after) the deadline is the last one.
    if (attemptAt >= deadline) return giveUp("timeout");
    // Never sleep past the deadline: look once more exactly then instead of giving up early.
    const nextAt = Math.min(attemptAt + delay, deadline);
    opts.onProgress?.(`${last.progress} (next check in ${Math.round((nextAt - attemptAt) / 1000)}s)`);
    try {
      await clock.sleep(Math.max(0, nextAt - clock.now()), opts.signal);
    } catch {
      return giveUp("aborted");
    }
  }
}
