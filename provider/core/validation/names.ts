import { fieldError, type ScopedFieldError } from "../errors";

/**
 * Kubernetes name and hostname checks (apimachinery `util/validation`), with its exact wording,
 * plus the Gateway API PreciseHostname rule as NSO applies it to Host overrides and tls.hostname.
 */

const DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
// The same languages without capturing groups (the messages quote the patterns above), which
// matter to no test() and make every match slower.
const LABEL_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_RE = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/** apimachinery's RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is '…')`. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  let s = `${msg} (e.g. `;
  examples.forEach((ex, i) => {
    if (i > 0) s += " or ";
    s += `'${ex}', `;
  });
  return `${s}regex used for validation is '${fmt}')`;
}

/** Byte length as Go's len() counts it. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** `byteLength(s) > max`, without measuring strings too short to exceed it (≤ 3 UTF-8 bytes per UTF-16 unit). */
function longerThan(s: string, max: number): boolean {
  return s.length * 3 > max && byteLength(s) > max;
}

export function dns1123LabelErrors(value: string): string[] {
  const errs: string[] = [];
  if (longerThan(value, 63)) errs.push("must be no more than 63 characters");
  if (!LABEL_RE.test(value)) {
    if (dns1123SubdomainErrors(value).length === 0) errs.push("must not contain dots");
    else errs.push(regexError(LABEL_MSG, DNS1123_LABEL, "my-name", "123-abc"));
  }
  return errs;
}

export function dns1123SubdomainErrors(value: string): string[] {
  const errs: string[] = [];
  if (longerThan(value, 253)) errs.push("must be no more than 253 characters");
  if (!SUBDOMAIN_RE.test(value)) errs.push(regexError(SUBDOMAIN_MSG, DNS1123_SUBDOMAIN, "example.com"));
  return errs;
}

const QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_RE = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const QUALIFIED_NAME_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** `IsQualifiedName`: label and annotation keys, `[prefix/]name` with a DNS-subdomain prefix. */
export function qualifiedNameErrors(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split("/");
  if (parts.length > 2) {
    return [`a qualified name ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  }
  const name = parts[parts.length - 1] as string;
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    if (prefix === "") errs.push("prefix part must be non-empty");
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  }
  if (name === "") errs.push("name part must be non-empty");
  else if (longerThan(name, 63)) errs.push("name part must be no more than 63 characters");
  if (!QUALIFIED_NAME_RE.test(name)) errs.push(`name part ${regexError(QUALIFIED_NAME_MSG, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")}`);
  return errs;
}

/** `IsValidLabelValue`: empty, or a qualified-name-like value of at most 63 characters. */
export function labelValueErrors(value: string): string[] {
  const errs: string[] = [];
  if (longerThan(value, 63)) errs.push("must be no more than 63 characters");
  if (value !== "" && !QUALIFIED_NAME_RE.test(value)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, "MyValue", "my_value", "12345"));
  return errs;
}

export function isDNS1123Label(value: string): boolean {
  return dns1123LabelErrors(value).length === 0;
}

export function isDNS1123Subdomain(value: string): boolean {
  return dns1123SubdomainErrors(value).length === 0;
}

/** `IsFullyQualifiedDomainName`: one trailing dot ignored, lowercase subdomain, ≥2 labels, labels ≤63. */
export function fqdnErrors(path: string, name: string, scope?: string): ScopedFieldError[] {
  if (name.length === 0) return [fieldError.required(path, "", scope)];
  const n = name.endsWith(".") ? name.slice(0, -1) : name;
  const sub = dns1123SubdomainErrors(n);
  if (sub.length) return [fieldError.invalid(path, n, sub.join(","), scope)];
  if (!n.includes(".")) {
    return [fieldError.invalid(path, n, "should be a domain with at least two segments separated by dots", scope)];
  }
  // Every label of a valid (hence ASCII) subdomain matches the label pattern; only its length can fail.
  if (!hasLabelLongerThan(n, 63)) return [];
  for (const label of n.split(".")) {
    const le = dns1123LabelErrors(label);
    if (le.length) return [fieldError.invalid(path, label, le.join(","), scope)];
  }
  return [];
}

function hasLabelLongerThan(name: string, max: number): boolean {
  let start = 0;
  for (;;) {
    const dot = name.indexOf(".", start);
    const end = dot < 0 ? name.length : dot;
    if (end - start > max) return true;
    if (dot < 0) return false;
    start = dot + 1;
  }
}

/** Field errors for a DNS-1123 label value (object names, connector names). */
export function labelErrors(path: string, value: string): ScopedFieldError[] {
  return dns1123LabelErrors(value).map((d) => fieldError.invalid(path, value, d));
}

export function subdomainErrors(path: string, value: string): ScopedFieldError[] {
  return dns1123SubdomainErrors(value).map((d) => fieldError.invalid(path, value, d));
}

/** Gateway API PreciseHostname: no wildcard, lowercase, dot-separated labels. */
export const PRECISE_HOSTNAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
const PRECISE_HOSTNAME_RE = SUBDOMAIN_RE; // PRECISE_HOSTNAME_PATTERN is the DNS-1123 subdomain pattern
export const MAX_PRECISE_HOSTNAME_LENGTH = 253;

export function isPreciseHostname(h: string): boolean {
  return h.length >= 1 && h.length <= MAX_PRECISE_HOSTNAME_LENGTH && PRECISE_HOSTNAME_RE.test(h);
}

/**
 * NSO's "programmable hostname" rule for values that become a route's URLRewrite hostname
 * (Host header overrides, backend tls.hostname): case is normalised, not an error.
 */
export function programmableHostnameErrors(path: string, raw: string): ScopedFieldError[] {
  const h = goToLower(raw);
  if (isPreciseHostname(h)) return [];
  // NSO splits and measures the value as written, not the lowercased one.
  const hp = splitHostPort(raw);
  if (hp && hp.port !== "") {
    return [fieldError.invalid(path, raw, `must not include a port; use ${JSON.stringify(hp.host)} and set the port on the backend endpoint`)];
  }
  if (byteLength(raw) > MAX_PRECISE_HOSTNAME_LENGTH) {
    return [fieldError.invalid(path, raw, `must be no more than ${MAX_PRECISE_HOSTNAME_LENGTH} characters`)];
  }
  return [
    fieldError.invalid(
      path,
      raw,
      "must be a hostname consisting of lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character (e.g. 'example.com'); wildcards are not permitted",
    ),
  ];
}

/**
 * Go's strings.ToLower maps each rune by its simple case mapping; JS uses the full mapping, which
 * differs only for U+0130 (İ → "i̇" in JS, "i" in Go).
 */
export function goToLower(s: string): string {
  return s.replace(/\u0130/g, "i").toLowerCase();
}

/** Go's net.SplitHostPort; undefined where Go returns an error. */
export function splitHostPort(hostport: string): { host: string; port: string } | undefined {
  const i = hostport.lastIndexOf(":");
  if (i < 0) return undefined;
  let host: string;
  if (hostport.startsWith("[")) {
    const end = hostport.indexOf("]");
    if (end < 0) return undefined;
    if (end + 1 === hostport.length) return undefined; // missing port
    if (end + 1 !== i) return undefined;
    host = hostport.slice(1, end);
    if (host.includes("[") || host.includes("]")) return undefined;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(":")) return undefined; // too many colons
    if (host.includes("[") || host.includes("]")) return undefined;
  }
  const port = hostport.slice(i + 1);
  if (port.includes("[") || port.includes("]")) return undefined;
  return { host, port };
}
