import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UNKNOWN } from "../../provider/core/unknown";
import { check } from "./policy-helpers";

/**
 * The guardrails never throw, whatever JSON arrives: every node of the public vectors of the
 * policy-side kinds is replaced in turn by arbitrary JSON (including nulls, wrong types, long lists
 * and Pulumi's unknown marker), and each verdict must be a plain result.
 */

const KINDS = new Set(["SecurityPolicy", "BackendTrafficPolicy", "HTTPRouteFilter", "Backend", "BackendTLSPolicy", "TrafficProtectionPolicy", "Domain"]);
const file = resolve(__dirname, "../../../shared/conformance/public.json");
interface Vector {
  kind: string;
  object: unknown;
  operation?: "CREATE" | "UPDATE" | "DELETE";
  oldObject?: unknown;
  existing?: unknown[];
}
const vectors: Vector[] = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Vector[]).filter((v) => KINDS.has(v.kind)) : [];

/** Every path (as key lists) to a node under `spec`. */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(v)) v.forEach((e, i) => out.push(...paths(e, [...at, i])));
  else if (v !== null && typeof v === "object") for (const [k, e] of Object.entries(v)) out.push(...paths(e, [...at, k]));
  return out;
}

function replaceAt(root: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(root)) return root.map((e, i) => (i === head ? replaceAt(e, rest, value) : e));
  if (root !== null && typeof root === "object") return { ...(root as Record<string, unknown>), [head]: replaceAt((root as Record<string, unknown>)[head], rest, value) };
  return root;
}

const json = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(UNKNOWN),
  fc.constant(null),
  fc.array(fc.constant(UNKNOWN), { maxLength: 300 }),
  fc.string({ maxLength: 3000 }),
  fc.constantFrom("0", "-1", "1e999", "1.5h", "512Ki", "2025-13-01T00:00:00Z", "::", "https://", "a-b"),
);

describe("policy-side guardrails on arbitrary JSON", () => {
  it("has vectors to mutate", () => {
    expect(vectors.length).toBeGreaterThan(100);
  });

  it("never throw when any node is replaced", () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), json, (vi, pi, value) => {
        const v = vectors[vi % vectors.length] as Vector;
        const all = paths(v.object);
        const path = all[pi % all.length] as (string | number)[];
        const mutated = replaceAt(v.object, path, value);
        const r = check(mutated, {
          ...(v.operation && { operation: v.operation }),
          ...(v.oldObject !== undefined && { oldObject: v.oldObject }),
          ...(v.existing && { existing: v.existing }),
        });
        expect(typeof r.valid).toBe("boolean");
        for (const e of r.errors) expect(typeof e.message).toBe("string");
      }),
      { numRuns: 3000 },
    );
  });

  it("never throw on arbitrary whole specs and old objects", () => {
    fc.assert(
      fc.property(fc.constantFrom(...vectors), fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 3 }), (v, spec, old) => {
        const obj = { ...(v.object as Record<string, unknown>), spec };
        check(obj);
        check(obj, { operation: "UPDATE", oldObject: { ...(v.object as Record<string, unknown>), spec: old } });
        check(obj, { operation: "DELETE", existing: [old, spec, v.object] });
      }),
      { numRuns: 1000 },
    );
  });
});
