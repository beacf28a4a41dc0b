import { fieldError, type ScopedFieldError } from "../errors";
import { key } from "../path";
import { fqdnErrors } from "./names";

/**
 * Go `net` and `net/url` semantics that NSO's webhooks rely on. Reimplemented rather than using
 * WHATWG URL, which canonicalises hosts and ports in ways Go does not (see conformance README).
 */

/** Go's net.ParseIP: 16 bytes, or undefined. IPv4 yields the IPv4-mapped form. */
export function parseIP(s: string): Uint8Array | undefined {
  if (s.includes(":")) return parseIPv6(s);
  const v4 = parseIPv4(s);
  if (!v4) return undefined;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(v4, 12);
  return out;
}

function parseIPv4(s: string): Uint8Array | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    if (p.length > 1 && p[0] === "0") return undefined; // Go rejects leading zeros
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(s: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  let ellipsis = -1;
  let i = 0;
  let rest = s;
  if (rest.startsWith("::")) {
    ellipsis = 0;
    rest = rest.slice(2);
    if (rest.length === 0) return out;
  }
  while (i < 16) {
    const m = /^[0-9a-fA-F]{1,4}/.exec(rest);
    if (!m) return undefined;
    // An embedded IPv4 tail, e.g. ::ffff:1.2.3.4
    if (rest.length > m[0].length && rest[m[0].length] === ".") {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseIPv4(rest);
      if (!v4) return undefined;
      out.set(v4, i);
      i += 4;
      rest = "";
      break;
    }
    const n = parseInt(m[0], 16);
    out[i] = n >> 8;
    out[i + 1] = n & 0xff;
    i += 2;
    rest = rest.slice(m[0].length);
    if (rest.length === 0) break;
    if (rest[0] !== ":" || rest.length === 1) return undefined;
    rest = rest.slice(1);
    if (rest[0] === ":") {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      rest = rest.slice(1);
      if (rest.length === 0) break;
    }
  }
  if (rest.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) out[j + n] = out[j] as number;
    for (let j = ellipsis + n - 1; j >= ellipsis; j--) out[j] = 0;
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return out;
}

function isV4(ip: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return false;
  return ip[10] === 0xff && ip[11] === 0xff;
}

export function isUnspecified(ip: Uint8Array): boolean {
  if (isV4(ip)) return ip[12] === 0 && ip[13] === 0 && ip[14] === 0 && ip[15] === 0;
  return ip.every((b) => b === 0);
}

export function isLoopback(ip: Uint8Array): boolean {
  if (isV4(ip)) return ip[12] === 127;
  return ip.slice(0, 15).every((b) => b === 0) && ip[15] === 1;
}

export function isLinkLocalUnicast(ip: Uint8Array): boolean {
  if (isV4(ip)) return ip[12] === 169 && ip[13] === 254;
  return ip[0] === 0xfe && ((ip[1] as number) & 0xc0) === 0x80;
}

export function isLinkLocalMulticast(ip: Uint8Array): boolean {
  if (isV4(ip)) return ip[12] === 224 && ip[13] === 0 && ip[14] === 0;
  return ip[0] === 0xff && ((ip[1] as number) & 0x0f) === 0x02;
}

