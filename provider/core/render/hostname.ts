import { createHash } from "node:crypto";
import { isUnknown, UNKNOWN } from "../unknown";
import { ADJECTIVES, NOUNS } from "./words";

/**
 * The platform hostname every HTTPProxy answers on: `<adjective>-<noun>-<5 chars>.<targetDomain>`.
 *
 * NSO seeds it with the Gateway's UID, which does not exist before creation (and never at
 * preview). We seed with `<namespace>/<name>` of the HTTPProxy, so the hostname is known at
 * preview and survives delete/re-create. Consequence: two clusters rendering the same
 * namespace/name under the same targetDomain get the same hostname — give each cluster its own
 * targetDomain.
 *
 * Digest bytes: 0 → adjective, 1 → noun, 2..6 (40 bits) → five base-27 characters.
 */

/** No vowels (no accidental words), no l/1/0/o/y (legibility). 27 symbols. */
const ALPHABET = "bcdfghjkmnpqrstvwxz23456789";

export function canonicalLabel(namespace: string, name: string): string {
  const d = createHash("sha256").update(`${namespace}/${name}`).digest();
  const adjective = ADJECTIVES[d[0] as number] as string;
  const noun = NOUNS[d[1] as number] as string;
  let n = 0;
  for (let i = 2; i < 7; i++) n = n * 256 + (d[i] as number);
  let chars = "";
  for (let i = 0; i < 5; i++) {
    chars += ALPHABET[n % ALPHABET.length];
    n = Math.floor(n / ALPHABET.length);
  }
  return `${adjective}-${noun}-${chars}`;
}

/** Unknown at preview only when the name or namespace itself is unknown. */
export function canonicalHostname(namespace: string, name: string, targetDomain: string): string {
  if (isUnknown(namespace) || isUnknown(name) || isUnknown(targetDomain)) return UNKNOWN;
  return `${canonicalLabel(namespace, name)}.${targetDomain}`;
}

/** True when `hostname` is `domain` or lies under it. */
export function isUnderDomain(hostname: string, domain: string): boolean {
  return hostname === domain || hostname.endsWith(`.${domain}`);
}
