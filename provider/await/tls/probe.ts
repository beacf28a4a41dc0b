import { X509Certificate } from "node:crypto";
import { connect, type DetailedPeerCertificate, type TLSSocket } from "node:tls";
import { systemClock, type Clock } from "../../kube/clock";

/**
 * A live look at what a Gateway serves for a hostname: connect to one address with SNI = the
 * hostname and judge the presented chain the way a browser would (trusted, names the hostname,
 * currently valid) plus one provider rule: it must not expire within `minValidityDays`.
 */
export interface TlsProbeOptions {
  /** IP (or name) to dial: a Gateway address, not the hostname, so DNS is not involved. */
  readonly address: string;
  readonly port?: number;
  /** SNI and the name the certificate must cover. */
  readonly hostname: string;
  /** PEM trust roots; default Node's bundled roots. */
  readonly ca?: string | readonly string[];
  readonly minValidityDays?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Time to judge validity against (tests move it to exercise expiry). */
  readonly nowMs?: number;
}

export interface ServedCertificate {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAltName: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly fingerprint256: string;
  /** Certificates the server presented, leaf first (as far as the chain links). */
  readonly chainLength: number;
}

export interface TlsProbeResult {
  readonly ok: boolean;
  /** Empty when ok; otherwise each reason, e.g. "certificate expires in 3 days (< 14)". */
  readonly problems: readonly string[];
  /** `TLS shop.example.com @ 192.0.2.1:443: …` */
  readonly message: string;
  readonly certificate?: ServedCertificate;
}

const DAY_MS = 86_400_000;
export const DEFAULT_MIN_VALIDITY_DAYS = 7;

function chainLength(cert: DetailedPeerCertificate): number {
  let n = 0;
  const seen = new Set<string>();
  // A self-signed root links to itself; stop at the first repeat.
  let c: DetailedPeerCertificate | undefined = cert;
  while (c !== undefined && typeof c.fingerprint256 === "string" && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    n++;
    c = c.issuerCertificate;
  }
  return n;
}

function handshake(opts: TlsProbeOptions, port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const timeout = AbortSignal.timeout(opts.timeoutMs ?? 10_000);
    const signal = opts.signal === undefined ? timeout : AbortSignal.any([timeout, opts.signal]);
    if (signal.aborted) {
      reject(new Error(opts.signal?.aborted ? "cancelled" : "timed out"));
      return;
    }
    const socket = connect({
      host: opts.address,
      port,
      servername: opts.hostname,
      // Judge the chain ourselves so every problem is reported, not just the first.
      rejectUnauthorized: false,
      ...(opts.ca !== undefined && { ca: typeof opts.ca === "string" ? opts.ca : [...opts.ca] }),
      ALPNProtocols: ["http/1.1"],
    });
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error(timeout.aborted ? "timed out" : "cancelled"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("secureConnect", () => {
      signal.removeEventListener("abort", onAbort);
      resolve(socket);
    });
    socket.once("error", (e) => {
      signal.removeEventListener("abort", onAbort);
      reject(e);
    });
  });
}

