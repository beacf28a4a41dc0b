/**
 * Pulumi's wire encoding of property values inside `google.protobuf.Struct`: special objects are
 * tagged with a signature key. We accept secrets and resource references and hand the engine
 * plain JSON; on the way out, every value that came in secret (by path, or by content when it
 * was copied somewhere else) is wrapped again, so a secret never reaches state in plain text.
 */
import { UNKNOWN } from "../core/unknown";
import { formatPath, pathKey, type Path, type PathSegment } from "./property-path";
import { isObj } from "../core/json";

export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";

/** Shorter secrets are only matched whole: containment would mark half the state secret. */
const MIN_CONTAINED_SECRET = 3;

/** Where secrets were found in a request, and their plain values (for marking copies and redaction). */
export class SecretSet {
  private readonly paths = new Map<string, Path>();
  private readonly values = new Set<string>();

  addPath(path: Path, plain: unknown): void {
    this.paths.set(pathKey(path), path);
    collectScalars(plain, this.values);
  }

  /** A value that is secret wherever it appears (e.g. provider config), without a path of its own. */
  addValue(plain: unknown): void {
    collectScalars(plain, this.values);
  }

  merge(other: SecretSet): this {
    for (const [k, p] of other.paths) this.paths.set(k, p);
    for (const v of other.values) this.values.add(v);
    return this;
  }

  hasPath(path: Path): boolean {
    return this.paths.has(pathKey(path));
  }

  /** Paths in Pulumi's display form, for tests and diagnostics. */
  pathList(): string[] {
    return [...this.paths.values()].map(formatPath).sort();
  }

  /** True when a plain string output carries a secret's text (copied, templated, quoted in a message). */
  leaksInto(s: string): boolean {
    for (const v of this.values) {
      if (v.length >= MIN_CONTAINED_SECRET ? s.includes(v) : s === v) return true;
    }
    return false;
  }

  plainValues(): string[] {
    return [...this.values];
  }

  get size(): number {
    return this.paths.size + this.values.size;
  }
}

function collectScalars(v: unknown, into: Set<string>): void {
  if (v === UNKNOWN || v === null || v === undefined) return;
  if (Array.isArray(v)) {
    for (const e of v) collectScalars(e, into);
  } else if (typeof v === "object") {
    for (const e of Object.values(v)) collectScalars(e, into);
  } else {
    const s = String(v);
    if (s !== "") into.add(s);
  }
}

export interface WireProblem {
  property: string;
  reason: string;
}

export interface Decoded {
  /** Plain JSON; values not known yet are the UNKNOWN sentinel. */
  value: Record<string, unknown>;
  secrets: SecretSet;
  problems: WireProblem[];
}

/**
 * Unwraps the engine's special values. Resource references become the referenced resource's id
 * (its URN for components), as the engine itself would send them to a provider that does not
 * accept references; assets and archives have no meaning for our resources and are reported.
 */
export function decodeProperties(input: Record<string, unknown> | undefined): Decoded {
  const secrets = new SecretSet();
  const problems: WireProblem[] = [];

  const walk = (v: unknown, path: PathSegment[], inSecret: boolean): unknown => {
    if (Array.isArray(v)) return v.map((e, i) => walk(e, [...path, i], inSecret));
    if (!isObj(v)) return v;
    const sig = v[SIG_KEY];
    if (sig === SECRET_SIG) {
      const inner = walk(v["value"], path, true);
      if (!inSecret) secrets.addPath(path, inner);
      return inner;
    }
    if (sig === RESOURCE_REF_SIG) {
      const id = v["id"];
      if (id === UNKNOWN) return UNKNOWN;
      if (typeof id === "string" && id !== "") return id;
      return typeof v["urn"] === "string" ? v["urn"] : UNKNOWN;
    }
    if (sig === OUTPUT_VALUE_SIG) {
      if (!("value" in v)) return UNKNOWN;
      const inner = walk(v["value"], path, inSecret || v["secret"] === true);
      if (v["secret"] === true && !inSecret) secrets.addPath(path, inner);
      return inner;
    }
    if (sig === ASSET_SIG || sig === ARCHIVE_SIG) {
      problems.push({ property: formatPath(path), reason: "assets and archives are not supported here; pass the content as a string" });
      return null;
    }
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) out[k] = walk(e, [...path, k], inSecret);
    return out;
  };

  const value = input === undefined ? {} : (walk(input, [], false) as Record<string, unknown>);
  return { value, secrets, problems };
}

export function secretValue(plain: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value: plain };
}

/**
 * Wraps every value at a secret path, and every string that contains a secret's text, in
 * Pulumi's secret envelope. `undefined` members are dropped (they have no Struct encoding).
 */
export function encodeProperties(value: Record<string, unknown>, secrets: SecretSet): Record<string, unknown> {
  const walk = (v: unknown, path: PathSegment[]): unknown => {
    if (secrets.hasPath(path)) return secretValue(plainJson(v));
    if (Array.isArray(v)) return v.map((e, i) => walk(e, [...path, i]));
    if (isObj(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, e] of Object.entries(v)) {
        if (e !== undefined) out[k] = walk(e, [...path, k]);
      }
      return out;
    }
    if (typeof v === "string" && v !== UNKNOWN && secrets.leaksInto(v)) return secretValue(v);
    return v === undefined ? null : v;
  };
  return walk(value, []) as Record<string, unknown>;
}

/** Drops `undefined` members and non-JSON values so the result always fits a Struct. */
export function plainJson(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((e) => (e === undefined ? null : plainJson(e)));
  if (isObj(v)) {
    const out: Record<string, unknown> = {};
    for (const [k, e] of Object.entries(v)) if (e !== undefined) out[k] = plainJson(e);
    return out;
  }
  if (typeof v === "number" && !Number.isFinite(v)) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "function" || typeof v === "symbol") return null;
  return v ?? null;
}
