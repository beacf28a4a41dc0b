import { fieldError } from "../../errors";
import { child, index, key, type UndeclaredField } from "../../path";
import * as unknowns from "../../unknown";
import * as openapi from "../../validation/schema";
import type { Errors } from "../../validation/schema";
import * as json from "../../json";
import type { Obj } from "../../json";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which on paths run per node or per rule costs more than the work.
const { isUnknown } = unknowns;
const { isObj, present } = json;
const { enumOf, maxItems, maxLength, maximum, minItems, minLength, minimum, pattern } = openapi;

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
  /** docs/spec/guardrails.md rule id, for readers. */
  id?: string;
  /**
   * The rule over a value already known to match the node's schema (types, defaults applied,
   * undeclared fields pruned). As in CEL, its object properties come in no particular order.
   */
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
  /** `x-kubernetes-preserve-unknown-fields`: undeclared fields below are kept, not unknown. */
  preserveUnknownFields?: boolean;
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

/**
 * A declared field whose value this interpreter does not judge: `x-kubernetes-int-or-string`
 * quantities (the kind's extras check them, types included) and number fields (no number type here).
 */
export interface AnySchema extends Node {
  type: "any";
}

export type Schema = ObjectSchema | MapSchema | ArraySchema | StringSchema | IntegerSchema | BooleanSchema | AnySchema;

export interface Pattern {
  source: string;
  re: RegExp;
}

/**
 * A `pattern` from the CRD's regex text (Go RE2 syntax that JS reads the same way here). `matcher`
 * is an equivalent regex for JS's backtracking engine when the original would backtrack
 * exponentially (RE2 never does), or simply a faster one (e.g. without capturing groups) for
 * patterns on the hot path.
 */
