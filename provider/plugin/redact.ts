import type { SecretSet } from "./wire";

export const REDACTED = "[secret]";

/**
 * Removes secret text from anything that leaves the provider as plain text: check failures,
 * error messages, log lines. Guardrail messages quote the offending value (`Invalid value: "…"`),
 * so without this a rejected secret would be printed by `pulumi preview`.
 */
export function redactor(...sets: readonly (SecretSet | undefined)[]): (text: string) => string {
  const values = new Set<string>();
  for (const s of sets) for (const v of s?.plainValues() ?? []) values.add(v);
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...values].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return (text) => text;
  const partials = ordered.filter(isValueLike);
  return (text) => {
    let out = text;
    for (const v of ordered) {
      if (out.includes(v)) out = out.split(v).join(REDACTED);
      // Messages quote values Go-style; a secret with quotes or backslashes appears escaped.
      const quoted = JSON.stringify(v).slice(1, -1);
      if (quoted !== v && out.includes(quoted)) out = out.split(quoted).join(REDACTED);
    }
    // A rule may quote just a part of a secret value (`Invalid value: "/path"` of a secret URL).
    return out.replace(QUOTED, (whole, body: string) => {
      const value = unquote(body);
      return value.length >= MIN_QUOTED_PART && partials.some((v) => v.includes(value)) ? `"${REDACTED}"` : whole;
    });
  };
}

/**
 * Documents such as a kubeconfig are secret as a whole; their words (`"default"`, a context
 * name) are not, so only single-line values are searched for quoted parts.
 */
function isValueLike(v: string): boolean {
  return !v.includes("\n") && v.length <= 2048;
}

const QUOTED = /"((?:[^"\\]|\\.)*)"/g;
/** Shorter quoted parts (`"a"`, `"/"`) say nothing about a secret and are common in messages. */
const MIN_QUOTED_PART = 4;

function unquote(body: string): string {
  try {
    return JSON.parse(`"${body}"`) as string;
  } catch {
    return body;
  }
}
