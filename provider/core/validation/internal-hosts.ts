import { fieldError, type ScopedFieldError } from "../errors";
import { child, index, key } from "../path";
import { parseGoURL, parseIP, urlHostname } from "./network";
import { isObj, type Obj } from "../json";

/**
 * Host spellings that pass NSO's SSRF checks (which look at canonical IP literals and FQDN syntax)
 * but that resolvers and wildcard-DNS services still turn into addresses inside the platform:
 * `127.1`, `0x7f.0.0.1`, `0177.0.0.1`, `127.0.0.1.`, `[::127.0.0.1]`, `[64:ff9b::7f00:1]`,
 * `kubernetes.default.svc.cluster.local`, `metadata.google.internal`, `169.254.169.254.nip.io`.
 * NSO admits them, so by default they are warnings; `suspiciousHosts: reject` makes them errors.
 * This module is the one place that classifies hosts this way and knows the fields the data
 * plane dials.
 */

export interface SuspiciousHost {
  /** Field path of the host (`…endpoint[host]`, `…fqdn.hostname`). */
  field: string;
  host: string;
  /** Why the host may reach an internal address. */
  reason: string;
}

function dotted(b: readonly number[]): string {
  return b.join(".");
}

/** Ranges a tenant's backend must not reach through a shared proxy (RFC 6890 special-purpose, non-global). */
function isInternalIPv4(b: readonly number[]): boolean {
  const [a = 0, c = 0] = b;
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 100 && c >= 64 && c <= 127) ||
    (a === 169 && c === 254) ||
    (a === 172 && c >= 16 && c <= 31) ||
    (a === 192 && c === 168) ||
    (a === 198 && (c === 18 || c === 19))
  );
}

/** One inet_aton part: decimal, octal (leading 0) or hex (0x); undefined when it is none. */
function atonPart(p: string): number | undefined {
  if (/^0x[0-9a-f]*$/i.test(p)) return p.length === 2 ? 0 : parseInt(p.slice(2), 16);
  if (/^0[0-7]*$/.test(p)) return parseInt(p, 8);
  if (/^[1-9][0-9]*$/.test(p)) return Number(p);
  return undefined;
}

/** C's inet_aton, which resolvers (glibc, musl, Go's cgo path, curl) apply to numeric hosts: `127.1` → 127.0.0.1. */
function inetAton(host: string): number[] | undefined {
  const parts = host.split(".");
  if (parts.length > 4) return undefined;
  const nums = parts.map(atonPart);
  if (nums.some((n) => n === undefined || !Number.isSafeInteger(n))) return undefined;
  const ns = nums as number[];
  const last = ns[ns.length - 1] as number;
  const lead = ns.slice(0, -1);
  if (lead.some((n) => n > 255) || last >= 2 ** (8 * (5 - ns.length))) return undefined;
  const bytes = [...lead];
  for (let i = 4 - ns.length; i >= 0; i--) bytes.push(Math.floor(last / 2 ** (8 * i)) % 256);
  return bytes;
}

/** The IPv4 address an IPv6 literal carries: IPv4-compatible (::a.b.c.d), -mapped (::ffff:…), NAT64 (64:ff9b::/96), 6to4 (2002::/16). */
function embeddedIPv4(ip: Uint8Array): { v4: number[]; form: string } | undefined {
  const zeros = (from: number, to: number): boolean => ip.slice(from, to).every((b) => b === 0);
  const tail = [...ip.slice(12)];
  if (zeros(0, 10) && ip[10] === 0xff && ip[11] === 0xff) return { v4: tail, form: "IPv4-mapped" };
  if (zeros(0, 12) && !zeros(12, 15)) return { v4: tail, form: "IPv4-compatible" };
  if (ip[0] === 0x00 && ip[1] === 0x64 && ip[2] === 0xff && ip[3] === 0x9b && zeros(4, 12)) return { v4: tail, form: "NAT64 (64:ff9b::/96)" };
  if (ip[0] === 0x20 && ip[1] === 0x02) return { v4: [...ip.slice(2, 6)], form: "6to4 (2002::/16)" };
  return undefined;
}

/** DNS suffixes that name things inside a cluster or a cloud project, never a tenant's public origin. */
const INTERNAL_SUFFIXES = ["localhost", "local", "internal", "svc", "localdomain", "home.arpa"];

function internalName(name: string): string | undefined {
  if (name === "kubernetes.default" || name.startsWith("kubernetes.default.")) return "the Kubernetes API server's in-cluster name";
  const suffix = INTERNAL_SUFFIXES.find((s) => name === s || name.endsWith(`.${s}`));
  if (suffix === undefined) return undefined;
  return `a name under .${suffix}, which resolves inside the cluster or the cloud project (e.g. *.svc.cluster.local, metadata.google.internal)`;
}

