import { fieldError, goQuote, type ScopedFieldError } from "../errors";
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

/** The shape parseIPv4 accepts, checked first because most hosts are names. */
const DOTTED_QUAD = /^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/;

function parseIPv4(s: string): Uint8Array | undefined {
  if (!DOTTED_QUAD.test(s)) return undefined;
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
  /** host[:port] as Go keeps it: unescaped, brackets kept for IPv6. */
  host: string;
  path: string;
  rawQuery: string;
  forceQuery: boolean;
  fragment: string;
}

export type GoURLResult = { ok: true; url: GoURL } | { ok: false; error: string };

/*
 * A port of Go 1.26 net/url.Parse (the parser NSO's webhooks run), including its error texts.
 * Go works on bytes; the characters that matter here are all ASCII.
 */

type GoEncoding = "host" | "zone" | "userPassword" | "path" | "fragment";

/** ASCII characters Go's encoding table lets stand unescaped in a host or zone. */
const HOST_CHARS = /^[A-Za-z0-9!"$&'()*+,\-.:;<=>[\]_~]$/;

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

function escapeError(s: string): { error: string } {
  return { error: `invalid URL escape ${goQuote(s)}` };
}

/** What a host or zone may hold unescaped: HOST_CHARS plus anything beyond ASCII. */
const PLAIN_HOST = /^[A-Za-z0-9!"$&'()*+,\-.:;<=>[\]_~\u0080-\uffff]*$/;

/** Go's url.unescape: validates `%XX` (host/zone rules too) and decodes them as bytes. */
function unescape(s: string, mode: GoEncoding): string | { error: string } {
  // Without escapes (or, in a host, forbidden characters) the loops below would return s as it is.
  if (mode === "host" || mode === "zone" ? PLAIN_HOST.test(s) : !s.includes("%")) return s;
  let escapes = 0;
  for (let i = 0; i < s.length; ) {
    const c = s[i] as string;
    if (c === "%") {
      escapes++;
      if (i + 2 >= s.length || !isHex(s[i + 1]) || !isHex(s[i + 2])) return escapeError(s.slice(i, i + 3));
      const hex = s.slice(i, i + 3);
      const v = parseInt(hex.slice(1), 16);
      // In a host only non-ASCII bytes may be escaped; %25 introduces an IPv6 zone.
      if (mode === "host" && v < 0x80 && hex !== "%25") return escapeError(hex);
      // A zone may escape only what it could have written directly (or a space).
      if (mode === "zone" && hex !== "%25" && v !== 0x20 && !(v < 0x80 && HOST_CHARS.test(String.fromCharCode(v)))) return escapeError(hex);
      i += 3;
    } else {
      if ((mode === "host" || mode === "zone") && c.charCodeAt(0) < 0x80 && !HOST_CHARS.test(c)) {
        return { error: `invalid character ${goQuote(c)} in host name` };
      }
      i++;
    }
  }
  if (escapes === 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "%") {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const cp = s.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      bytes.push(...Buffer.from(String.fromCodePoint(cp), "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function validOptionalPort(port: string): boolean {
  return port === "" || /^:[0-9]*$/.test(port);
}

/** Go accepts '@' inside userinfo (the last '@' separates it from the host). */
function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s);
}

type Step<T> = { ok: true; value: T } | { ok: false; error: string };

/** net/netip.ParseAddr, with its error texts, for the inside of `[...]`. */
function parseAddrError(input: string, msg: string, at?: string): { ok: false; error: string } {
  return { ok: false, error: `ParseAddr(${goQuote(input)}): ${msg}${at ? ` (at ${goQuote(at)})` : ""}` };
}

function netipParseIPv4Fields(input: string, s: string): Step<true> {
  let val = 0;
  let pos = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c >= "0" && c <= "9") {
      if (digits === 1 && val === 0) return parseAddrError(input, "IPv4 field has octet with leading zero");
      val = val * 10 + Number(c);
      digits++;
      if (val > 255) return parseAddrError(input, "IPv4 field has value >255");
    } else if (c === ".") {
      if (i === 0 || i === s.length - 1 || s[i - 1] === ".") return parseAddrError(input, "IPv4 field must have at least one digit", s.slice(i));
      if (pos === 3) return parseAddrError(input, "IPv4 address too long");
      pos++;
      val = 0;
      digits = 0;
    } else {
      return parseAddrError(input, "unexpected character", s.slice(i));
    }
  }
  if (pos < 3) return parseAddrError(input, "IPv4 address too short");
  return { ok: true, value: true };
}

/** Returns whether the address is IPv4 (ParseAddr's Is4), or ParseAddr's error. */
function netipParseAddr(input: string): Step<{ is4: boolean }> {
  for (const c of input) {
    if (c === ".") {
      const r = netipParseIPv4Fields(input, input);
      return r.ok ? { ok: true, value: { is4: true } } : r;
    }
    if (c === ":") {
      const r = netipParseIPv6(input);
      return r.ok ? { ok: true, value: { is4: false } } : r;
    }
    if (c === "%") return parseAddrError(input, "missing IPv6 address");
  }
  return parseAddrError(input, "unable to parse IP");
}

function netipParseIPv6(input: string): Step<true> {
  let s = input;
  const pct = s.indexOf("%");
  let zone = "";
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === "") return parseAddrError(input, "zone must be a non-empty string");
  }
  let ellipsis = -1;
  if (s.startsWith("::")) {
    ellipsis = 0;
    s = s.slice(2);
    if (s === "") return { ok: true, value: true };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s[off] as string;
      if (!isHex(c)) break;
      acc = acc * 16 + parseInt(c, 16);
      if (off > 3) return parseAddrError(input, "each group must have 4 or less digits", s);
      if (acc > 0xffff) return parseAddrError(input, "IPv6 field has value >=2^16", s);
    }
    if (off === 0) return parseAddrError(input, "each colon-separated field must have at least one digit", s);
    if (off < s.length && s[off] === ".") {
      if (ellipsis < 0 && i !== 12) return parseAddrError(input, "embedded IPv4 address must replace the final 2 fields of the address", s);
      if (i + 4 > 16) return parseAddrError(input, "too many hex fields to fit an embedded IPv4 at the end of the address", s);
      const v4 = netipParseIPv4Fields(input, s);
      if (!v4.ok) return v4;
      s = "";
      i += 4;
      break;
    }
    i += 2;
    s = s.slice(off);
    if (s === "") break;
    if (s[0] !== ":") return parseAddrError(input, "unexpected character, want colon", s);
    if (s.length === 1) return parseAddrError(input, "colon must be followed by more characters", s);
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) return parseAddrError(input, "multiple :: in address", s);
      ellipsis = i;
      s = s.slice(1);
      if (s === "") break;
    }
  }
  if (s !== "") return parseAddrError(input, "trailing garbage after address", s);
  if (i < 16 && ellipsis < 0) return parseAddrError(input, "address string too short");
  if (i >= 16 && ellipsis >= 0) return parseAddrError(input, "the :: must expand to at least one field of zeros");
  return { ok: true, value: true };
}