/** The SSRF guard for hosts the shared data plane dials: IP literals by range, names by FQDN rules. */
export function externalHostErrors(path: string, host: string): ScopedFieldError[] {
  const ip = parseIP(host);
  if (!ip) return fqdnErrors(path, host);
  const errs: ScopedFieldError[] = [];
  if (isUnspecified(ip)) errs.push(fieldError.invalid(path, host, `may not be unspecified (${host})`));
  if (isLoopback(ip)) errs.push(fieldError.invalid(path, host, "may not be in the loopback range (127.0.0.0/8, ::1/128)"));
  if (isLinkLocalUnicast(ip)) errs.push(fieldError.invalid(path, host, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
  if (isLinkLocalMulticast(ip)) {
    errs.push(fieldError.invalid(path, host, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
  }
  return errs;
}

export interface GoURL {
  scheme: string;
  opaque: string;
  /** Present when the URL had an `@` in its authority. */
  user?: { username: string; password?: string };
  /** host[:port] exactly as written (brackets kept for IPv6). */
  host: string;
  path: string;
  rawQuery: string;
  forceQuery: boolean;
  fragment: string;
}

export type GoURLResult = { ok: true; url: GoURL } | { ok: false; error: string };

function goQuote(s: string): string {
  return JSON.stringify(s);
}

function fail(raw: string, msg: string): GoURLResult {
  return { ok: false, error: `parse ${goQuote(raw)}: ${msg}` };
}

function unescape(s: string, mode: "host" | "path" | "userinfo" | "fragment"): string | { error: string } {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        let bad = s.slice(i, i + 3);
        if (bad.length > 3) bad = bad.slice(0, 3);
        return { error: `invalid URL escape ${goQuote(bad)}` };
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 2;
      continue;
    }
    if (mode === "host" && c.charCodeAt(0) < 0x80 && shouldEscapeHost(c)) {
      return { error: `invalid character ${goQuote(c)} in host name` };
    }
    out += c;
  }
  return out;
}

function shouldEscapeHost(c: string): boolean {
  if (/[A-Za-z0-9]/.test(c)) return false;
  return !"-_.~!$&'()*+,;=:[]<>\"".includes(c);
}

function validOptionalPort(port: string): boolean {
  if (port === "") return true;
  if (port[0] !== ":") return false;
  return /^[0-9]*$/.test(port.slice(1));
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

/** Go's url.Parse (not ParseRequestURI), close enough for the messages NSO reports. */
export function parseGoURL(raw: string): GoURLResult {
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail(raw, "net/url: invalid control character in URL");
  let rest = raw;
  let fragment = "";
  const hash = rest.indexOf("#");
  if (hash >= 0) {
    const f = unescape(rest.slice(hash + 1), "fragment");
    if (typeof f !== "string") return fail(raw, f.error);
    fragment = f;
    rest = rest.slice(0, hash);
  }
  const u: GoURL = { scheme: "", opaque: "", host: "", path: "", rawQuery: "", forceQuery: false, fragment };
  if (rest === "*") {
    u.path = "*";
    return { ok: true, url: u };
  }
  // scheme
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i] as string;
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ":") {
      if (i === 0) return fail(raw, "missing protocol scheme");
      u.scheme = rest.slice(0, i).toLowerCase();
      rest = rest.slice(i + 1);
    }
    break;
  }
  if (rest.endsWith("?") && rest.split("?").length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith("/")) {
    if (u.scheme !== "") {
      u.opaque = rest;
      return { ok: true, url: u };
    }
    const seg = rest.split("/")[0] as string;
    if (seg.includes(":")) return fail(raw, "first path segment in URL cannot contain colon");
  }
  if (rest.startsWith("//") && (u.scheme !== "" || !rest.startsWith("///"))) {
    let authority = rest.slice(2);
    const slash = authority.indexOf("/");
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    } else {
      rest = "";
    }
    const at = authority.lastIndexOf("@");
    let hostPart = authority;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      hostPart = authority.slice(at + 1);
      if (!validUserinfo(userinfo)) return fail(raw, "net/url: invalid userinfo");
      const colon = userinfo.indexOf(":");
      const name = unescape(colon >= 0 ? userinfo.slice(0, colon) : userinfo, "userinfo");
      if (typeof name !== "string") return fail(raw, name.error);
      u.user = { username: name };
      if (colon >= 0) {
        const pw = unescape(userinfo.slice(colon + 1), "userinfo");
        if (typeof pw !== "string") return fail(raw, pw.error);
        u.user.password = pw;
      }
    }
    if (hostPart.startsWith("[")) {
      const end = hostPart.lastIndexOf("]");
      if (end < 0) return fail(raw, "missing ']' in host");
      const colonPort = hostPart.slice(end + 1);
      if (!validOptionalPort(colonPort)) return fail(raw, `invalid port ${goQuote(colonPort)} after host`);
    } else {
      const c = hostPart.lastIndexOf(":");
      if (c >= 0) {
        const colonPort = hostPart.slice(c);
        if (!validOptionalPort(colonPort)) return fail(raw, `invalid port ${goQuote(colonPort)} after host`);
      }
    }
    const h = unescape(hostPart, "host");
    if (typeof h !== "string") return fail(raw, h.error);
    u.host = h;
  }
  const p = unescape(rest, "path");
  if (typeof p !== "string") return fail(raw, p.error);
  u.path = p;
  return { ok: true, url: u };
}

/** url.URL.Hostname(): host without port or IPv6 brackets. */
export function urlHostname(u: GoURL): string {
  const h = u.host;
  if (h.startsWith("[")) {
    const end = h.indexOf("]");
    return end >= 0 ? h.slice(1, end) : h.slice(1);
  }
  const c = h.lastIndexOf(":");
  return c >= 0 ? h.slice(0, c) : h;
}

/** url.URL.Port(): the digits after the host's colon, or "". */
export function urlPort(u: GoURL): string {
  const h = u.host;
  const start = h.startsWith("[") ? h.indexOf("]") + 1 : 0;
  const c = h.indexOf(":", start);
  if (c < 0) return "";
  const port = h.slice(c + 1);
  return /^[0-9]*$/.test(port) ? port : "";
}

/**
 * URLs the data plane fetches for a tenant (OIDC endpoints, remote JWKS): https only, no userinfo,
 * external host. Empty is fine — the field is optional.
 */
export function externalHttpsUrlErrors(path: string, raw: string): ScopedFieldError[] {
  if (raw === "") return [];
  const parsed = parseGoURL(raw);
  if (!parsed.ok) return [fieldError.invalid(path, raw, `invalid URL: ${parsed.error}`)];
  const u = parsed.url;
  const errs: ScopedFieldError[] = [];
  if (u.scheme !== "https") errs.push(fieldError.notSupported(key(path, "scheme"), u.scheme, ["https"]));
  if (u.user) errs.push(fieldError.invalid(key(path, "userinfo"), `${u.user.username}:redacted`, "must not have a userinfo component"));
  const host = urlHostname(u);
  if (host === "") {
    errs.push(fieldError.required(key(path, "host"), "must have a host component"));
    return errs;
  }
  errs.push(...externalHostErrors(key(path, "host"), host));
  return errs;
}
