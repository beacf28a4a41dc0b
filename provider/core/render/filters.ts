import { isObj } from "../json";

/**
 * docs/spec/compile.md §2.4: Envoy Gateway refuses `Host` in header modifiers, so a
 * `RequestHeaderModifier.set` of `Host` becomes the rule's `URLRewrite.hostname`.
 */

type Filter = Record<string, unknown>;

const HEADER_MODIFIER = "RequestHeaderModifier";
const URL_REWRITE = "URLRewrite";

function isHost(name: unknown): boolean {
  return typeof name === "string" && name.toLowerCase() === "host";
}

function headerModifier(f: unknown): Record<string, unknown> | undefined {
  if (!isObj(f) || f["type"] !== HEADER_MODIFIER) return undefined;
  const m = f["requestHeaderModifier"];
  return isObj(m) ? m : undefined;
}

/** The value of the first `set` entry named Host (any case), in filter order. */
export function findHostOverride(filters: readonly unknown[]): string | undefined {
  for (const f of filters) {
    const m = headerModifier(f);
    if (!m || !Array.isArray(m["set"])) continue;
    for (const h of m["set"]) {
      if (isObj(h) && isHost(h["name"]) && typeof h["value"] === "string") return h["value"];
    }
  }
  return undefined;
}

function listLength(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

/** Removes Host from every modifier's `set`; a modifier left with nothing to do is dropped. */
export function stripHost(filters: readonly unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const f of filters) {
    const m = headerModifier(f);
    if (!m) {
      out.push(f);
      continue;
    }
    const set = Array.isArray(m["set"]) ? m["set"].filter((h) => !(isObj(h) && isHost(h["name"]))) : [];
    if (set.length === 0 && listLength(m["add"]) === 0 && listLength(m["remove"]) === 0) continue;
    const { set: _dropped, ...rest } = m;
    out.push({ ...(f as Filter), requestHeaderModifier: set.length ? { ...rest, set } : rest });
  }
  return out;
}

/** Sets the hostname of the rule's first URLRewrite (keeping its path), or appends one. */
export function withRewriteHost(filters: readonly unknown[], hostname: string): unknown[] {
  const i = filters.findIndex((f) => isObj(f) && f["type"] === URL_REWRITE);
  if (i < 0) return [...filters, { type: URL_REWRITE, urlRewrite: { hostname } }];
  const f = filters[i] as Filter;
  const rewrite = isObj(f["urlRewrite"]) ? f["urlRewrite"] : {};
  const out = [...filters];
  out[i] = { ...f, urlRewrite: { ...rewrite, hostname } };
  return out;
}

/** The first URLRewrite hostname of a rule: NSO's fallback for a BackendTLSPolicy hostname. */
export function firstRewriteHost(filters: readonly unknown[]): string | undefined {
  for (const f of filters) {
    if (!isObj(f) || f["type"] !== URL_REWRITE || !isObj(f["urlRewrite"])) continue;
    const h = f["urlRewrite"]["hostname"];
    if (typeof h === "string") return h;
  }
  return undefined;
}