function days(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

export function judgeCertificate(
  leaf: X509Certificate,
  hostname: string,
  trust: { authorized: boolean; error?: string },
  nowMs: number,
  minValidityDays: number,
): string[] {
  const problems: string[] = [];
  if (!trust.authorized) problems.push(`chain not trusted (${trust.error ?? "unknown reason"})`);
  if (leaf.checkHost(hostname) === undefined) problems.push(`certificate does not cover ${hostname} (SANs: ${leaf.subjectAltName ?? "none"})`);
  const notBefore = Date.parse(leaf.validFrom);
  const notAfter = Date.parse(leaf.validTo);
  if (nowMs < notBefore) problems.push(`certificate not valid before ${new Date(notBefore).toISOString()}`);
  if (nowMs >= notAfter) problems.push(`certificate expired at ${new Date(notAfter).toISOString()}`);
  else if (notAfter - nowMs < minValidityDays * DAY_MS) {
    problems.push(`certificate expires in ${days(notAfter - nowMs)} days (< ${minValidityDays}) at ${new Date(notAfter).toISOString()}`);
  }
  return problems;
}

export async function probeTls(opts: TlsProbeOptions): Promise<TlsProbeResult> {
  const port = opts.port ?? 443;
  const where = `TLS ${opts.hostname} @ ${opts.address.includes(":") ? `[${opts.address}]` : opts.address}:${port}`;
  let socket: TLSSocket;
  try {
    socket = await handshake(opts, port);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    return { ok: false, problems: [`handshake failed: ${detail}`], message: `${where}: handshake failed: ${detail}` };
  }
  try {
    // Read the detailed chain once and derive the leaf from it: after getPeerX509Certificate()
    // Node returns an empty object from getPeerCertificate().
    const peer = socket.getPeerCertificate(true);
    if (peer === null || peer.raw === undefined) return { ok: false, problems: ["no certificate presented"], message: `${where}: no certificate presented` };
    const leaf = new X509Certificate(peer.raw);
    const authError = socket.authorizationError === undefined || socket.authorizationError === null ? undefined : String(socket.authorizationError);
    // Node folds the hostname check into `authorized`; it runs only after the chain verified, and
    // coverage is judged (and worded) separately below.
    const chainTrusted = socket.authorized || authError === "ERR_TLS_CERT_ALTNAME_INVALID";
    const problems = judgeCertificate(
      leaf,
      opts.hostname,
      { authorized: chainTrusted, ...(authError !== undefined && { error: authError }) },
      opts.nowMs ?? Date.now(),
      opts.minValidityDays ?? DEFAULT_MIN_VALIDITY_DAYS,
    );
    const certificate: ServedCertificate = {
      subject: leaf.subject,
      issuer: leaf.issuer,
      subjectAltName: leaf.subjectAltName ?? "",
      notBefore: new Date(leaf.validFrom).toISOString(),
      notAfter: new Date(leaf.validTo).toISOString(),
      fingerprint256: leaf.fingerprint256,
      chainLength: chainLength(peer),
    };
    const message =
      problems.length === 0
        ? `${where}: valid until ${certificate.notAfter} (issuer ${certificate.issuer.replace(/\n/g, ", ")})`
        : `${where}: ${problems.join("; ")}`;
    return { ok: problems.length === 0, problems, message, certificate };
  } finally {
    socket.destroy();
  }
}

export interface WaitForTlsOptions extends TlsProbeOptions {
  readonly clock?: Clock;
  readonly waitTimeoutMs?: number;
  readonly intervalMs?: number;
  readonly onProgress?: (message: string) => void;
}

/** Probes until the served certificate passes (e.g. right after issuance, while Envoy reloads). */
export async function waitForTls(opts: WaitForTlsOptions): Promise<TlsProbeResult & { readonly reason?: "timeout" | "aborted" }> {
  const clock = opts.clock ?? systemClock;
  const begin = clock.now();
  const deadline = opts.waitTimeoutMs === undefined ? Number.POSITIVE_INFINITY : begin + opts.waitTimeoutMs;
  let lastMessage = "";
  for (;;) {
    const probedAt = clock.now();
    const result = await probeTls({ ...opts, nowMs: opts.nowMs ?? clock.now() });
    if (result.ok) return result;
    if (result.message !== lastMessage) opts.onProgress?.(result.message);
    lastMessage = result.message;
    if (opts.signal?.aborted) return { ...result, reason: "aborted" };
    if (probedAt >= deadline) return { ...result, reason: "timeout" };
    try {
      await clock.sleep(Math.max(0, Math.min(probedAt + (opts.intervalMs ?? 5_000), deadline) - clock.now()), opts.signal);
    } catch {
      return { ...result, reason: "aborted" };
    }
  }
}
