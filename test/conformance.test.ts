import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveGuardrailConfig } from "../provider/core/config";
import { validate } from "../provider/core/validate";

/** Runs every vector of ../shared/conformance/public.json (see its README for the comparison rules). */

interface ExpectedError {
  field: string;
  type: string;
  contains: string;
}
interface Vector {
  id: string;
  kind: string;
  object: unknown;
  valid: boolean;
  errors: ExpectedError[];
  operation?: "CREATE" | "UPDATE" | "DELETE";
  oldObject?: unknown;
  existing?: unknown[];
  config?: Record<string, unknown>;
}

const file = resolve(__dirname, "../../shared/conformance/public.json");

describe("NSO admission conformance (public vectors)", () => {
  it("has the vector file", () => {
    expect(existsSync(file), `${file} is missing`).toBe(true);
  });
  const vectors: Vector[] = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Vector[]) : [];

  it.each(vectors.map((v) => [v.id, v] as const))("%s", (_id, v) => {
    const cfg = resolveGuardrailConfig(v.config ?? {});
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    const result = validate(v.object, {
      config: cfg.config,
      ...(v.operation && { operation: v.operation }),
      ...(v.oldObject !== undefined && { oldObject: v.oldObject }),
      ...(v.existing && { existing: v.existing }),
    });
    const shown = JSON.stringify(result.errors, null, 1);
    expect(result.valid, `verdict; got errors ${shown}`).toBe(v.valid);
    if (v.valid) expect(result.errors).toEqual([]);
    for (const e of v.errors) {
      const hit = result.errors.find((r) => r.field === e.field && r.type === e.type && r.message.includes(e.contains));
      expect(hit, `expected ${e.type} at ${JSON.stringify(e.field)} containing ${JSON.stringify(e.contains)}; got ${shown}`).toBeDefined();
    }
  });
});
