/**
 * Counts API requests so benchmarks and tests can assert costs such as "writes per create"
 * or "preview performs zero writes". Every HTTP attempt is counted, retries included.
 */

/** read = GET (get/list/discovery); write = a persisted mutation; dryRun = a mutation with dryRun=All. */
export type RequestClass = "read" | "write" | "dryRun" | "watch";

export interface RequestRecord {
  readonly class: RequestClass;
  readonly method: string;
  readonly path: string;
  /** HTTP status, or 0 when there was no answer (connection error, timeout, abort). */
  readonly status: number;
  readonly durationMs: number;
  /** 0 for the first try of an operation, n for its n-th retry. */
  readonly attempt: number;
}

export interface ApiMetrics {
  record(r: RequestRecord): void;
}

export interface RequestCountsSnapshot {
  readonly reads: number;
  readonly writes: number;
  readonly dryRuns: number;
  readonly watches: number;
  /** Attempts after the first one of an operation. */
  readonly retries: number;
  /** Attempts that ended without a 2xx answer. */
  readonly failures: number;
  readonly total: number;
}

/** The default metrics sink: plain counters plus an optional bounded log of requests. */
export class RequestCounter implements ApiMetrics {
  private counts = { reads: 0, writes: 0, dryRuns: 0, watches: 0, retries: 0, failures: 0 };
  private readonly log: RequestRecord[] = [];

  constructor(private readonly keepLog = 0) {}

  record(r: RequestRecord): void {
    switch (r.class) {
      case "read":
        this.counts.reads++;
        break;
      case "write":
        this.counts.writes++;
        break;
      case "dryRun":
        this.counts.dryRuns++;
        break;
      case "watch":
        this.counts.watches++;
        break;
    }
    if (r.attempt > 0) this.counts.retries++;
    if (r.status < 200 || r.status > 299) this.counts.failures++;
    if (this.keepLog > 0) {
      if (this.log.length >= this.keepLog) this.log.shift();
      this.log.push(r);
    }
  }

  snapshot(): RequestCountsSnapshot {
    const c = this.counts;
    return { ...c, total: c.reads + c.writes + c.dryRuns + c.watches };
  }

  /** The most recent requests (only when constructed with keepLog > 0). */
  requests(): readonly RequestRecord[] {
    return [...this.log];
  }

  reset(): void {
    this.counts = { reads: 0, writes: 0, dryRuns: 0, watches: 0, retries: 0, failures: 0 };
    this.log.length = 0;
  }
}

/** Difference of two snapshots: the cost of whatever ran in between. */
export function countsSince(before: RequestCountsSnapshot, after: RequestCountsSnapshot): RequestCountsSnapshot {
  return {
    reads: after.reads - before.reads,
    writes: after.writes - before.writes,
    dryRuns: after.dryRuns - before.dryRuns,
    watches: after.watches - before.watches,
    retries: after.retries - before.retries,
    failures: after.failures - before.failures,
    total: after.total - before.total,
  };
}
