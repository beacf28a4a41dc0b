/**
 * Exponential backoff with jitter for transient API failures (429, 5xx, dropped connections),
 * bounded by attempts and by the operation deadline. The caller's AbortSignal ends the wait
 * at once; a deadline that would pass during the next sleep ends it early rather than sleeping
 * past it.
 */
import type { Clock } from "./clock";
import { AbortedError, DeadlineExceededError, isKubeError, isRetryable, KubeApiError, type ErrorSubject, type KubeError, type Verb } from "./errors";

export interface RetryPolicy {
  /** Total attempts including the first (1 = no retries). */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  /** 0 = fixed delays, 1 = delay drawn from (0, d]; spreads clients that failed together. */
  readonly jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 10,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  multiplier: 2,
  jitter: 0.5,
};

/** Delay before retry number `retry` (0-based): min(max, initial·multiplier^retry), minus up to `jitter` of it. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * Math.pow(policy.multiplier, retry));
  const j = Math.min(1, Math.max(0, policy.jitter));
  return Math.max(0, Math.round(base * (1 - j * random())));
}

export interface RetryContext {
  readonly verb: Verb;
  readonly subject: ErrorSubject;
  readonly policy: RetryPolicy;
  readonly clock: Clock;
  readonly random: () => number;
  /** Absolute time (clock.now()) after which no new attempt starts. */
  readonly deadline?: number;
  readonly signal?: AbortSignal;
  /** Called before each retry sleep (for logging/metrics). */
  readonly onRetry?: (attempt: number, delayMs: number, error: KubeError) => void;
}

/**
 * Runs `attempt(n)` until it succeeds, fails with a non-retryable error, runs out of attempts,
 * or the deadline/signal ends it. Non-KubeErrors are programming errors and pass through.
 */
export async function withRetry<T>(ctx: RetryContext, attempt: (n: number) => Promise<T>): Promise<T> {
  let last: KubeError | undefined;
  for (let n = 0; ; n++) {
    if (ctx.signal?.aborted) throw stopped(ctx, n, last);
    if (ctx.deadline !== undefined && ctx.clock.now() >= ctx.deadline) {
      throw new DeadlineExceededError(ctx.verb, ctx.subject, n, last);
    }
    try {
      return await attempt(n);
    } catch (e) {
      if (!isKubeError(e)) throw e;
      if (e.errorKind === "aborted") throw stopped(ctx, n + 1, last ?? e);
      if (!isRetryable(e)) throw e;
      last = e;
    }
    if (n + 1 >= ctx.policy.maxAttempts) throw last;
    let delay = backoffDelay(n, ctx.policy, ctx.random);
    // The server knows its own load better than our schedule does.
    if (last instanceof KubeApiError && last.retryAfterSeconds !== undefined) {
      delay = Math.max(delay, Math.min(last.retryAfterSeconds * 1000, ctx.policy.maxDelayMs * 4));
    }
    if (ctx.deadline !== undefined && ctx.clock.now() + delay >= ctx.deadline) {
      throw new DeadlineExceededError(ctx.verb, ctx.subject, n + 1, last);
    }
    ctx.onRetry?.(n + 1, delay, last);
    try {
      await ctx.clock.sleep(delay, ctx.signal);
    } catch {
      throw stopped(ctx, n + 1, last);
    }
  }
}

/** An operation deadline given as AbortSignal.timeout() reads as a deadline, anything else as cancellation. */
function stopped(ctx: RetryContext, attempts: number, last: KubeError | undefined): KubeError {
  if (isTimeoutReason(ctx.signal?.reason)) {
    return new DeadlineExceededError(ctx.verb, ctx.subject, attempts, last?.errorKind === "aborted" ? undefined : last);
  }
  return new AbortedError(ctx.verb, ctx.subject, reasonText(ctx.signal));
}

export function isTimeoutReason(reason: unknown): boolean {
  return typeof reason === "object" && reason !== null && (reason as { name?: unknown }).name === "TimeoutError";
}

export function reasonText(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  if (r instanceof Error) return r.message;
  if (typeof r === "string") return r;
  return "cancelled";
}
