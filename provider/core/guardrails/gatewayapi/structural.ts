import { fieldError } from "../../errors";
import { child, index, key } from "../../path";
import { isUnknown } from "../../unknown";
import {
  enumOf,
  isObj,
  maxItems,
  maxLength,
  maximum,
  minItems,
  minLength,
  minimum,
  pattern,
  type Errors,
  type Obj,
} from "../../validation/schema";

/**
 * A small interpreter for the parts of Kubernetes structural schemas that the Gateway API family
 * CRDs use: defaults, OpenAPI value checks, list-type uniqueness and CEL rules (as TS predicates).
 * Declaring the CRDs as data keeps every limit next to its field and lets HTTPProxy, HTTPRoute and
 * Gateway share the Gateway API pieces verbatim, as the upstream CRDs do.
 *
 * `null` is treated as absent everywhere: the API server prunes nulls of non-nullable fields
 * (and defaults them) before validating.
 */

/** Outcome of one CEL rule: holds, fails (→ its message), or errors at runtime (e.g. "no such key"). */
export type CelOutcome = boolean | { evalError: string };

export interface CelRule {
  /** The rule's `message`, reported as `Invalid value: <message>` (the API server shows no value). */
  message: string;
  /** guardrails.md rule id, for readers. */
  id?: string;
  /** The rule over a value already known to match the node's schema (types, defaults applied). */
  holds(self: unknown): CelOutcome;
}

interface Node {
  /** OpenAPI `default`, applied when the field is absent or null. */
  default?: unknown;
  rules?: readonly CelRule[];
}

export interface ObjectSchema extends Node {
  type: "object";
  properties: Readonly<Record<string, Schema>>;
  required?: readonly string[];
}

/** An object with `additionalProperties` (a map). */
export interface MapSchema extends Node {
  type: "map";
  values: Schema;
  maxProperties?: number;
}

export interface ArraySchema extends Node {
  type: "array";
  items: Schema;
  minItems?: number;
  maxItems?: number;
  /** `x-kubernetes-list-type`; `map` needs `mapKeys`. */
  listType?: "atomic" | "set" | "map";
  mapKeys?: readonly string[];
}

export interface StringSchema extends Node {
  type: "string";
  minLength?: number;
  maxLength?: number;
  /** The CRD's pattern verbatim (it is quoted in the message) and a matcher for it. */
  pattern?: Pattern;
  enum?: readonly string[];
}

export interface IntegerSchema extends Node {
  type: "integer";
  minimum?: number;
  maximum?: number;
  enum?: readonly number[];
}

export interface BooleanSchema extends Node {
  type: "boolean";
}

export type Schema = ObjectSchema | MapSchema | ArraySchema | StringSchema | IntegerSchema | BooleanSchema;

export interface Pattern {
  source: string;
  re: RegExp;
}

/**
 * A `pattern` from the CRD's regex text (Go RE2 syntax that JS reads the same way here). `matcher`
 * is an equivalent regex for JS's backtracking engine when the original would backtrack
 * exponentially (RE2 never does).
 */
export function re(source: string, matcher?: RegExp): Pattern {
  return { source, re: matcher ?? new RegExp(source) };
}



export function present(v: unknown): boolean {
  return v !== undefined && v !== null;
}

/** CEL `has(o.k)`. */
export function has(o: unknown, k: string): boolean {
  return isObj(o) && present(o[k]);
}

/** Field access for CEL predicates over schema-valid values. */
export function field(o: unknown, k: string): unknown {
  return isObj(o) ? o[k] : undefined;
}

