import { promises as dns } from "node:dns";

/**
 * The DNS questions the readiness and verification waits ask, behind an interface so tests and
 * provider config can point them at specific servers (e.g. an authoritative PowerDNS on
 * 127.0.0.1:5300) instead of /etc/resolv.conf.
 */
export interface DnsResolver {
  /** Each TXT record as its character-strings (node:dns shape). */
  resolveTxt(name: string): Promise<string[][]>;
  resolveCname(name: string): Promise<string[]>;
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  /** Abandons every in-flight query (they reject with ECANCELLED). */
  cancel(): void;
}

export interface ResolverOptions {
  /** `host`, `host:port` or `[v6]:port`; empty or absent = the system's servers. */
  readonly servers?: readonly string[];
  /** Per-query timeout; c-ares doubles it on each retry. */
  readonly timeoutMs?: number;
  readonly tries?: number;
}

export function createResolver(opts: ResolverOptions = {}): DnsResolver {
  const r = new dns.Resolver({ timeout: opts.timeoutMs ?? 2_000, tries: opts.tries ?? 2 });
  if (opts.servers !== undefined && opts.servers.length > 0) r.setServers([...opts.servers]);
  return {
    resolveTxt: (n) => r.resolveTxt(n),
    resolveCname: (n) => r.resolveCname(n),
    resolve4: (n) => r.resolve4(n),
    resolve6: (n) => r.resolve6(n),
    cancel: () => r.cancel(),
  };
}

/**
 * Go's resolver distinctions that NSO's messages depend on: "not found" covers NXDOMAIN and
 * NOERROR-without-answers; timeouts and SERVFAIL are temporary; anything else is internal.
 */
export type DnsFailureKind = "notFound" | "temporary" | "internal";

const NOT_FOUND = new Set(["ENOTFOUND", "ENODATA"]);
const TEMPORARY = new Set(["ETIMEOUT", "ESERVFAIL", "ECONNREFUSED", "ECANCELLED", "EAI_AGAIN", "ETIMEDOUT"]);

export interface DnsFailure {
  readonly kind: DnsFailureKind;
  /** `NXDOMAIN`-style short text for progress messages. */
  readonly detail: string;
}

const DETAIL: Record<string, string> = {
  ENOTFOUND: "NXDOMAIN",
  ENODATA: "no records of this type",
  ETIMEOUT: "timeout",
  ESERVFAIL: "SERVFAIL",
  ECONNREFUSED: "server refused connection",
  ECANCELLED: "cancelled",
  EREFUSED: "REFUSED",
};

export function errorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

export function classifyDnsError(err: unknown): DnsFailure {
  const code = errorCode(err) ?? "";
  const detail = DETAIL[code] ?? (code !== "" ? code : err instanceof Error ? err.message : String(err));
  if (NOT_FOUND.has(code)) return { kind: "notFound", detail };
  if (TEMPORARY.has(code)) return { kind: "temporary", detail };
  return { kind: "internal", detail };
}

/** Runs one lookup, abandoning it when `signal` fires (c-ares has no per-query cancel). */
export async function withSignal<T>(resolver: DnsResolver, signal: AbortSignal | undefined, query: () => Promise<T>): Promise<T> {
  if (signal === undefined) return query();
  signal.throwIfAborted();
  const onAbort = (): void => resolver.cancel();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    return await query();
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}
