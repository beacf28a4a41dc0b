import { createHash } from "node:crypto";
import { isUnknown, UNKNOWN } from "../unknown";

/**
 * Names of generated objects. NSO derives some from UIDs, which do not exist before an object is
 * created (and never at preview); we derive every name from the source object's name instead,
 * and keep NSO's length guard: an over-long name becomes a prefix, `-` and the MD5 of the whole.
 */

export const MAX_SUBDOMAIN = 253;
export const MAX_LABEL = 63;
const MD5_HEX = 32;

function md5(s: string): string {
  return createHash("md5").update(s).digest("hex");
}

/** Fits `name` into `max` bytes; names that already fit are kept as they are. */
export function truncateWithHash(name: string, max: number): string {
  if (isUnknown(name)) return UNKNOWN;
  if (Buffer.byteLength(name, "utf8") <= max) return name;
  const prefix = Buffer.from(name, "utf8").subarray(0, max - MD5_HEX - 1).toString("utf8").replace(/\uFFFD+$/, "");
  return `${prefix}-${md5(name)}`;
}

/** A DNS-1123 subdomain name (most kinds): ≤253. */
export function subdomainName(name: string): string {
  return truncateWithHash(name, MAX_SUBDOMAIN);
}

/** A DNS-1035 label name (Services): ≤63. */
export function labelName(name: string): string {
  return truncateWithHash(name, MAX_LABEL);
}

/** Joins name parts; any unknown part makes the whole name unknown. */
export function joinName(...parts: (string | number)[]): string {
  if (parts.some((p) => isUnknown(p))) return UNKNOWN;
  return parts.join("-");
}

const LABEL_VALUE_RE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * A label value (≤63, alphanumeric ends). Valid values are kept; long ones are truncated with a
 * hash; anything else (which validated input never produces) becomes its hash alone.
 */
export function labelValue(value: string): string {
  if (value.length <= MAX_LABEL && LABEL_VALUE_RE.test(value)) return value;
  if (!LABEL_VALUE_RE.test(value)) return md5(value);
  const prefix = value.slice(0, MAX_LABEL - MD5_HEX - 1);
  return `${prefix}-${md5(value)}`;
}

export function isValidLabelValue(value: string): boolean {
  return value.length <= MAX_LABEL && LABEL_VALUE_RE.test(value);
}

/** `<gateway>-<listener>`: the listener's Certificate and the Secret it fills (NSO's name). */
export function listenerCertificateName(gateway: string, listener: string): string {
  return subdomainName(joinName(gateway, listener));
}

/**
 * The TLS Secret the provider fills itself in ACME mode. A name of its own, so switching from
 * cert-manager never fights over the Secret cert-manager wrote under the Certificate's name.
 */
export function listenerAcmeSecretName(gateway: string, listener: string): string {
  return subdomainName(joinName(gateway, listener, "acme"));
}

/**
 * The Service, EndpointSlice and BackendTLSPolicy of one backend. NSO uses
 * `route-<HTTPRoute UID>-rule-<i>-backendref-<j>`; we use the route's name in place of its UID.
 * Services need a DNS-1035 label, hence the 63 limit and the `route-` prefix (a letter first).
 */
export function backendResourceName(route: string, rule: number, backend: number): string {
  if (isUnknown(route)) return UNKNOWN;
  return labelName(`route-${route}-rule-${rule}-backendref-${backend}`);
}

/** Port name on the backend's Service and EndpointSlice (NSO's `httpproxy-<i>-<j>`). */
export function backendPortName(rule: number, backend: number): string {
  return `httpproxy-${rule}-${backend}`;
}
