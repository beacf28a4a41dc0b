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
// Compiled schemas
// ---------------------------------------------------------------------------------------------

/**
 * A schema with what every pass over a value needs worked out once: the declared properties as a
 * list, where each sits in declaration order, and whether any CEL rule lives below. Validation
 * walks values thousands of nodes large, so none of this may be recomputed (or allocated) per node.
 * Schemas are constants built at module load and never mutated, which makes caching them sound.
 */
interface Compiled {
  schema: Schema;
  /** Declared properties of an object schema, in declaration order. */
  props: readonly CompiledProperty[];
  /** Property name → index in `props`. */
  position: ReadonlyMap<string, number>;
  /** Whether some declared name is also inherited from Object.prototype (so `name in value` is true for every object). */
  declaresInherited: boolean;
  /** Array items or map values. */
  element: Compiled | undefined;
  /** A CEL rule at this node or anywhere below it. */
  hasRules: boolean;
}

interface CompiledProperty {
  name: string;
  node: Compiled;
}

const compiledSchemas = new WeakMap<Schema, Compiled>();

function compile(s: Schema): Compiled {
  const cached = compiledSchemas.get(s);
  if (cached) return cached;
  // Registered before the children so that a (hypothetical) cyclic schema terminates; `hasRules`
  // stays conservatively true until the children are known.
  const c: Compiled = { schema: s, props: [], position: new Map(), declaresInherited: false, element: undefined, hasRules: true };
  compiledSchemas.set(s, c);
  if (s.type === "object") {
    const props = Object.entries(s.properties).map(([name, ps]) => ({ name, node: compile(ps) }));
    c.props = props;
    c.position = new Map(props.map((p, i) => [p.name, i]));
    c.declaresInherited = props.some((p) => p.name in Object.prototype);
  } else if (s.type === "array") {
    c.element = compile(s.items);
  } else if (s.type === "map") {
    c.element = compile(s.values);
  }
  c.hasRules = (s.rules?.length ?? 0) > 0 || c.props.some((p) => p.node.hasRules) || (c.element?.hasRules ?? false);
  return c;
}

function isLeaf(s: Schema): boolean {
  return s.type === "string" || s.type === "integer" || s.type === "boolean";
}

// ---------------------------------------------------------------------------------------------
// Defaulting
// ---------------------------------------------------------------------------------------------

