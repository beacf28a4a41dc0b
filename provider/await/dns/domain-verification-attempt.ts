import {
  judgeHttp,
  judgeTxt,
  txtLookupName,
  type CheckOutcome,
  type HttpObservation,
  type TxtObservation,
  type VerificationRecords,
} from "../../core/domain";
import { HttpGetError, type HttpGet } from "./http-get";
import { classifyDnsError, withSignal, type DnsResolver } from "./resolver";

/**
 * One verification attempt as NSO's Domain controller makes it: the TXT record first, the HTTP
 * token only if DNS did not pass, both under one short deadline.
 */
export interface DomainVerifierDeps {
  readonly resolver: DnsResolver;
  readonly httpGet: HttpGet;
  /** NSO bounds a whole attempt (DNS + HTTP) by 5 s. */
  readonly attemptTimeoutMs?: number;
  /** NSO's HTTP client timeout; the attempt deadline usually ends it sooner. */
  readonly httpTimeoutMs?: number;
  /** NSO reads at most 1 KiB of the token response. */
  readonly httpMaxBytes?: number;
}

export const ATTEMPT_TIMEOUT_MS = 5_000;
export const HTTP_TIMEOUT_MS = 10_000;
export const HTTP_MAX_BYTES = 1024;

export interface VerificationAttempt {
  readonly verified: boolean;
  readonly method?: "dns" | "http";
  readonly dns: CheckOutcome;
  readonly http?: CheckOutcome;
  /** One line per method tried. */
  readonly progress: string;
}

async function observeTxt(records: VerificationRecords, deps: DomainVerifierDeps, signal: AbortSignal): Promise<TxtObservation> {
  try {
    const answer = await withSignal(deps.resolver, signal, () => deps.resolver.resolveTxt(txtLookupName(records.dnsRecord)));
    // Like Go's LookupTXT, the character-strings of one record form one value.
    return { kind: "records", values: answer.map((chunks) => chunks.join("")) };
  } catch (e) {
    if (signal.aborted) return { kind: "temporary", detail: "attempt deadline exceeded" };
    const failure = classifyDnsError(e);
    return { kind: failure.kind, detail: failure.detail };
  }
}

async function observeHttp(records: VerificationRecords, deps: DomainVerifierDeps, signal: AbortSignal): Promise<HttpObservation> {
  try {
    const r = await deps.httpGet(records.httpToken.url, {
      timeoutMs: deps.httpTimeoutMs ?? HTTP_TIMEOUT_MS,
      maxBytes: deps.httpMaxBytes ?? HTTP_MAX_BYTES,
      signal,
    });
    return { kind: "response", status: r.status, body: r.body };
  } catch (e) {
    if (!(e instanceof HttpGetError)) return { kind: "internal", detail: e instanceof Error ? e.message : String(e) };
    // The attempt deadline firing is a timeout from the user's point of view, as in NSO.
    if (e.kind === "aborted" || e.kind === "timeout") return { kind: "timeout", detail: e.detail };
    return { kind: e.kind, detail: e.detail };
  }
}

export async function attemptDomainVerification(
  records: VerificationRecords,
  deps: DomainVerifierDeps,
  signal?: AbortSignal,
): Promise<VerificationAttempt> {
  signal?.throwIfAborted();
  const deadline = AbortSignal.timeout(deps.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS);
  const attemptSignal = signal === undefined ? deadline : AbortSignal.any([deadline, signal]);
  const dns = judgeTxt(records.dnsRecord.name, await observeTxt(records, deps, attemptSignal), records.dnsRecord.content);
  if (dns.passed) return { verified: true, method: "dns", dns, progress: dns.progress };
  signal?.throwIfAborted();
  const http = judgeHttp(records.httpToken.url, await observeHttp(records, deps, attemptSignal), records.httpToken.body);
  signal?.throwIfAborted();
  return {
    verified: http.passed,
    ...(http.passed && { method: "http" as const }),
    dns,
    http,
    progress: `${dns.progress}; ${http.progress}`,
  };
}
