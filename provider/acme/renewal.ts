import { X509Certificate } from "node:crypto";

/**
 * Whether a stored certificate must be replaced on the next `up`. Pure over (PEM, now), so diff
 * can show "renewal due" without touching the network.
 */
export interface RenewalState {
  readonly due: boolean;
  /** ISO time, absent when the PEM could not be read. */
  readonly notAfter?: string;
  readonly daysRemaining?: number;
  /** e.g. "renewal due: certificate for shop.example.com expires in 12 days (< 30)". */
  readonly message: string;
}

const DAY_MS = 86_400_000;
export const DEFAULT_RENEW_BEFORE_DAYS = 30;

/** First certificate of a PEM bundle (the leaf, for an ACME full chain). */
export function leafOf(pem: string): X509Certificate {
  const match = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  if (match === null) throw new Error("no PEM certificate found");
  return new X509Certificate(match[0]);
}

export function renewalDue(certPem: string, nowMs: number, renewBeforeDays: number = DEFAULT_RENEW_BEFORE_DAYS): RenewalState {
  let leaf: X509Certificate;
  try {
    leaf = leafOf(certPem);
  } catch (e) {
    return { due: true, message: `renewal due: stored certificate is unreadable (${e instanceof Error ? e.message : String(e)})` };
  }
  const notAfterMs = Date.parse(leaf.validTo);
  const remainingMs = notAfterMs - nowMs;
  const daysRemaining = Math.floor(remainingMs / DAY_MS);
  const notAfter = new Date(notAfterMs).toISOString();
  const names = (leaf.subjectAltName ?? "").replace(/DNS:/g, "") || leaf.subject;
  if (remainingMs <= 0) return { due: true, notAfter, daysRemaining, message: `renewal due: certificate for ${names} expired at ${notAfter}` };
  if (remainingMs < renewBeforeDays * DAY_MS) {
    return { due: true, notAfter, daysRemaining, message: `renewal due: certificate for ${names} expires in ${daysRemaining} days (< ${renewBeforeDays})` };
  }
  return { due: false, notAfter, daysRemaining, message: `certificate for ${names} valid for ${daysRemaining} more days` };
}

/** Hostnames changed since issuance also force a new certificate. */
export function coversExactly(certPem: string, hostnames: readonly string[]): boolean {
  let leaf: X509Certificate;
  try {
    leaf = leafOf(certPem);
  } catch {
    return false;
  }
  const sans = new Set(
    (leaf.subjectAltName ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.startsWith("DNS:"))
      .map((s) => s.slice(4).toLowerCase()),
  );
  const wanted = new Set(hostnames.map((h) => h.toLowerCase()));
  return sans.size === wanted.size && [...wanted].every((h) => sans.has(h));
}
