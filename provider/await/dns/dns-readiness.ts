import { normalizeHostname } from "../../core/domain";
import { systemClock, type Clock } from "../../kube/clock";
import { ipKey, type GatewayTarget } from "./gateway-target";
import { classifyDnsError, withSignal, type DnsResolver } from "./resolver";

/**
 * "DNS points at the Gateway": the hostname's CNAME chain reaches the canonical hostname, or the
 * addresses it finally resolves to are all Gateway addresses. The chain is walked one CNAME at a
 * time so that an authoritative-only server (which does not chase out-of-zone targets) suffices.
 */

const MAX_CNAME_HOPS = 8;

export type HostnameDnsState =
  | { readonly ready: true; readonly hostname: string; readonly via: "cname" | "address"; readonly chain: readonly string[]; readonly message: string }
  | { readonly ready: false; readonly hostname: string; readonly chain: readonly string[]; readonly message: string };

function want(target: GatewayTarget): string {
  const parts: string[] = [];
  if (target.hostnames.length > 0) parts.push(`CNAME to ${target.hostnames.join(" or ")}`);
  if (target.addresses.length > 0) parts.push(`A/AAAA in [${target.addresses.join(", ")}]`);
  return parts.length === 0 ? "want a Gateway address (the Gateway has none yet)" : `want ${parts.join(" or ")}`;
}

async function addressesOf(name: string, resolver: DnsResolver, signal: AbortSignal | undefined): Promise<{ addresses: string[]; failure?: string }> {
  const out: string[] = [];
  const failures: string[] = [];
  for (const query of [() => resolver.resolve4(name), () => resolver.resolve6(name)]) {
    try {
      out.push(...(await withSignal(resolver, signal, query)));
    } catch (e) {
      const f = classifyDnsError(e);
      if (f.kind !== "notFound" || f.detail === "NXDOMAIN") failures.push(f.detail);
    }
  }
  return out.length === 0 && failures.length > 0 ? { addresses: out, failure: [...new Set(failures)].join(", ") } : { addresses: out };
}

export async function checkHostnameDns(
  hostname: string,
  target: GatewayTarget,
  resolver: DnsResolver,
  signal?: AbortSignal,
): Promise<HostnameDnsState> {
  const start = normalizeHostname(hostname);
  const targets = new Set(target.hostnames.map(normalizeHostname));
  const chain = [start];
  const prefix = `DNS ${start}`;
  const path = (): string => chain.slice(1).map((n) => ` → CNAME ${n}`).join("");
  let current = start;
  for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
    if (hop > 0 && targets.has(current)) {
      return { ready: true, hostname: start, via: "cname", chain, message: `${prefix}${path()} (points at the Gateway)` };
    }
    let next: string | undefined;
    try {
      next = (await withSignal(resolver, signal, () => resolver.resolveCname(current)))[0];
    } catch (e) {
      const f = classifyDnsError(e);
      if (f.kind !== "notFound") return { ready: false, hostname: start, chain, message: `${prefix}${path()}: CNAME lookup failed (${f.detail}), ${want(target)}` };
    }
    if (next === undefined) break;
    next = normalizeHostname(next);
    if (chain.includes(next)) {
      return { ready: false, hostname: start, chain, message: `${prefix}${path()} → CNAME ${next}: CNAME loop, ${want(target)}` };
    }
    chain.push(next);
    current = next;
    if (hop === MAX_CNAME_HOPS) {
      return { ready: false, hostname: start, chain, message: `${prefix}${path()}: more than ${MAX_CNAME_HOPS} CNAMEs, ${want(target)}` };
    }
  }
  if (targets.has(current) && current !== start) {
    return { ready: true, hostname: start, via: "cname", chain, message: `${prefix}${path()} (points at the Gateway)` };
  }
  const { addresses, failure } = await addressesOf(current, resolver, signal);
  if (addresses.length === 0) {
    return { ready: false, hostname: start, chain, message: `${prefix}${path()}: ${failure ?? "no A/AAAA records"}, ${want(target)}` };
  }
  const gateway = new Set(target.addresses.map(ipKey));
  const foreign = addresses.filter((a) => !gateway.has(ipKey(a)));
  if (foreign.length === 0) {
    return { ready: true, hostname: start, via: "address", chain, message: `${prefix}${path()} → ${addresses.join(", ")} (Gateway addresses)` };
  }
  return {
    ready: false,
    hostname: start,
    chain,
    message: `${prefix}${path()}: resolves to ${addresses.join(", ")}${foreign.length < addresses.length ? ` (not Gateway: ${foreign.join(", ")})` : ""}, ${want(target)}`,
  };
}

export interface WaitForDnsOptions {
  readonly resolver: DnsResolver;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** Poll period; NSO requeues DNS-dependent work every 5 s. */
  readonly intervalMs?: number;
  readonly onProgress?: (message: string) => void;
}

export interface DnsWaitResult {
  readonly ready: boolean;
  readonly reason?: "timeout" | "aborted";
  /** Latest state of every hostname, in input order. */
  readonly hostnames: readonly HostnameDnsState[];
  readonly elapsedMs: number;
}

/** Polls until every hostname points at the Gateway; hostnames already ready are not re-checked. */
export async function waitForDns(hostnames: readonly string[], target: GatewayTarget, opts: WaitForDnsOptions): Promise<DnsWaitResult> {
  const clock = opts.clock ?? systemClock;
  const interval = opts.intervalMs ?? 5_000;
  const begin = clock.now();
  const deadline = opts.timeoutMs === undefined ? Number.POSITIVE_INFINITY : begin + opts.timeoutMs;
  const states = new Map<string, HostnameDnsState>();
  const done = (reason?: "timeout" | "aborted"): DnsWaitResult => ({
    ready: reason === undefined,
    ...(reason !== undefined && { reason }),
    hostnames: hostnames.map((h) => states.get(h) ?? { ready: false, hostname: normalizeHostname(h), chain: [], message: `DNS ${h}: not checked` }),
    elapsedMs: clock.now() - begin,
  });
  for (;;) {
    if (opts.signal?.aborted) return done("aborted");
    const checkedAt = clock.now();
    for (const h of hostnames) {
      if (states.get(h)?.ready === true) continue;
      let state: HostnameDnsState;
      try {
        state = await checkHostnameDns(h, target, opts.resolver, opts.signal);
      } catch {
        return done("aborted");
      }
      const before = states.get(h);
      states.set(h, state);
      if (before?.message !== state.message) opts.onProgress?.(state.message);
    }
    if (hostnames.every((h) => states.get(h)?.ready === true)) return done();
    if (checkedAt >= deadline) return done("timeout");
    try {
      await clock.sleep(Math.max(0, Math.min(checkedAt + interval, deadline) - clock.now()), opts.signal);
    } catch {
      return done("aborted");
    }
  }
}
