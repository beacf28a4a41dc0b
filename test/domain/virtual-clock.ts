// A clock whose time moves only when code sleeps on it, so a wait that would take NSO minutes of
// backoff runs in milliseconds — while every DNS query and HTTP request in between stays real.
// Scheduled actions (e.g. "publish the TXT record at minute 7") run when virtual time reaches them.
import type { Clock } from "../../provider/kube/clock.ts";

interface Scheduled {
  readonly at: number;
  readonly run: () => Promise<void> | void;
}

export class VirtualClock implements Clock {
  private t: number;
  private readonly queue: Scheduled[] = [];
  readonly sleeps: number[] = [];

  constructor(startMs = Date.parse("2025-01-01T00:00:00Z")) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  /** Run `action` once virtual time reaches start + offsetMs. */
  at(offsetMs: number, action: () => Promise<void> | void): void {
    this.queue.push({ at: this.t + offsetMs, run: action });
    this.queue.sort((a, b) => a.at - b.at);
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    const target = this.t + Math.max(0, ms);
    while (this.queue.length > 0 && (this.queue[0] as Scheduled).at <= target) {
      const next = this.queue.shift() as Scheduled;
      this.t = Math.max(this.t, next.at);
      await next.run();
    }
    this.t = target;
    // Yield so aborts raised by other tasks are observed like with a real timer.
    await new Promise((r) => setImmediate(r));
    signal?.throwIfAborted();
  }
}
