// A valid HTTPProxy whose source is larger than the API server's 256 KiB limit for all annotations
// of an object (≈350 KB of JSON, like the 371 KB one that failed at `up`): the benchmark's maximal proxy plus
// the long response headers a real site sends (Content-Security-Policy, Permissions-Policy, …).
import { createHash } from "node:crypto";
import { maximalHTTPProxy } from "../../bench/fixtures.ts";

type Rule = Record<string, unknown> & { filters: Record<string, unknown>[] };

/** A realistic, repetitive policy text of `n` characters (compresses as real ones do). */
function policyText(seed: number, n: number): string {
  const parts = ["default-src 'self'", `script-src 'self' https://cdn${seed}.example.com`, "style-src 'self' 'unsafe-inline'", `img-src 'self' data: https://img${seed}.example.net`, "frame-ancestors 'none'"];
  let out = "";
  for (let i = 0; out.length < n; i++) out += `${parts[i % parts.length]} https://s${i}.example.org; `;
  return out.slice(0, n).trimEnd();
}

/** Text that does not compress (base64 of a hash chain), so only its size decides. */
function incompressibleText(seed: number, n: number): string {
  let out = "";
  for (let i = 0; out.length < n; i++) out += createHash("sha512").update(`${seed}/${i}`).digest("base64");
  return out.slice(0, n);
}

export function largeHTTPProxy(name: string, namespace: string, opts: { incompressible?: boolean } = {}): Record<string, unknown> & { spec: { hostnames: string[]; rules: Rule[] } } {
  const base = maximalHTTPProxy(name) as { spec: { hostnames: string[]; rules: Rule[] } };
  const text = opts.incompressible ? incompressibleText : policyText;
  const rules = base.spec.rules.map((rule, r) => ({
    ...rule,
    filters: [
      rule.filters[0]!,
      {
        type: "ResponseHeaderModifier",
        responseHeaderModifier: {
          set: ["Content-Security-Policy", "Content-Security-Policy-Report-Only", "Permissions-Policy", "X-Policy-A", "X-Policy-B"].map((h, i) => ({ name: h, value: text(r * 10 + i, 4000) })),
        },
      },
    ],
  }));
  return { apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name, namespace }, spec: { hostnames: base.spec.hostnames, rules } };
}
