import { FALLBACK_RETRY_INTERVAL_MS, MIN_REQUEUE_MS, type DomainVerificationSettings } from "./settings";

/**
 * NSO's verification schedule: the retry interval depends on how long the Domain has been
 * waiting (since its `Verified` condition last changed), then gets up to +25 % jitter.
 */

export function retryIntervalMs(elapsedMs: number, settings: Pick<DomainVerificationSettings, "retryIntervals">): number {
  for (const interval of settings.retryIntervals) {
    if (interval.maxElapsedMs === undefined || elapsedMs <= interval.maxElapsedMs) return interval.intervalMs;
  }
  return FALLBACK_RETRY_INTERVAL_MS;
}

/** Go's `wait.Jitter`: d + random·factor·d, where a non-positive factor means 1. */
export function jitter(durationMs: number, maxFactor: number, random: () => number): number {
  const factor = maxFactor <= 0 ? 1 : maxFactor;
  return durationMs + random() * factor * durationMs;
}

/** Delay until the next attempt, never below NSO's 1 s requeue floor. */
export function nextAttemptDelayMs(
  elapsedMs: number,
  settings: Pick<DomainVerificationSettings, "retryIntervals" | "retryJitterMaxFactor">,
  random: () => number = Math.random,
): number {
  const delay = jitter(retryIntervalMs(elapsedMs, settings), settings.retryJitterMaxFactor, random);
  return Math.max(MIN_REQUEUE_MS, Math.round(delay));
}
