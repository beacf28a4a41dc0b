import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FieldError } from "../../provider/core/errors";
import { UNKNOWN } from "../../provider/core/unknown";
import { validate } from "../../provider/core/validate";
import { validHTTPProxy, type JsonObject } from "../arbitraries/httpproxy";

/** Properties of HTTPProxy admission over generated manifests. */

const RUNS = { numRuns: 300, seed: 20240611 };

type Segment = string | number;

/** Every place in `v` (as a path) that a generator may overwrite; the root itself excluded. */
function locations(v: unknown, path: Segment[] = [], out: Segment[][] = []): Segment[][] {
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      out.push([...path, i]);
      locations(x, [...path, i], out);
    });
  } else if (v !== null && typeof v === "object") {
    for (const [k, x] of Object.entries(v)) {
      out.push([...path, k]);
      locations(x, [...path, k], out);
    }
  }
  return out;
}

function replaced(obj: JsonObject, at: Segment[], value: unknown): JsonObject {
  const copy = structuredClone(obj) as Record<string | number, unknown>;
  let node: Record<string | number, unknown> = copy;
  for (const seg of at.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[at[at.length - 1] as Segment] = value;
  return copy as JsonObject;
}

/** A valid HTTPProxy with one spot (anywhere below the root) overwritten by `value`. */
function mutated(value: fc.Arbitrary<unknown>): fc.Arbitrary<JsonObject> {
  return fc
    .tuple(validHTTPProxy, fc.nat(), value)
    .map(([obj, n, v]) => {
      const spots = locations(obj).filter((p) => p[0] !== "kind" && p[0] !== "apiVersion");
      return replaced(obj, spots[n % spots.length] as Segment[], v);
    });
}

/** HTTPProxy-shaped objects with arbitrary JSON (and non-JSON) values in arbitrary places. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  mutated(fc.jsonValue({ maxDepth: 3 })),
  mutated(fc.anything({ maxDepth: 3 })),
  mutated(fc.constantFrom(null, "", -1, 0, 1.5, 1e12, Number.NaN, [], {}, [null], "A".repeat(5000))),
  fc.record({ apiVersion: fc.constant("networking.datumapis.com/v1alpha"), kind: fc.constant("HTTPProxy"), metadata: fc.jsonValue(), spec: fc.jsonValue() }),
  fc.anything(),
);

// ---------------------------------------------------------------------------------------------
// Field paths
// ---------------------------------------------------------------------------------------------

/** `spec.rules[0].backends[0].endpoint[host]` → ["spec","rules",0,"backends",0,"endpoint",{key:"host"}] */
function parsePath(field: string): (Segment | { key: string })[] {
  const out: (Segment | { key: string })[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (/^[0-9]+$/.test(m[2] as string)) out.push(Number(m[2]));
    else out.push({ key: m[2] as string });
  }
  return out;
}

/** The value at `path` in `root`, or a marker when some segment does not exist. */
const MISSING = Symbol("missing");
function resolve(root: unknown, path: readonly Segment[]): unknown {
  let node: unknown = root;
  for (const seg of path) {
    if (typeof seg === "number") {
      if (!Array.isArray(node) || seg >= node.length) return MISSING;
      node = node[seg];
    } else {
      if (node === null || typeof node !== "object" || Array.isArray(node) || !(seg in node)) return MISSING;
      node = (node as Record<string, unknown>)[seg];
    }
  }
  return node;
}

const URL_PARTS = new Set(["scheme", "userinfo", "host", "port", "path", "query", "fragment"]);

/**
 * Where an error may point: into the input; at a URL part of an endpoint string; at the
 * `.hostname` NSO appends to `spec.hostnames[i]`; or at a required field whose parent exists
 * (W14 reports `tls.hostname` when `tls` itself is absent, so there the backend must exist).
 */
function pointsIntoInput(input: unknown, e: FieldError): boolean {
  const segs = parsePath(e.field);
  // An unknown field is a key of the input, written `[key]` when it is no plain name.
  if (e.type === "UnknownField") return resolve(input, segs.map((s) => (typeof s === "object" ? s.key : s))) !== MISSING;
  const keyAt = segs.findIndex((s) => typeof s === "object");
  if (keyAt >= 0) {
    const k = segs[keyAt] as { key: string };
    const endpoint = resolve(input, segs.slice(0, keyAt) as Segment[]);
    return keyAt === segs.length - 1 && URL_PARTS.has(k.key) && segs[keyAt - 1] === "endpoint" && typeof endpoint === "string";
  }
  const path = segs as Segment[];
  if (resolve(input, path) !== MISSING) return true;
  if (path.length === 3 && path[0] === "spec" && path[1] === "hostnames") return false;
  if (path[0] === "spec" && path[1] === "hostnames" && path[3] === "hostname" && path.length === 4) {
    return typeof resolve(input, path.slice(0, 3)) === "string";
  }
  if (e.type !== "Required") return false;
  if (resolve(input, path.slice(0, -1)) !== MISSING) return true;
  const tail = path.slice(-2).join(".");
  return (tail === "tls.hostname" || tail === "metadata.name") && resolve(input, path.slice(0, -2)) !== MISSING;
}

describe("HTTPProxy admission properties", () => {
  it("(1) validate never throws, whatever the input", () => {
    fc.assert(
      fc.property(hostile, (obj) => {
        const r = validate(obj);
        expect(typeof r.valid).toBe("boolean");
      }),
      { ...RUNS, numRuns: 500 },
    );
  });

  it("(2) every error points into the input, or names a required field under an existing parent", () => {
    fc.assert(
      fc.property(hostile, (obj) => {
        // Objects of other kinds are turned away before any HTTPProxy rule runs.
        fc.pre(obj !== null && typeof obj === "object" && !Array.isArray(obj) && (obj as Record<string, unknown>)["kind"] === "HTTPProxy");
        for (const e of validate(obj).errors) {
          expect(pointsIntoInput(obj, e), `${e.field}: ${e.message}`).toBe(true);
        }
      }),
      { ...RUNS, numRuns: 500 },
    );
  });

  it("(3) every generated valid HTTPProxy is admitted with no errors", () => {
    fc.assert(
      fc.property(validHTTPProxy, (obj) => {
        const r = validate(obj);
        expect(r.errors).toEqual([]);
        expect(r.valid).toBe(true);
      }),
      RUNS,
    );
  });

  it("(4) a value that is not known yet never makes a valid HTTPProxy invalid", () => {
    fc.assert(
      fc.property(mutated(fc.constant(UNKNOWN)), (obj) => {
        const r = validate(obj);
        expect(r.errors).toEqual([]);
        expect(r.valid).toBe(true);
      }),
      RUNS,
    );
  });

  it("(5) a grandfathered spec survives metadata-only updates but not creation", () => {
    fc.assert(
      fc.property(validHTTPProxy, (obj) => {
        // Give every endpoint a path: a webhook-only violation (W16).
        const bad = structuredClone(obj) as { metadata: JsonObject; spec: { rules: { backends?: JsonObject[] }[] } };
        const endpoints = bad.spec.rules.flatMap((r) => r.backends ?? []).filter((b) => typeof b["endpoint"] === "string");
        fc.pre(endpoints.length > 0);
        for (const b of endpoints) b["endpoint"] = `${String(b["endpoint"])}/grandfathered`;
        expect(validate(bad).valid).toBe(false);
        const relabelled = { ...bad, metadata: { ...bad.metadata, labels: { touched: "yes" } } };
        expect(validate(relabelled, { operation: "UPDATE", oldObject: bad }).errors).toEqual([]);
      }),
      RUNS,
    );
  });
});
