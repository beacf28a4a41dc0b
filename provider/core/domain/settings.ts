import { parseGoDuration } from "../validation/duration";

/**
 * Domain verification knobs, shaped like NSO's `domainVerificationConfig` and defaulting to its
 * values, so an operator's config can be carried over unchanged.
 */
export interface RetryInterval {
  /** Delay before the next attempt. */
  readonly intervalMs: number;
  /** This interval applies while the time elapsed since verification started is ≤ this; absent = always. */
  readonly maxElapsedMs?: number;
}

export interface DomainVerificationSettings {
  /** TXT record name is `<prefix>.<domainName>`. */
  readonly dnsRecordPrefix: string;
  /** HTTP token URL is `http://<domainName>/<path>/<id>`. */
  readonly httpTokenPath: string;
  /** Evaluated in order; the first whose maxElapsed is absent or not exceeded wins. */
  readonly retryIntervals: readonly RetryInterval[];
  /** Jitter adds up to this fraction of the interval (Go `wait.Jitter`). */
  readonly retryJitterMaxFactor: number;
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

export const DEFAULT_DOMAIN_VERIFICATION: DomainVerificationSettings = {
  dnsRecordPrefix: "datum-custom-hostname",
  httpTokenPath: ".well-known/datum-custom-hostname-challenge",
  retryIntervals: [
    { intervalMs: 5 * SECOND, maxElapsedMs: 5 * MINUTE },
    { intervalMs: 1 * MINUTE, maxElapsedMs: 15 * MINUTE },
    { intervalMs: 5 * MINUTE },
  ],
  retryJitterMaxFactor: 0.25,
};

/** NSO's answer when no configured interval matches (and the last default interval). */
export const FALLBACK_RETRY_INTERVAL_MS = 5 * MINUTE;

/** NSO requeues no sooner than this, whatever the computed delay. */
export const MIN_REQUEUE_MS = 1 * SECOND;

/** Operator-config form: Go duration strings, as in NSO's YAML. */
export interface RetryIntervalConfig {
  readonly interval: string;
  readonly maxElapsed?: string;
}

export type ParsedIntervals = { ok: true; intervals: RetryInterval[] } | { ok: false; error: string };

/** Converts NSO's `retryIntervals` (Go durations) into milliseconds, naming the bad entry on error. */
export function parseRetryIntervals(config: readonly RetryIntervalConfig[]): ParsedIntervals {
  const out: RetryInterval[] = [];
  for (const [i, entry] of config.entries()) {
    const interval = parseGoDuration(entry.interval);
    if (!interval.ok) return { ok: false, error: `retryIntervals[${i}].interval: ${interval.error}` };
    let maxElapsedMs: number | undefined;
    if (entry.maxElapsed !== undefined) {
      const max = parseGoDuration(entry.maxElapsed);
      if (!max.ok) return { ok: false, error: `retryIntervals[${i}].maxElapsed: ${max.error}` };
      maxElapsedMs = Number(max.nanos / 1_000_000n);
    }
    out.push({ intervalMs: Number(interval.nanos / 1_000_000n), ...(maxElapsedMs !== undefined && { maxElapsedMs }) });
  }
  return { ok: true, intervals: out };
}
