import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveGuardrailConfig } from "../../provider/core/config";
import { validate, validateForApply } from "../../provider/core/validate";

/**
 * GRPCProxy admission (issue #16): the vectors in test/vectors/grpcproxy.json, compared as the NSO
 * conformance vectors are (verdict, then each expected error by field, type and message fragment).
 */

interface Vector {
  id: string;
  object: unknown;
  config: Record<string, unknown>;
  valid: boolean;
  errors: { field: string; type: string; contains: string }[];
}

const vectors = JSON.parse(readFileSync(resolve(__dirname, "../vectors/grpcproxy.json"), "utf8")) as Vector[];

function configOf(v: Vector) {
  const cfg = resolveGuardrailConfig(v.config);
  if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
  return cfg.config;
}

describe("GRPCProxy vectors", () => {
  it.each(vectors.map((v) => [v.id, v] as const))("%s", (_id, v) => {
    const result = validateForApply(v.object, { config: configOf(v) });
    const shown = JSON.stringify(result.errors, null, 1);
    expect(result.valid, `verdict; got errors ${shown}`).toBe(v.valid);
    if (v.valid) expect(result.errors).toEqual([]);
    for (const e of v.errors) {
      const hit = result.errors.find((r) => r.field === e.field && r.type === e.type && r.message.includes(e.contains));
      expect(hit, `expected ${e.type} at ${JSON.stringify(e.field)} containing ${JSON.stringify(e.contains)}; got ${shown}`).toBeDefined();
    }
  });

  it("with the switch off, every vector (valid or not) is refused by the switch alone, before any other rule", () => {
    for (const v of vectors) {
      if (v.errors.some((e) => e.type === "UnknownField")) continue; // undeclared fields are always reported as well
      const result = validate(v.object, {});
      expect(result.valid, v.id).toBe(false);
      expect(result.errors.map((e) => [e.field, e.type]), v.id).toEqual([["kind", "Forbidden"]]);
      expect(result.errors[0]?.message).toContain("guardrails.extensions.grpcProxy");
    }
  });

  it("the defaults the CRD applies: method match type Exact", () => {
    const v = vectors.find((x) => x.id === "grpcproxy-full-valid") as Vector;
    const result = validate(v.object, { config: configOf(v) });
    const spec = (result.object as { spec: { rules: { matches?: { method?: { type?: string } }[] }[] } }).spec;
    expect(spec.rules[0]?.matches?.[0]?.method?.type).toBe("Exact");
  });
});
