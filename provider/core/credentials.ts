/**
 * Which values are credentials, decided in one place for every layer: the plugin marks them
 * secret in state, the lifecycle keeps them out of the source annotation and out of drift.
 * Header values (`{name, value}` entries of header modifiers, direct responses, matches, and
 * `{name, values}` entries of SecurityPolicy principals) are credentials when the header's name
 * says so; nothing else in a source carries a credential inline (Secrets are referenced by name).
 */

/** Names that are credentials as a whole. */
const CREDENTIAL_NAMES = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key", "apikey"]);
/** Parts of a name that make it a credential (`X-Auth-Token`, `X-Client-Secret`, `X-Db-Password`, `X-Api-Key`). */
const CREDENTIAL_PARTS = /token|secret|passw(or)?d|api[-_]?key|credential|session/i;

/** True for header (and other key) names whose values are credentials. */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAMES.has(name.toLowerCase()) || CREDENTIAL_PARTS.test(name);
}

export type CredentialPathSegment = string | number;

export interface CredentialValue {
  /** Segments from the root of the walked value to the `value` member. */
  readonly path: readonly CredentialPathSegment[];
  /** The header name that makes it a credential. */
  readonly name: string;
  readonly value: string;
}

/** True for a `{name, value}` or `{name, values}` entry whose name is a credential's. */
export function isCredentialEntry(v: Record<string, unknown>): boolean {
  return typeof v["name"] === "string" && (typeof v["value"] === "string" || Array.isArray(v["values"])) && isCredentialName(v["name"]);
}

/** Every credential value in `v`: the `value` (or each of the `values`) of each entry naming a credential. */
export function credentialValues(v: unknown, path: CredentialPathSegment[] = [], out: CredentialValue[] = []): CredentialValue[] {
  if (Array.isArray(v)) {
    v.forEach((e, i) => credentialValues(e, [...path, i], out));
  } else if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (isCredentialEntry(o)) {
      const name = o["name"] as string;
      const value = o["value"];
      if (typeof value === "string") out.push({ path: [...path, "value"], name, value });
      const values = o["values"];
      if (Array.isArray(values)) values.forEach((e, i) => typeof e === "string" && out.push({ path: [...path, "values", i], name, value: e }));
    }
    for (const [k, e] of Object.entries(o)) if (e !== null && typeof e === "object") credentialValues(e, [...path, k], out);
  }
  return out;
}