export function list(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

/** CEL `l.exists_one(x, p(x))`. */
export function existsOne(l: readonly unknown[], p: (x: unknown) => boolean): boolean {
  let n = 0;
  for (const x of l) if (p(x)) n++;
  return n === 1;
}

// ---------------------------------------------------------------------------------------------
// Defaulting
// ---------------------------------------------------------------------------------------------

function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/**
 * Structural defaulting: absent or null fields with a `default` get it (then are defaulted
 * themselves); other nulls are dropped. Returns a new value; never mutates the input. Values of
 * the wrong type are left as they are for validation to report.
 */
export function applyDefaults(value: unknown, s: Schema): unknown {
  switch (s.type) {
    case "object": {
      if (!isObj(value)) return value;
      const out: Obj = { ...value };
      for (const [name, ps] of Object.entries(s.properties)) {
        let v = out[name];
        if (!present(v)) {
          if (ps.default === undefined) {
            if (v === null) delete out[name];
            continue;
          }
          v = clone(ps.default);
        }
        out[name] = applyDefaults(v, ps);
      }
      return out;
    }
    case "map": {
      if (!isObj(value)) return value;
      const out: Obj = {};
      for (const [k, v] of Object.entries(value)) if (present(v)) out[k] = applyDefaults(v, s.values);
      return out;
    }
    case "array":
      return Array.isArray(value) ? value.map((v) => applyDefaults(v, s.items)) : value;
    default:
      return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------------------------

/**
 * Structural pruning: fields the schema does not declare are dropped before validation, so an
 * object where a string belongs is seen (and reported) as `{}`. Returns a new value.
 */
export function prune(value: unknown, s: Schema | undefined, depth = 0): unknown {
  // Below a node of the wrong type nothing is declared; stop descending where no schema could reach.
  if (Array.isArray(value)) return depth > MAX_UNDECLARED_DEPTH ? value : value.map((v) => prune(v, s?.type === "array" ? s.items : undefined, s ? 0 : depth + 1));
  if (!isObj(value)) return value;
  const out: Obj = {};
  if (s?.type === "object") {
    for (const [k, ps] of Object.entries(s.properties)) if (k in value) out[k] = prune(value[k], ps);
  } else if (s?.type === "map") {
    for (const [k, v] of Object.entries(value)) out[k] = prune(v, s.values);
  }
  return out;
}

const MAX_UNDECLARED_DEPTH = 64;

// ---------------------------------------------------------------------------------------------
// OpenAPI validation
// ---------------------------------------------------------------------------------------------

/** JSON type name as the OpenAPI validator reports it. */
function jsonType(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function schemaTypeName(s: Schema): string {
  return s.type === "map" ? "object" : s.type;
}

function typeMatches(v: unknown, s: Schema): boolean {
  switch (s.type) {
    case "object":
    case "map":
      return isObj(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
  }
}

function typeError(errs: Errors, path: string, v: unknown, s: Schema): void {
  const got = jsonType(v);
  const want = schemaTypeName(s);
  errs.push(fieldError.invalid(path, got, `${path} in body must be of type ${want}: ${JSON.stringify(got)}`));
}


/**
 * go-openapi's string validator stops at its first failure, in this order: maxLength, minLength,
 * pattern. (So an over-long value is never pattern-matched, which also keeps backtracking regexes
 * away from hostile lengths.) The enum check is a separate validator.
 */
function validateString(errs: Errors, path: string, v: string, s: StringSchema): void {
  const first: Errors = [];
  if (s.maxLength !== undefined) maxLength(first, path, v, s.maxLength);
  if (first.length === 0 && s.minLength !== undefined) minLength(first, path, v, s.minLength);
  if (first.length === 0 && s.pattern) pattern(first, path, v, s.pattern.re, s.pattern.source);
  errs.push(...first);
  if (s.enum) enumOf(errs, path, v, s.enum);
}

/** The enum validator runs whatever the value's type (`Unsupported value: []: …`). */
function enumMismatch(errs: Errors, path: string, v: unknown, s: Schema): void {
  if ((s.type === "string" || s.type === "integer") && s.enum && !(s.enum as readonly unknown[]).includes(v)) {
    errs.push(fieldError.notSupported(path, v, s.enum));
  }
}

/**
 * Reports every OpenAPI violation under `value` (assumed present) into `errs`. A Pulumi unknown
 * can become any value, so it is not judged here; rules that read it are deferred instead.
 */
export function validateValue(errs: Errors, path: string, value: unknown, s: Schema): void {
  if (isUnknown(value)) return;
  if (!typeMatches(value, s)) {
    typeError(errs, path, value, s);
    enumMismatch(errs, path, value, s);
    return;
  }
  switch (s.type) {
    case "object": {
      const o = value as Obj;
      for (const r of s.required ?? []) {
        if (!present(o[r])) errs.push(fieldError.required(child(path, r), ""));
      }
      for (const [name, ps] of Object.entries(s.properties)) {
        const v = o[name];
        if (present(v)) validateValue(errs, child(path, name), v, ps);
      }
      return;
    }
    case "map": {
      const o = value as Obj;
      const n = Object.keys(o).length;
      if (s.maxProperties !== undefined && n > s.maxProperties) errs.push(fieldError.tooMany(path, n, s.maxProperties));
      // OpenAPI errors name map entries with a dot (`options.example.com/foo`), unlike webhooks.
      for (const [k, v] of Object.entries(o)) if (present(v)) validateValue(errs, child(path, k), v, s.values);
      return;
    }
    case "array": {
      const a = value as unknown[];
      if (s.maxItems !== undefined) maxItems(errs, path, a, s.maxItems);
      if (s.minItems !== undefined) minItems(errs, path, a, s.minItems);
      a.forEach((v, i) => {
        if (v === null || v === undefined) {
          typeError(errs, index(path, i), null, s.items);
          enumMismatch(errs, index(path, i), null, s.items);
        } else {
          validateValue(errs, index(path, i), v, s.items);
        }
      });
      if (s.listType === "set") setUnique(errs, path, a);
      if (s.listType === "map" && s.mapKeys) mapUnique(errs, path, a, s.mapKeys);
      return;
    }
    case "string":
      validateString(errs, path, value as string, s);
      return;
    case "integer": {
      const n = value as number;
      if (s.minimum !== undefined) minimum(errs, path, n, s.minimum);
      if (s.maximum !== undefined) maximum(errs, path, n, s.maximum);
      if (s.enum) enumOf(errs, path, n, s.enum);
      return;
    }
    case "boolean":
      return;
  }
}

/** JSON with sorted keys, as Go's json.Marshal writes maps (set items compare by it). */
function stableJSON(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJSON).join(",")}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJSON(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** `x-kubernetes-list-type: set`: each repeated value is reported once, at its first repeat. */
function setUnique(errs: Errors, path: string, a: readonly unknown[]): void {
  const seen = new Set<string>();
  const reported = new Set<string>();
  a.forEach((e, i) => {
    const k = stableJSON(e);
    if (seen.has(k) && !reported.has(k)) {
      errs.push(fieldError.duplicate(index(path, i), e));
      reported.add(k);
    }
    seen.add(k);
  });
}

/**
 * `x-kubernetes-list-type: map`: the first non-object item ends the check; otherwise each repeated
 * key is reported once, at its first repeat, with the key fields as the value.
 */
function mapUnique(errs: Errors, path: string, a: readonly unknown[], keys: readonly string[]): void {
  const bad = a.findIndex((e) => e !== null && !isObj(e) && !isUnknown(e));
  if (bad >= 0) {
    errs.push(fieldError.invalid(index(path, bad), a[bad], "must be an object for an array of list-type map"));
    return;
  }
  const seen = new Set<string>();
  const reported = new Set<string>();
  a.forEach((e, i) => {
    if (!isObj(e)) return;
    const k = JSON.stringify(keys.map((kk) => e[kk] ?? null));
    if (seen.has(k) && !reported.has(k)) {
      const v: Obj = {};
      for (const kk of keys) v[kk] = e[kk];
      errs.push(fieldError.duplicate(index(path, i), v));
      reported.add(k);
    }
    seen.add(k);
  });
}

/** True when some value under `value` has the wrong JSON type — which makes the API server skip CEL. */
export function hasTypeErrors(value: unknown, s: Schema): boolean {
  if (!present(value) || isUnknown(value)) return false;
  if (!typeMatches(value, s)) return true;
  switch (s.type) {
    case "object": {
      const o = value as Obj;
      return Object.entries(s.properties).some(([name, ps]) => hasTypeErrors(o[name], ps));
    }
    case "map":
      return Object.values(value as Obj).some((v) => hasTypeErrors(v, s.values));
    case "array":
      return (value as unknown[]).some((v) => v === null || v === undefined || hasTypeErrors(v, s.items));
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------------
// CEL
// ---------------------------------------------------------------------------------------------

/**
 * Evaluates every CEL rule under `value`. Only call on values without type errors (see
 * `hasTypeErrors`): the predicates rely on the schema's shape.
 */
export function evaluateRules(errs: Errors, path: string, value: unknown, s: Schema): void {
  if (!present(value) || !typeMatches(value, s)) return;
  for (const r of s.rules ?? []) {
    let outcome: CelOutcome;
    try {
      outcome = r.holds(value);
    } catch {
      // A predicate that trips over an unexpected shape is a rule that could not be evaluated.
      outcome = { evalError: "no such key" };
    }
    if (outcome === true) continue;
    // A false rule shows no value; a rule that failed to evaluate shows the node's schema type.
    if (outcome === false) errs.push(fieldError.invalidWithoutValue(path, r.message));
    else errs.push(fieldError.invalid(path, schemaTypeName(s), `${outcome.evalError} evaluating rule: ${r.message}`));
  }
  switch (s.type) {
    case "object": {
      const o = value as Obj;
      for (const [name, ps] of Object.entries(s.properties)) evaluateRules(errs, child(path, name), o[name], ps);
      return;
    }
    case "map":
      for (const [k, v] of Object.entries(value as Obj)) evaluateRules(errs, key(path, k), v, s.values);
      return;
    case "array":
      (value as unknown[]).forEach((v, i) => evaluateRules(errs, index(path, i), v, s.items));
      return;
    default:
      return;
  }
}
