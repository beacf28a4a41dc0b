/**
 * Which Domain vouches for a hostname. NSO: a Domain covers a hostname when its
 * `spec.domainName` equals it or is a suffix of it at a label boundary, so `example.com` covers
 * `a.example.com` but not `test-example.com`.
 */

/** Hostnames compare case-insensitively and without the root dot. */
export function normalizeHostname(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

export function domainCovers(domainName: string, hostname: string): boolean {
  const d = normalizeHostname(domainName);
  const h = normalizeHostname(hostname);
  if (d === "" || h === "") return false;
  return h === d || h.endsWith(`.${d}`);
}

/** The Domain facts coverage needs; `name` is metadata.name, used in messages. */
export interface DomainFact {
  readonly name: string;
  readonly domainName: string;
  readonly verified: boolean;
}

export type HostnameCoverage =
  | { readonly state: "verified"; readonly domain: DomainFact }
  | { readonly state: "unverified"; readonly domains: readonly DomainFact[] }
  | { readonly state: "uncovered" };

/**
 * NSO accepts a hostname as soon as any covering Domain is verified; a covering but unverified
 * Domain leaves it pending; no covering Domain at all makes NSO create one (see impliedDomainName).
 * Among verified candidates the most specific is reported, which is the one a user would look at.
 */
export function hostnameCoverage(hostname: string, domains: readonly DomainFact[]): HostnameCoverage {
  const covering = domains.filter((d) => domainCovers(d.domainName, hostname));
  if (covering.length === 0) return { state: "uncovered" };
  const verified = covering.filter((d) => d.verified);
  if (verified.length === 0) return { state: "unverified", domains: covering };
  const mostSpecific = verified.reduce((best, d) =>
    normalizeHostname(d.domainName).length > normalizeHostname(best.domainName).length ? d : best,
  );
  return { state: "verified", domain: mostSpecific };
}

/** NSO's `UnverifiedHostnamesPresent` listener message for a hostname without a verified Domain. */
export function unverifiedHostnameMessage(hostname: string): string {
  return `The hostname ${JSON.stringify(hostname)} has not been verified. Check status of Domains in the same namespace.`;
}

/**
 * The Domain NSO creates when no Domain covers a hostname: its last two labels (which is wrong for
 * multi-label public suffixes — `shop.example.co.uk` yields `co.uk` — kept for fidelity; callers
 * should prefer `registrableDomain` when suggesting a Domain to the user).
 */
export function impliedDomainName(hostname: string): string | undefined {
  const parts = normalizeHostname(hostname).split(".");
  if (parts.length < 2) return undefined;
  return parts.slice(-2).join(".");
}