/** Four octets written into a name (`169.254.169.254.nip.io`, `app-10-0-0-1.sslip.io`) or as 8 hex digits (`7f000001.nip.io`). */
function embeddedInName(name: string): number[] | undefined {
  for (const m of name.matchAll(/(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})(?=$|[.-])/g)) {
    const b = m.slice(1, 5).map(Number);
    if (b.every((n) => n <= 255) && isInternalIPv4(b)) return b;
  }
  for (const m of name.matchAll(/(?:^|[.-])([0-9a-f]{8})(?=\.)/gi)) {
    const n = parseInt(m[1] as string, 16);
    const b = [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
    if (isInternalIPv4(b)) return b;
  }
  return undefined;
}

/** Why `host` may reach an internal address although NSO admits it; undefined when it looks like a public name or a canonical IP literal. */
export function suspiciousHostReason(rawHost: string): string | undefined {
  const host = rawHost.toLowerCase();
  const trimmed = host.endsWith(".") ? host.slice(0, -1) : host;
  const ip = parseIP(trimmed);
  if (ip) {
    if (trimmed !== host) return "an IP address with a trailing dot, which resolvers read as that address";
    const e = embeddedIPv4(ip);
    if (e && isInternalIPv4(e.v4)) return `an ${e.form} IPv6 address that carries ${dotted(e.v4)}, an internal address`;
    return undefined;
  }
  const aton = inetAton(trimmed);
  if (aton) return `a numeric host that resolvers read as ${dotted(aton)} (inet_aton accepts short, octal and hex forms)`;
  const name = internalName(trimmed);
  if (name) return name;
  const inName = embeddedInName(trimmed);
  if (inName) return `a name that embeds the internal address ${dotted(inName)}; wildcard-DNS services (nip.io, sslip.io, …) resolve such names to it`;
  return undefined;
}

function urlHost(field: string, raw: unknown, out: SuspiciousHost[]): void {
  if (typeof raw !== "string") return;
  const parsed = parseGoURL(raw);
  if (!parsed.ok) return;
  const host = urlHostname(parsed.url);
  const reason = host ? suspiciousHostReason(host) : undefined;
  if (reason) out.push({ field: key(field, "host"), host, reason });
}

function plainHost(field: string, raw: unknown, out: SuspiciousHost[]): void {
  const reason = typeof raw === "string" && raw !== "" ? suspiciousHostReason(raw) : undefined;
  if (reason) out.push({ field, host: raw as string, reason });
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function at(o: unknown, ...names: string[]): unknown {
  let v = o;
  for (const n of names) v = isObj(v) ? v[n] : undefined;
  return v;
}

const OIDC_URL_FIELDS = ["issuer", "authorizationEndpoint", "tokenEndpoint", "endSessionEndpoint"];

/** Every host the data plane would dial for this object (backends, JWKS, OIDC, Backend endpoints) that is suspicious. */
export function suspiciousHosts(object: Obj): SuspiciousHost[] {
  const out: SuspiciousHost[] = [];
  const spec = object["spec"];
  switch (object["kind"]) {
    case "HTTPProxy":
      list(at(spec, "rules")).forEach((r, i) =>
        list(at(r, "backends")).forEach((b, j) => urlHost(child(index(child(index("spec.rules", i), "backends"), j), "endpoint"), at(b, "endpoint"), out)),
      );
      break;
    case "SecurityPolicy":
      list(at(spec, "jwt", "providers")).forEach((p, i) => urlHost(child(index("spec.jwt.providers", i), "remoteJWKS.uri"), at(p, "remoteJWKS", "uri"), out));
      for (const f of OIDC_URL_FIELDS) urlHost(`spec.oidc.provider.${f}`, at(spec, "oidc", "provider", f), out);
      break;
    case "Backend":
      list(at(spec, "endpoints")).forEach((e, i) => {
        plainHost(child(index("spec.endpoints", i), "fqdn.hostname"), at(e, "fqdn", "hostname"), out);
        plainHost(child(index("spec.endpoints", i), "ip.address"), at(e, "ip", "address"), out);
      });
      break;
  }
  return out;
}

/** The finding as a field error, for `suspiciousHosts: reject`. */
export function suspiciousHostError(s: SuspiciousHost): ScopedFieldError {
  return fieldError.invalid(s.field, s.host, `${s.reason}; the data plane must not reach internal addresses (guardrail suspiciousHosts: reject)`);
}

/** A host NSO admits but the data plane should not dial: reported, not refused. */
export interface FieldWarning {
  field: string;
  message: string;
}

/** The finding as a warning (the default decision, NSO's: admit). */
export function suspiciousHostWarning(s: SuspiciousHost): FieldWarning {
  return { field: s.field, message: `${JSON.stringify(s.host)} is ${s.reason}; NSO admits it, the guardrail suspiciousHosts: reject refuses it` };
}
