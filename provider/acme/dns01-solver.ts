import { classifyDnsError, withSignal, type DnsResolver } from "../await/dns/resolver";
import { systemClock, type Clock } from "../kube/clock";
import { acmeChallengeName, type DnsBackend } from "./dns-backend";
import type { ChallengeSolver, ChallengeTask, SolverContext } from "./solver";

/**
 * dns-01: publish `_acme-challenge.<hostname>` TXT = digest through the DNS backend, then wait
 * until the resolver (ideally the zone's authoritative servers) returns it, so the CA's first
 * lookup already succeeds.
 */
export interface Dns01SolverOptions {
  readonly backend: DnsBackend;
  /** Absent: skip the propagation check (the CA will retry lookups itself). */
  readonly resolver?: DnsResolver;
  readonly clock?: Clock;
  readonly propagationTimeoutMs?: number;
  readonly pollIntervalMs?: number;
}

export class PropagationTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PropagationTimeoutError";
  }
}

export function createDns01Solver(opts: Dns01SolverOptions): ChallengeSolver {
  const clock = opts.clock ?? systemClock;

  async function waitVisible(name: string, value: string, ctx: SolverContext): Promise<void> {
    const resolver = opts.resolver;
    if (resolver === undefined) return;
    const deadline = clock.now() + (opts.propagationTimeoutMs ?? 120_000);
    let last = "";
    for (;;) {
      let seen: string;
      try {
        const values = (await withSignal(resolver, ctx.signal, () => resolver.resolveTxt(name))).map((c) => c.join(""));
        if (values.includes(value)) return;
        seen = values.length === 0 ? "no values" : `found ${values.map((v) => `'${v}'`).join(", ")}`;
      } catch (e) {
        ctx.signal?.throwIfAborted();
        seen = `not found (${classifyDnsError(e).detail})`;
      }
      const message = `TXT ${name}: ${seen}, want '${value}'`;
      if (message !== last) ctx.onProgress?.(message);
      last = message;
      if (clock.now() >= deadline) throw new PropagationTimeoutError(`${message} (not visible before the propagation timeout)`);
      await clock.sleep(opts.pollIntervalMs ?? 1_000, ctx.signal);
    }
  }

  return {
    type: "dns-01",
    async present(task: ChallengeTask, ctx: SolverContext): Promise<void> {
      const name = acmeChallengeName(task.hostname);
      await opts.backend.addTxt(name, task.keyAuthorization, ctx.signal);
      await waitVisible(name, task.keyAuthorization, ctx);
    },
    async cleanup(task: ChallengeTask, ctx: SolverContext): Promise<void> {
      await opts.backend.removeTxt(acmeChallengeName(task.hostname), task.keyAuthorization, ctx.signal);
    },
  };
}