/** Go's parseHost: bracketed IPv6 literals (with RFC 6874 zones) or a name with an optional port. */
function parseHost(scheme: string, host: string): Step<string> {
  const open = host.lastIndexOf("[");
  if (open > 0) return { ok: false, error: "invalid IP-literal" };
  if (open === 0) {
    const close = host.lastIndexOf("]");
    if (close < 0) return { ok: false, error: "missing ']' in host" };
    const colonPort = host.slice(close + 1);
    if (!validOptionalPort(colonPort)) return { ok: false, error: `invalid port ${goQuote(colonPort)} after host` };
    const hostname = host.slice(1, close);
    let unescaped: string;
    const zoneAt = hostname.indexOf("%25");
    if (zoneAt >= 0) {
      const hostPart = unescape(hostname.slice(0, zoneAt), "host");
      if (typeof hostPart !== "string") return { ok: false, ...hostPart };
      const zonePart = unescape(hostname.slice(zoneAt), "zone");
      if (typeof zonePart !== "string") return { ok: false, ...zonePart };
      unescaped = hostPart + zonePart;
    } else {
      const h = unescape(hostname, "host");
      if (typeof h !== "string") return { ok: false, ...h };
      unescaped = h;
    }
    // Only an IPv6 address may be bracketed (an IPv4-mapped one is fine).
    const addr = netipParseAddr(unescaped);
    if (!addr.ok) return { ok: false, error: `invalid host: ${addr.error}` };
    if (addr.value.is4) return { ok: false, error: "invalid IP-literal" };
    return { ok: true, value: `[${unescaped}]${colonPort}` };
  }
  const first = host.indexOf(":");
  if (first >= 0) {
    // Since Go 1.26 an http(s) host may hold only one colon (GODEBUG urlstrictcolons=1).
    const at = scheme === "http" || scheme === "https" ? first : host.lastIndexOf(":");
    const colonPort = host.slice(at);
    if (!validOptionalPort(colonPort)) return { ok: false, error: `invalid port ${goQuote(colonPort)} after host` };
  }
  const h = unescape(host, "host");
  return typeof h === "string" ? { ok: true, value: h } : { ok: false, ...h };
}

