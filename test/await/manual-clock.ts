// A clock tests move by hand: sleeps resolve only when advance() passes their wake time.
import type { Clock } from "../../provider/kube/clock.ts";

interface Sleeper {
  at: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private t: number;
  private sleepers: Sleeper[] = [];

  constructor(start = 1_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const s: Sleeper = { at: this.t + ms, resolve };
      this.sleepers.push(s);
      signal?.addEventListener(
        "abort",
        () => {
          this.sleepers = this.sleepers.filter((x) => x !== s);
          reject(signal.reason as Error);
        },
        { once: true },
      );
    });
  }

  /** Move time forward, waking sleepers in order; yields to the event loop between wakes. */
  async advance(ms: number): Promise<void> {
    // Let already-started work reach its next sleep first.
    await new Promise((r) => setImmediate(r));
    const target = this.t + ms;
    for (;;) {
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (next === undefined || next.at > target) break;
      this.sleepers.shift();
      this.t = Math.max(this.t, next.at);
      next.resolve();
      await new Promise((r) => setImmediate(r));
    }
    this.t = target;
    await new Promise((r) => setImmediate(r));
  }

  pendingSleeps(): number {
    return this.sleepers.length;
  }
}
