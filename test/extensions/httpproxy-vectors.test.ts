import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveGuardrailConfig } from "../../provider/core/config";
import { validateForApply } from "../../provider/core/validate";

/**
 * HTTPProxy beyond NSO (issue #16): the vectors in test/vectors/httpproxy-extensions.json, compared
 * as the NSO conformance vectors are (verdict, then each expected error by field, type and message
 * fragment) — once with the vector's switch on, once with every switch off, where the same input
 * must get NSO's own answer (`off`).
 */

interface Expected {
  field: string;
  type: string;
  contains: string;
}

interface Vector {
  id: string;
  switch: string;
  object: unknown;
  config: Record<string, unknown>;
  valid: boolean;
  errors: Expected[];
  off: Expected[];
}

const vectors = JSON.parse(readFileSync(resolve(__dirname, "../vectors/httpproxy-extensions.json"), "utf8")) as Vector[];

function configOf(c: Record<string, unknown>) {
  const cfg = resolveGuardrailConfig(c);
  if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
  return cfg.config;
}

function expectErrors(result: ReturnType<typeof validateForApply>, expected: readonly Expected[]): void {
  const shown = JSON.stringify(result.errors, null, 1);
  for (const e of expected) {
    const hit = result.errors.find((r) => r.field === e.field && r.type === e.type && r.message.includes(e.contains));
    expect(hit, `expected ${e.type} at ${JSON.stringify(e.field)} containing ${JSON.stringify(e.contains)}; got ${shown}`).toBeDefined();
  }
}

describe("HTTPProxy extension vectors", () => {
  it.each(vectors.map((v) => [v.id, v] as const))("%s (switch on)", (_id, v) => {
    expect(v.config[`extensions.${v.switch}`], "the vector turns its own switch on").toBe(true);
    const result = validateForApply(v.object, { config: configOf(v.config) });
    expect(result.valid, `verdict; got errors ${JSON.stringify(result.errors, null, 1)}`).toBe(v.valid);
    if (v.valid) expect(result.errors).toEqual([]);
    expectErrors(result, v.errors);
  });

  it.each(vectors.map((v) => [v.id, v] as const))("%s (switch off: NSO's answer)", (_id, v) => {
    const off = Object.fromEntries(Object.entries(v.config).filter(([k]) => k !== `extensions.${v.switch}`));
    const result = validateForApply(v.object, { config: configOf(off) });
    expect(result.valid).toBe(false);
    expectErrors(result, v.off);
  });
});
