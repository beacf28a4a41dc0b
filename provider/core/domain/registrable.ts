import { getDomain } from "tldts";
import { normalizeHostname } from "./coverage";

/**
 * The registrable domain (eTLD+1) per the Public Suffix List, as NSO computes it with Go's
 * `publicsuffix.EffectiveTLDPlusOne`: ICANN and private sections both count, unlisted TLDs fall
 * back to the `*` rule, and IP-looking names are treated as plain labels.
 */
export type RegistrableResult =
  | { readonly ok: true; readonly registrable: string; readonly apex: boolean }
  | { readonly ok: false; readonly reason: "InvalidApex"; readonly message: string };

export const INVALID_APEX_MESSAGE = "Domain is not registrable (public-suffix only or invalid)";
export const VALID_DOMAIN_MESSAGE = "Domain is registrable";

const TLDTS_OPTIONS = {
  allowPrivateDomains: true,
  detectIp: false,
  extractHostname: false,
  validateHostname: false,
} as const;

export function registrableDomain(domainName: string): RegistrableResult {
  const name = normalizeHostname(domainName);
  const invalid = { ok: false as const, reason: "InvalidApex" as const, message: INVALID_APEX_MESSAGE };
  // Go rejects empty labels ("publicsuffix: empty label in domain"); tldts would skip them.
  if (name === "" || name.split(".").some((label) => label === "")) return invalid;
  const registrable = getDomain(name, TLDTS_OPTIONS);
  if (registrable === null || registrable === "") return invalid;
  return { ok: true, registrable, apex: registrable === name };
}