/** A fresh copy of a default (defaults are JSON); JSON scalars that survive a round trip unchanged need no copy. */
function clone<T>(v: T): T {
  if (v === undefined || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number" && Number.isFinite(v) && !Object.is(v, -0)) return v;
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * Structural defaulting: absent or null fields with a `default` get it (then are defaulted
 * themselves); other nulls are dropped. Returns a new value; never mutates the input. Values of
 * the wrong type are left as they are for validation to report.
 */
export function applyDefaults(value: unknown, s: Schema): unknown {
  return defaulted(value, compile(s));
}

function defaulted(value: unknown, n: Compiled): unknown {
  const s = n.schema;
  switch (s.type) {
    case "object": {
      if (!isObj(value)) return value;
      const out: Obj = { ...value };
      for (const { name, node } of n.props) {
        let v = out[name];
        if (!present(v)) {
          const d = node.schema.default;
          if (d === undefined) {
            if (v === null) delete out[name];
            continue;
          }
          v = clone(d);
        } else if (isLeaf(node.schema)) {
          // A present scalar is its own defaulted form, and `out` already holds it.
          continue;
        }
        out[name] = defaulted(v, node);
      }
      return out;
    }
    case "map": {
      if (!isObj(value)) return value;
      const element = n.element as Compiled;
      const out: Obj = {};
      for (const [k, v] of Object.entries(value)) if (present(v)) out[k] = defaulted(v, element);
      return out;
    }
    case "array": {
      if (!Array.isArray(value)) return value;
      const element = n.element as Compiled;
      return isLeaf(element.schema) ? value.slice() : value.map((v) => defaulted(v, element));
    }
    default:
      return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Pruning
// ---------------------------------------------------------------------------------------------

/**
 * Structural pruning: fields the schema does not declare are dropped before validation, so an
 * object where a string belongs is seen (and reported) as `{}`. Returns a value equal to the pruned
 * one; parts that pruning leaves unchanged (all of a well-formed object) are the input's own nodes
 * rather than copies, so the caller must treat the result as read-only.
 */
export function prune(value: unknown, s: Schema | undefined, depth = 0): unknown {
  return pruned(value, s === undefined ? undefined : compile(s), depth);
}

const MAX_UNDECLARED_DEPTH = 64;

function pruned(value: unknown, n: Compiled | undefined, depth: number): unknown {
  if (Array.isArray(value)) {
    // Below a node of the wrong type nothing is declared; stop descending where no schema could reach.
    if (depth > MAX_UNDECLARED_DEPTH) return value;
    return prunedArray(value, n?.schema.type === "array" ? n.element : undefined, n ? 0 : depth + 1);
  }
  if (!isObj(value)) return value;
  if (n?.schema.type === "object") return prunedObject(value, n);
  if (n?.schema.type === "map") return prunedMap(value, n.element as Compiled);
  // Nothing is declared here: only an empty plain object stays as it is.
  if (Object.getPrototypeOf(value) === Object.prototype) {
    let empty = true;
    for (const _ in value) {
      empty = false;
      break;
    }
    if (empty) return value;
  }
  return {};
}

/**
 * Each helper below first checks whether pruning would merely rebuild the node, returning it as
 * it is; at the first difference it builds the copy, reusing the child it already pruned (and
 * re-checking only children already found unchanged, which allocates nothing).
 */

function prunedArray(value: unknown[], element: Compiled | undefined, depth: number): unknown[] {
  let changedAt = value.length;
  let changed: unknown;
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) continue;
    const v = value[i];
    const p = pruned(v, element, depth);
    if (p !== v) {
      changedAt = i;
      changed = p;
      break;
    }
  }
  if (changedAt === value.length && Object.getPrototypeOf(value) === Array.prototype) return value;
  // `map` keeps the holes of a sparse array, as the pruned copy always has.
  return value.map((v, i) => (i < changedAt ? v : i === changedAt ? changed : pruned(v, element, depth)));
}

/** The pruned object lists the declared properties the value has, in declaration order. */
function prunedObject(value: Obj, n: Compiled): Obj {
  let changedKey: string | undefined;
  let changed: unknown;
  if (Object.getPrototypeOf(value) === Object.prototype && !n.declaresInherited) {
    let same = true;
    let last = -1;
    for (const k in value) {
      const at = n.position.get(k);
      if (at === undefined || at < last) {
        same = false;
        break;
      }
      last = at;
      const v = value[k];
      const p = pruned(v, (n.props[at] as CompiledProperty).node, 0);
      if (p !== v) {
        same = false;
        changedKey = k;
        changed = p;
        break;
      }
    }
    if (same) return value;
  }
  const out: Obj = {};
  for (const { name, node } of n.props) if (name in value) out[name] = name === changedKey ? changed : pruned(value[name], node, 0);
  return out;
}

function prunedMap(value: Obj, element: Compiled): Obj {
  let changedKey: string | undefined;
  let changed: unknown;
  if (Object.getPrototypeOf(value) === Object.prototype) {
    let same = true;
    for (const k in value) {
      // Assigning `__proto__` to the rebuilt object would not create a property.
      if (k === "__proto__") {
        same = false;
        break;
      }
      const v = value[k];
      const p = pruned(v, element, 0);
      if (p !== v) {
        same = false;
        changedKey = k;
        changed = p;
        break;
      }
    }
    if (same) return value;
  }
  const out: Obj = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === changedKey ? changed : pruned(v, element, 0);
  return out;
}

// ---------------------------------------------------------------------------------------------
// OpenAPI validation
// ---------------------------------------------------------------------------------------------

/**
 * Where a walk is in the value, kept as segments and rendered to a field path (with path.ts's
 * builders) only when an error needs one: almost every node of a real object is valid, and
 * building a path string per node would dominate the walk.
 */
class Cursor {
  /** A property name (`.name`), a list index (`[i]`) or a map key (`[k]`). */
  private readonly segments: (string | number | { key: string })[] = [];

  constructor(private readonly root: string) {}

  push(segment: string | number | { key: string }): void {
    this.segments.push(segment);
  }

  pop(): void {
    this.segments.pop();
  }

  path(): string {
    let p = this.root;
    for (const s of this.segments) p = typeof s === "number" ? index(p, s) : typeof s === "string" ? child(p, s) : key(p, s.key);
    return p;
  }
}

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
  const before = errs.length;
  if (s.maxLength !== undefined) maxLength(errs, path, v, s.maxLength);
  if (errs.length === before && s.minLength !== undefined) minLength(errs, path, v, s.minLength);
  if (errs.length === before && s.pattern) pattern(errs, path, v, s.pattern.re, s.pattern.source);
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
  check(errs, new Cursor(path), value, compile(s));
}

/**
 * `validateValue`, also telling whether it found a value of the wrong JSON type — the answer
 * `hasTypeErrors` would give for the same value, without walking it a second time.
 */
export function validateValueFindingTypeErrors(errs: Errors, path: string, value: unknown, s: Schema): boolean {
  return check(errs, new Cursor(path), value, compile(s));
}

/**
 * Runs one node's own checks (pure, path used only in what they report) without a path first,
 * and again with the real one only if they reported something.
 */
function checkAt<T, S>(errs: Errors, at: Cursor, checks: (errs: Errors, path: string, v: T, s: S) => void, v: T, s: S): void {
  const before = errs.length;
  checks(errs, "", v, s);
  if (errs.length === before) return;
  errs.length = before;
  checks(errs, at.path(), v, s);
}

function arrayBounds(errs: Errors, path: string, a: readonly unknown[], s: ArraySchema): void {
  if (s.maxItems !== undefined) maxItems(errs, path, a, s.maxItems);
  if (s.minItems !== undefined) minItems(errs, path, a, s.minItems);
}

function arrayUniqueness(errs: Errors, path: string, a: readonly unknown[], s: ArraySchema): void {
  if (s.listType === "set") setUnique(errs, path, a);
  if (s.listType === "map" && s.mapKeys) mapUnique(errs, path, a, s.mapKeys);
}

function integerBounds(errs: Errors, path: string, num: number, s: IntegerSchema): void {
  if (s.minimum !== undefined) minimum(errs, path, num, s.minimum);
  if (s.maximum !== undefined) maximum(errs, path, num, s.maximum);
  if (s.enum) enumOf(errs, path, num, s.enum);
}

/** Returns true when it reported a type error (here or below). */
function check(errs: Errors, at: Cursor, value: unknown, n: Compiled): boolean {
  const s = n.schema;
  if (isUnknown(value)) return false;
  if (!typeMatches(value, s)) {
    const path = at.path();
    typeError(errs, path, value, s);
    enumMismatch(errs, path, value, s);
    return true;
  }
  let typeErrors = false;
  switch (s.type) {
    case "object": {
      const o = value as Obj;
      if (s.required) {
        for (const r of s.required) if (!present(o[r])) errs.push(fieldError.required(child(at.path(), r), ""));
      }
      for (const { name, node } of n.props) {
        const v = o[name];
        if (!present(v)) continue;
        at.push(name);
        if (check(errs, at, v, node)) typeErrors = true;
        at.pop();
      }
      return typeErrors;
    }
    case "map": {
      const o = value as Obj;
      const element = n.element as Compiled;
      const entries = Object.entries(o);
      if (s.maxProperties !== undefined && entries.length > s.maxProperties) errs.push(fieldError.tooMany(at.path(), entries.length, s.maxProperties));
      for (const [k, v] of entries) {
        if (!present(v)) continue;
        // OpenAPI errors name map entries with a dot (`options.example.com/foo`), unlike webhooks.
        at.push(k);
        if (check(errs, at, v, element)) typeErrors = true;
        at.pop();
      }
      return typeErrors;
    }
    case "array": {
      const a = value as unknown[];
      const element = n.element as Compiled;
      checkAt(errs, at, arrayBounds, a, s);
      for (let i = 0; i < a.length; i++) {
        // Holes of a sparse array are skipped, as forEach (and the uniqueness checks) do.
        if (!(i in a)) continue;
        const v = a[i];
        at.push(i);
        if (v === null || v === undefined) {
          const path = at.path();
          typeError(errs, path, null, s.items);
          enumMismatch(errs, path, null, s.items);
          typeErrors = true;
        } else if (check(errs, at, v, element)) {
          typeErrors = true;
        }
        at.pop();
      }
      checkAt(errs, at, arrayUniqueness, a, s);
      return typeErrors;
    }
    case "string":
      checkAt(errs, at, validateString, value as string, s);
      return false;
    case "integer":
      checkAt(errs, at, integerBounds, value as number, s);
      return false;
    case "boolean":
      return false;
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

/**
 * Remembers list items by identity key, reporting whether one was seen before. Strings (the
 * usual items and keys) are keyed by themselves; anything else by its JSON, kept apart so that a
 * string can never collide with another value's JSON text.
 */
class SeenKeys {
  private readonly strings = new Set<string>();
  private readonly others = new Set<string>();

  /** Adds the key; true when it was already there. */
  add(isString: boolean, k: string): boolean {
    const set = isString ? this.strings : this.others;
    if (set.has(k)) return true;
    set.add(k);
    return false;
  }
}

/** `x-kubernetes-list-type: set`: each repeated value is reported once, at its first repeat. */
function setUnique(errs: Errors, path: string, a: readonly unknown[]): void {
  if (a.length < 2) return;
  const seen = new SeenKeys();
  const reported = new SeenKeys();
  a.forEach((e, i) => {
    // Two strings' JSON texts are equal exactly when the strings are.
    const isString = typeof e === "string";
    const k = isString ? e : stableJSON(e);
    if (seen.add(isString, k) && !reported.add(isString, k)) errs.push(fieldError.duplicate(index(path, i), e));
  });
}

/**
 * The identity of a list-map item: the JSON of its key fields, or — for the usual single key whose
 * value serialises as a JSON string — that string itself (JSON texts of strings are equal exactly
 * when the strings are).
 */
function mapKey(e: Obj, keys: readonly string[]): [isString: boolean, key: string] {
  if (keys.length === 1) {
    const v = e[keys[0] as string];
    if (typeof v === "string") return [true, v];
    const json = JSON.stringify([v ?? null]);
    // A value with a toJSON, or a boxed string, can still serialise as a string.
    if (json.startsWith('["')) return [true, (JSON.parse(json) as [string])[0]];
    return [false, json];
  }
  return [false, JSON.stringify(keys.map((kk) => e[kk] ?? null))];
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
  if (a.length < 2) return;
  const seen = new SeenKeys();
  const reported = new SeenKeys();
  a.forEach((e, i) => {
    if (!isObj(e)) return;
    const [isString, k] = mapKey(e, keys);
    if (seen.add(isString, k) && !reported.add(isString, k)) {
      const v: Obj = {};
      for (const kk of keys) v[kk] = e[kk];
      errs.push(fieldError.duplicate(index(path, i), v));
    }
  });
}

/** True when some value under `value` has the wrong JSON type — which makes the API server skip CEL. */
export function hasTypeErrors(value: unknown, s: Schema): boolean {
  return typeErrorBelow(value, compile(s));
}

function typeErrorBelow(value: unknown, n: Compiled): boolean {
  if (!present(value) || isUnknown(value)) return false;
  const s = n.schema;
  if (!typeMatches(value, s)) return true;
  switch (s.type) {
    case "object": {
      const o = value as Obj;
      for (const { name, node } of n.props) if (typeErrorBelow(o[name], node)) return true;
      return false;
    }
    case "map": {
      const element = n.element as Compiled;
      for (const v of Object.values(value as Obj)) if (typeErrorBelow(v, element)) return true;
      return false;
    }
    case "array": {
      const a = value as unknown[];
      const element = n.element as Compiled;
      for (let i = 0; i < a.length; i++) {
        // Holes of a sparse array are skipped, as Array.prototype.some does.
        if (!(i in a)) continue;
        const v = a[i];
        if (v === null || v === undefined || typeErrorBelow(v, element)) return true;
      }
      return false;
    }
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
  evaluate(errs, new Cursor(path), value, compile(s));
}

function evaluate(errs: Errors, at: Cursor, value: unknown, n: Compiled): void {
  // Subtrees without rules (most of them: header lists, references, scalars) are not walked.
  if (!n.hasRules) return;
  const s = n.schema;
  if (!present(value) || !typeMatches(value, s)) return;
  if (s.rules) {
    for (const r of s.rules) {
      let outcome: CelOutcome;
      try {
        outcome = r.holds(value);
      } catch {
        // A predicate that trips over an unexpected shape is a rule that could not be evaluated.
        outcome = { evalError: "no such key" };
      }
      if (outcome === true) continue;
      // A false rule shows no value; a rule that failed to evaluate shows the node's schema type.
      if (outcome === false) errs.push(fieldError.invalidWithoutValue(at.path(), r.message));
      else errs.push(fieldError.invalid(at.path(), schemaTypeName(s), `${outcome.evalError} evaluating rule: ${r.message}`));
    }
  }
  switch (s.type) {
    case "object": {
      const o = value as Obj;
      for (const { name, node } of n.props) {
        const v = o[name];
        if (!node.hasRules || !present(v)) continue;
        at.push(name);
        evaluate(errs, at, v, node);
        at.pop();
      }
      return;
    }
    case "map": {
      const element = n.element as Compiled;
      if (!element.hasRules) return;
      for (const [k, v] of Object.entries(value as Obj)) {
        at.push({ key: k });
        evaluate(errs, at, v, element);
        at.pop();
      }
      return;
    }
    case "array": {
      const element = n.element as Compiled;
      if (!element.hasRules) return;
      const a = value as unknown[];
      for (let i = 0; i < a.length; i++) {
        // Holes of a sparse array are skipped, as forEach does.
        if (!(i in a)) continue;
        at.push(i);
        evaluate(errs, at, a[i], element);
        at.pop();
      }
      return;
    }
    default:
      return;
  }
}
