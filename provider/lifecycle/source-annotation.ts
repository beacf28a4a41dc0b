/**
 * The `pulumi-datum.io/source` annotation: the source (metadata + spec) a primary object was
 * rendered from, so that refresh and import can rebuild inputs from the cluster alone.
 *
 * Two rules shape it:
 * - Secrets never reach the cluster in an annotation: a credential header value (see
 *   core/credentials), and any value the program marked secret, is replaced by a marker holding a
 *   keyed hash of it. Refresh puts the value back from the inputs it already has (the hash says
 *   which one); import, which has none, keeps the marker and names the values the program must
 *   supply.
 * - The API server refuses an object whose annotations total more than 256 KiB: a large source is
 *   stored gzip-compressed and base64-encoded behind a version prefix. Plain JSON (what earlier
 *   versions wrote, and what small sources still get, readable with kubectl) is read as before.
 */
import { createHmac } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { credentialValues, type CredentialPathSegment } from "../core/credentials";
import { isObj, type Obj } from "../core/json";

/** Prefix of a compressed source: version 1 = base64(gzip(JSON)). */
const GZIP_PREFIX = "gz1:";
/** Sources whose JSON is longer are stored compressed. */
export const COMPRESS_ABOVE_BYTES = 16 * 1024;
/** What a compressed source may inflate to when read back (a hostile annotation is not a zip bomb). */
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;

/** Stands in for a credential value: `datum-redacted:sha256:<hex>` (a valid header value, never a credential). */
const MARKER_PREFIX = "datum-redacted:sha256:";
const MARKER = /^datum-redacted:sha256:[0-9a-f]{32}$/;

/**
 * Keyed by the source's identity, so the same credential in two proxies gets two different
 * markers (one marker tells nothing about another) while a render stays deterministic: an
 * unchanged source never rewrites its Gateway.
 */
function credentialHash(value: string, identity: string): string {
  return createHmac("sha256", `pulumi-datum source ${identity}`).update(value, "utf8").digest("hex").slice(0, 32);
}

export function credentialMarker(value: string, identity: string): string {
  return `${MARKER_PREFIX}${credentialHash(value, identity)}`;
}

export function isCredentialMarker(v: unknown): v is string {
  return typeof v === "string" && MARKER.test(v);
}

/** True when `got` is the credential that `want` (a value or its marker) stands for. */
export function sameCredential(want: string, got: unknown, identity: string): boolean {
  if (typeof got !== "string") return false;
  return isCredentialMarker(want) ? credentialMarker(got, identity) === want : want === got;
}

function setAt(root: unknown, path: readonly CredentialPathSegment[], value: string): void {
  let node = root as Record<string | number, unknown>;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
}

interface Leaf {
  readonly path: readonly CredentialPathSegment[];
  readonly value: string;
  /** The header a `{name, value}` entry's value (or a `{name, values}` entry's item) belongs to. */
  readonly header?: string;
}

/** Every string of `v` with its path (and its header, for the values of a `{name, value(s)}` entry). */
function stringLeaves(v: unknown, path: CredentialPathSegment[] = [], out: Leaf[] = [], header?: string): Leaf[] {
  if (typeof v === "string") out.push({ path, value: v, ...(header !== undefined && { header }) });
  else if (Array.isArray(v)) v.forEach((e, i) => stringLeaves(e, [...path, i], out, header));
  else if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const name = typeof o["name"] === "string" ? o["name"] : undefined;
    for (const [k, e] of Object.entries(o)) stringLeaves(e, [...path, k], out, k === "value" || k === "values" ? name : undefined);
  }
  return out;
}

/**
 * The source with every credential value, and every string in `secrets` (the plain values of what
 * the program marked secret), replaced by its marker.
 */
export function withCredentialMarkers<T>(source: T, identity: string, secrets: ReadonlySet<string> = new Set()): T {
  const credentials = new Set(credentialValues(source).map((c) => c.path.join("\u0000")));
  const found = stringLeaves(source).filter((l) => !isCredentialMarker(l.value) && (secrets.has(l.value) || credentials.has(l.path.join("\u0000"))));
  if (found.length === 0) return source;
  const copy = structuredClone(source);
  for (const l of found) setAt(copy, l.path, credentialMarker(l.value, identity));
  return copy;
}

export function encodeSourceAnnotation(source: Obj, identity: string, secrets?: ReadonlySet<string>): string {
  const json = JSON.stringify(withCredentialMarkers(source, identity, secrets));
  if (Buffer.byteLength(json, "utf8") <= COMPRESS_ABOVE_BYTES) return json;
  return GZIP_PREFIX + gzipSync(json, { level: 9 }).toString("base64");
}

/** The source an annotation holds, or undefined when it is not one (hand-edited, truncated, another format). */
export function decodeSourceAnnotation(text: string | undefined): Obj | undefined {
  if (text === undefined) return undefined;
  let json: string;
  try {
    json = text.startsWith(GZIP_PREFIX) ? gunzipSync(Buffer.from(text.slice(GZIP_PREFIX.length), "base64"), { maxOutputLength: MAX_INFLATED_BYTES }).toString("utf8") : text;
  } catch {
    return undefined;
  }
  try {
    const v: unknown = JSON.parse(json);
    return isObj(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface MissingCredential {
  /** Dotted property path (`spec.rules[0].filters[0].requestHeaderModifier.set[0].value`). */
  readonly property: string;
  /** The header it belongs to, for a header value. */
  readonly header?: string;
}

/**
 * Puts credential values back into a source read from an annotation, taking each from `known`
 * (the inputs refresh already has) when its hash matches the marker. What cannot be restored (an
 * import, or a value changed since) stays a marker and is listed.
 */
export function restoreCredentials(source: Obj, known: unknown, identity: string): { source: Obj; missing: MissingCredential[] } {
  const markers = stringLeaves(source).filter((l) => isCredentialMarker(l.value));
  if (markers.length === 0) return { source, missing: [] };
  const byMarker = new Map<string, string>();
  for (const l of stringLeaves(known)) byMarker.set(credentialMarker(l.value, identity), l.value);
  const copy = structuredClone(source);
  const missing: MissingCredential[] = [];
  for (const m of markers) {
    const value = byMarker.get(m.value);
    if (value !== undefined) setAt(copy, m.path, value);
    else missing.push({ property: formatSegments(m.path), ...(m.header !== undefined && { header: m.header }) });
  }
  return { source: copy, missing };
}

/** `[spec, rules, 0, value]` → `spec.rules[0].value`. */
function formatSegments(path: readonly CredentialPathSegment[]): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/**
 * The message an import gets when the cluster holds only markers: which values to put into the
 * program (until then, state holds the marker and the next `up` writes the program's value).
 */
export function missingCredentialsMessage(what: string, missing: readonly MissingCredential[]): string {
  const list = missing.map((m) => (m.header !== undefined ? `${m.property} (header ${m.header})` : m.property)).join(", ");
  return `${what}: the cluster keeps no copy of credentials and secret values; supply them in your program: ${list}`;
}
