/**
 * In-flight operations and their cancellation. The engine sends Cancel when the user interrupts
 * `pulumi up` (or at shutdown): every wait in progress must stop promptly, and anything started
 * afterwards is cancelled from the outset.
 */
export class Operations {
  private readonly running = new Set<AbortController>();
  private cancelled = false;

  get isCancelled(): boolean {
    return this.cancelled;
  }

  async run<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.cancelled) controller.abort(new Error("the operation was cancelled"));
    this.running.add(controller);
    try {
      return await fn(controller.signal);
    } finally {
      this.running.delete(controller);
    }
  }

  cancelAll(): number {
    this.cancelled = true;
    const n = this.running.size;
    for (const c of this.running) c.abort(new Error("the operation was cancelled"));
    return n;
  }

  get inFlight(): number {
    return this.running.size;
  }
}