export function re(source: string, matcher?: RegExp): Pattern {
  return { source, re: matcher ?? new RegExp(source) };
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
 * A schema with what every pass over a value needs worked out once: its constraints copied into
 * one object shape (schemas come in dozens of shapes, and reading them directly makes every
 * property access on the hot path megamorphic), the declared properties as a list, where each
 * sits in declaration order, and whether any CEL rule lives below. Validation walks values
 * thousands of nodes large, so none of this may be recomputed (or allocated) per node. Schemas are
 * constants built at module load and never mutated, which makes caching them sound.
 */
interface Compiled {
  type: Schema["type"];
  /** string, integer or boolean. */
  leaf: boolean;
  default: unknown;
  /** The JSON text of an object or list default, so that each copy needs only a parse. */
  defaultJSON: string | undefined;
  rules: readonly CelRule[] | undefined;
  /** A CEL rule at this node or anywhere below it. */
  hasRules: boolean;
  /** Declared properties of an object schema, in declaration order. */
  props: readonly CompiledProperty[];
  /** Whether some declared name is also inherited from Object.prototype (so `name in value` holds for any object). */
  declaresInherited: boolean;
  /** `x-kubernetes-preserve-unknown-fields` on an object schema. */
  preserveUnknownFields: boolean;
  required: readonly string[] | undefined;
  /** Array items or map values. */
  element: Compiled | undefined;
  maxProperties: number | undefined;
  minItems: number | undefined;
  maxItems: number | undefined;
  listType: ArraySchema["listType"];
  mapKeys: readonly string[] | undefined;
  minLength: number | undefined;
  maxLength: number | undefined;
  pattern: Pattern | undefined;
  enum: readonly (string | number)[] | undefined;
  minimum: number | undefined;
  maximum: number | undefined;
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
  const c: Compiled = {
    type: s.type,
    leaf: s.type === "string" || s.type === "integer" || s.type === "boolean" || s.type === "any",
    default: s.default,
    defaultJSON: s.default !== null && typeof s.default === "object" ? JSON.stringify(s.default) : undefined,
    rules: s.rules,
    hasRules: true,
    props: [],
    declaresInherited: false,
    preserveUnknownFields: false,
    required: undefined,
    element: undefined,
    maxProperties: undefined,
    minItems: undefined,
    maxItems: undefined,
    listType: undefined,
    mapKeys: undefined,
    minLength: undefined,
    maxLength: undefined,
    pattern: undefined,
    enum: undefined,
    minimum: undefined,
    maximum: undefined,
  };
  compiledSchemas.set(s, c);
  switch (s.type) {
    case "object": {
      const props = Object.entries(s.properties).map(([name, ps]) => ({ name, node: compile(ps) }));
      c.props = props;
      c.declaresInherited = props.some((p) => p.name in Object.prototype);
      c.preserveUnknownFields = s.preserveUnknownFields ?? false;
      c.required = s.required;
      break;
    }
    case "map":
      c.element = compile(s.values);
      c.maxProperties = s.maxProperties;
      break;
    case "array":
      c.element = compile(s.items);
      c.minItems = s.minItems;
      c.maxItems = s.maxItems;
      c.listType = s.listType;
      c.mapKeys = s.mapKeys;
      break;
    case "string":
      c.minLength = s.minLength;
      c.maxLength = s.maxLength;
      c.pattern = s.pattern;
      c.enum = s.enum;
      break;
    case "integer":
      c.minimum = s.minimum;
      c.maximum = s.maximum;
      c.enum = s.enum;
      break;
    case "boolean":
    case "any":
      break;
  }
  c.hasRules = (s.rules?.length ?? 0) > 0 || c.props.some((p) => p.node.hasRules) || (c.element?.hasRules ?? false);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Defaulting
// ---------------------------------------------------------------------------------------------

/**
 * A fresh copy of a node's default as a JSON round trip makes it: objects and lists are parsed from
 * their JSON text; scalars that survive the round trip unchanged need no copy.
 */
function defaultOf(n: Compiled): unknown {
  if (n.defaultJSON !== undefined) return JSON.parse(n.defaultJSON);
  const v = n.default;
  if (typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "number" && Number.isFinite(v) && !Object.is(v, -0)) return v;
  return JSON.parse(JSON.stringify(v)) as unknown;
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
  switch (n.type) {
    case "object": {
      if (!isObj(value)) return value;
      const out: Obj = { ...value };
      for (const { name, node } of n.props) {
        let v = out[name];
        if (!present(v)) {
          if (node.default === undefined) {
            if (v === null) delete out[name];
            continue;
          }
          v = defaultOf(node);
        } else if (node.leaf) {
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
      return element.leaf ? value.slice() : value.map((v) => defaulted(v, element));
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
 * rather than copies, so the caller must treat the result as read-only. Object properties keep the
 * input's order where nothing was dropped (declaration order where something was): like CEL maps,
 * the pruned value has no meaningful key order, and no rule or message may depend on one.
 */
export function prune(value: unknown, s: Schema | undefined, depth = 0): unknown {
  return pruned(value, s === undefined ? undefined : compile(s), depth);
}

const MAX_UNDECLARED_DEPTH = 64;

function pruned(value: unknown, n: Compiled | undefined, depth: number): unknown {
  if (Array.isArray(value)) {
    // Below a node of the wrong type nothing is declared; stop descending where no schema could reach.
    if (depth > MAX_UNDECLARED_DEPTH) return value;
    return prunedArray(value, n?.type === "array" ? n.element : undefined, n ? 0 : depth + 1);
  }
  if (!isObj(value)) return value;
  if (n?.type === "object") return n.preserveUnknownFields ? value : prunedObject(value, n);
  if (n?.type === "map") return prunedMap(value, n.element as Compiled);
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

/** A rebuilt object lists the declared properties the value has, in declaration order. */
function prunedObject(value: Obj, n: Compiled): Obj {
  let changedKey: string | undefined;
  let changed: unknown;
  if (Object.getPrototypeOf(value) === Object.prototype && !n.declaresInherited) {
    let same = true;
    for (const k in value) {
      const node = declaredNode(n, k);
      if (node === undefined) {
        same = false;
        break;
      }
      const v = value[k];
      const p = pruned(v, node, 0);
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

/** The schema of a declared property (a short linear scan beats hashing for objects this small). */
function declaredNode(n: Compiled, name: string): Compiled | undefined {
  for (const p of n.props) if (p.name === name) return p.node;
  return undefined;
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
// Undeclared fields
// ---------------------------------------------------------------------------------------------

/** Top-level fields every object has, checked apart from its kind's schema (ObjectMeta has its own list). */
const OBJECT_FIELDS: ReadonlySet<string> = new Set(["apiVersion", "kind", "metadata", "status"]);

/**
 * The fields of an object that pruning would drop: each as the path of the object that holds it
 * and its name. Nothing below a value of the wrong type is listed (its type error already names
 * it), nor below `x-kubernetes-preserve-unknown-fields`; a Pulumi unknown is no object, so nothing
 * below it either. `status` is the status subresource's, which a create or update ignores.
 */
export function undeclaredFields(object: Obj, root: ObjectSchema): UndeclaredField[] {
  const out: UndeclaredField[] = [];
  const n = compile(root);
  const at = new Cursor("");
  for (const k in object) {
    if (!Object.hasOwn(object, k) || OBJECT_FIELDS.has(k)) continue;
    const node = declaredNode(n, k);
    if (node === undefined) {
      out.push({ parent: "", name: k });
      continue;
    }
    at.push(k);
    collectUndeclared(out, at, object[k], node);
    at.pop();
  }
  return out;
}

function collectUndeclared(out: UndeclaredField[], at: Cursor, value: unknown, n: Compiled): void {
  if (!typeMatches(value, n.type)) return;
  switch (n.type) {
    case "object": {
      if (n.preserveUnknownFields) return;
      const o = value as Obj;
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue;
        const node = declaredNode(n, k);
        if (node === undefined) {
          out.push({ parent: at.path(), name: k });
          continue;
        }
        at.push(k);
        collectUndeclared(out, at, o[k], node);
        at.pop();
      }
      return;
    }
    case "map": {
      const element = n.element as Compiled;
      if (element.leaf) return;
      const o = value as Obj;
      for (const k in o) {
        if (!Object.hasOwn(o, k)) continue;
        at.push({ key: k });
        collectUndeclared(out, at, o[k], element);
        at.pop();
      }
      return;
    }
    case "array": {
      const element = n.element as Compiled;
      if (element.leaf) return;
      const a = value as unknown[];
      for (let i = 0; i < a.length; i++) {
        at.push(i);
        collectUndeclared(out, at, a[i], element);
        at.pop();
      }
      return;
    }
    default:
      return;
  }
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
  /** A property name (`.name`), a list index (`[i]`) or a map key (`[k]`); only the first `depth` count. */
  private readonly segments: (string | number | { key: string })[] = [];
  private depth = 0;

  constructor(private readonly root: string) {}

  push(segment: string | number | { key: string }): void {
    this.segments[this.depth++] = segment;
  }

  pop(): void {
    this.depth--;
  }

  path(): string {
    let p = this.root;
    for (let i = 0; i < this.depth; i++) {
      const s = this.segments[i] as string | number | { key: string };
      p = typeof s === "number" ? index(p, s) : typeof s === "string" ? child(p, s) : key(p, s.key);
    }
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

function schemaTypeName(type: Schema["type"]): string {
  return type === "map" ? "object" : type;
}

function typeMatches(v: unknown, type: Schema["type"]): boolean {
  switch (type) {
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
    case "any":
      return true;
  }
}

function typeError(errs: Errors, path: string, v: unknown, n: Compiled): void {
  const got = jsonType(v);
  const want = schemaTypeName(n.type);
  errs.push(fieldError.invalid(path, got, `${path} in body must be of type ${want}: ${JSON.stringify(got)}`));
}

/**
 * go-openapi's string validator stops at its first failure, in this order: maxLength, minLength,
 * pattern. (So an over-long value is never pattern-matched, which also keeps backtracking regexes
 * away from hostile lengths.) The enum check is a separate validator.
 */
function validateString(errs: Errors, path: string, v: string, n: Compiled): void {
  const before = errs.length;
  if (n.maxLength !== undefined) maxLength(errs, path, v, n.maxLength);
  if (errs.length === before && n.minLength !== undefined) minLength(errs, path, v, n.minLength);
  if (errs.length === before && n.pattern) pattern(errs, path, v, n.pattern.re, n.pattern.source);
  if (n.enum) enumOf(errs, path, v, n.enum);
}

/** The enum validator runs whatever the value's type (`Unsupported value: []: …`). */
function enumMismatch(errs: Errors, path: string, v: unknown, n: Compiled): void {
  if (n.enum && !(n.enum as readonly unknown[]).includes(v)) errs.push(fieldError.notSupported(path, v, n.enum));
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
 * Runs one node's own checks (pure, the path used only in what they report) without a path
 * first, and again with the real one only if they reported something.
 */
function checkAt<T>(errs: Errors, at: Cursor, checks: (errs: Errors, path: string, v: T, n: Compiled) => void, v: T, n: Compiled): void {
  const before = errs.length;
  checks(errs, "", v, n);
  if (errs.length === before) return;
  errs.length = before;
  checks(errs, at.path(), v, n);
}

function arrayBounds(errs: Errors, path: string, a: readonly unknown[], n: Compiled): void {
  if (n.maxItems !== undefined) maxItems(errs, path, a, n.maxItems);
  if (n.minItems !== undefined) minItems(errs, path, a, n.minItems);
}

function arrayUniqueness(errs: Errors, path: string, a: readonly unknown[], n: Compiled): void {
  if (n.listType === "set") setUnique(errs, path, a);
  if (n.listType === "map" && n.mapKeys) mapUnique(errs, path, a, n.mapKeys);
}

function integerBounds(errs: Errors, path: string, num: number, n: Compiled): void {
  if (n.minimum !== undefined) minimum(errs, path, num, n.minimum);
  if (n.maximum !== undefined) maximum(errs, path, num, n.maximum);
  if (n.enum) enumOf(errs, path, num, n.enum);
}

/** Returns true when it reported a type error (here or below). */
function check(errs: Errors, at: Cursor, value: unknown, n: Compiled): boolean {
  if (isUnknown(value)) return false;
  if (!typeMatches(value, n.type)) {
    const path = at.path();
    typeError(errs, path, value, n);
    enumMismatch(errs, path, value, n);
    return true;
  }
  let typeErrors = false;
  switch (n.type) {
    case "object": {
      const o = value as Obj;
      if (n.required) {
        for (const r of n.required) if (!present(o[r])) errs.push(fieldError.required(child(at.path(), r), ""));
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
      if (n.maxProperties !== undefined && entries.length > n.maxProperties) errs.push(fieldError.tooMany(at.path(), entries.length, n.maxProperties));
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
      checkAt(errs, at, arrayBounds, a, n);
      for (let i = 0; i < a.length; i++) {
        // Holes of a sparse array are skipped, as the uniqueness checks (forEach) skip them.
        if (!(i in a)) continue;
        const v = a[i];
        at.push(i);
        if (v === null || v === undefined) {
          const path = at.path();
          typeError(errs, path, null, element);
          enumMismatch(errs, path, null, element);
          typeErrors = true;
        } else if (check(errs, at, v, element)) {
          typeErrors = true;
        }
        at.pop();
      }
      checkAt(errs, at, arrayUniqueness, a, n);
      return typeErrors;
    }
    case "string":
      checkAt(errs, at, validateString, value as string, n);
      return false;
    case "integer":
      checkAt(errs, at, integerBounds, value as number, n);
      return false;
    case "boolean":
    case "any":
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
  if (!typeMatches(value, n.type)) return true;
  switch (n.type) {
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
  if (!present(value) || !typeMatches(value, n.type)) return;
  if (n.rules) {
    for (const r of n.rules) {
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
      else errs.push(fieldError.invalid(at.path(), schemaTypeName(n.type), `${outcome.evalError} evaluating rule: ${r.message}`));
    }
  }
  switch (n.type) {
    case "object": {
      const o = value as Obj;
      for (const { name, node } of n.props) {
        if (!node.hasRules) continue;
        const v = o[name];
        if (!present(v)) continue;
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