function parseAuthority(scheme: string, authority: string): Step<{ user?: GoURL["user"]; host: string }> {
  const at = authority.lastIndexOf("@");
  const host = parseHost(scheme, at < 0 ? authority : authority.slice(at + 1));
  if (!host.ok) return host;
  if (at < 0) return { ok: true, value: { host: host.value } };
  const userinfo = authority.slice(0, at);
  if (!validUserinfo(userinfo)) return { ok: false, error: "net/url: invalid userinfo" };
  const colon = userinfo.indexOf(":");
  const username = unescape(colon < 0 ? userinfo : userinfo.slice(0, colon), "userPassword");
  if (typeof username !== "string") return { ok: false, ...username };
  if (colon < 0) return { ok: true, value: { user: { username }, host: host.value } };
  const password = unescape(userinfo.slice(colon + 1), "userPassword");
  if (typeof password !== "string") return { ok: false, ...password };
  return { ok: true, value: { user: { username, password }, host: host.value } };
}

function fail(raw: string, msg: string): GoURLResult {
  return { ok: false, error: `parse ${goQuote(raw)}: ${msg}` };
}

/**
 * Go's url.Parse (not ParseRequestURI). Like Go, it parses the part before `#` first (its errors
 * quote only that part), then the fragment (whose errors quote the whole string).
 */
export function parseGoURL(raw: string): GoURLResult {
  const hash = raw.indexOf("#");
  const parsed = parseBeforeFragment(hash >= 0 ? raw.slice(0, hash) : raw);
  if (!parsed.ok || hash < 0) return parsed;
  const f = unescape(raw.slice(hash + 1), "fragment");
  if (typeof f !== "string") return fail(raw, f.error);
  parsed.url.fragment = f;
  return parsed;
}

function isASCIILetter(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
}

function parseBeforeFragment(raw: string): GoURLResult {
  if (/[\x00-\x1f\x7f]/.test(raw)) return fail(raw, "net/url: invalid control character in URL");
  const u: GoURL = { scheme: "", opaque: "", host: "", path: "", rawQuery: "", forceQuery: false, fragment: "" };
  if (raw === "*") {
    u.path = "*";
    return { ok: true, url: u };
  }
  let rest = raw;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string;
    if (isASCIILetter(c)) continue;
    if ((c >= "0" && c <= "9") || c === "+" || c === "-" || c === ".") {
      if (i === 0) break;
      continue;
    }
    if (c === ":") {
      if (i === 0) return fail(raw, "missing protocol scheme");
      u.scheme = raw.slice(0, i).toLowerCase();
      rest = raw.slice(i + 1);
    }
    break;
  }
  if (rest.endsWith("?") && rest.indexOf("?") === rest.length - 1) {
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
      // A rootless path after a scheme is opaque.
      u.opaque = rest;
      return { ok: true, url: u };
    }
    if ((rest.split("/")[0] as string).includes(":")) return fail(raw, "first path segment in URL cannot contain colon");
  }
  if ((u.scheme !== "" || !rest.startsWith("///")) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const slash = authority.indexOf("/");
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    const a = parseAuthority(u.scheme, authority);
    if (!a.ok) return fail(raw, a.error);
    u.host = a.value.host;
    if (a.value.user) u.user = a.value.user;
  }
  const p = unescape(rest, "path");
  if (typeof p !== "string") return fail(raw, p.error);
  u.path = p;
  return { ok: true, url: u };
}

/** Go's url splitHostPort: a trailing `:digits` is the port; brackets around the rest are dropped. */
function splitURLHostPort(hostPort: string): { host: string; port: string } {
  let host = hostPort;
  let port = "";
  const colon = host.lastIndexOf(":");
  if (colon >= 0 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return { host, port };
}

/** url.URL.Hostname(): host without port or IPv6 brackets. */
export function urlHostname(u: GoURL): string {
  return splitURLHostPort(u.host).host;
}

/** url.URL.Port(): the digits after the host's colon, or "". */
export function urlPort(u: GoURL): string {
  return splitURLHostPort(u.host).port;
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
