import { fieldError, type ScopedFieldError } from "../errors";
import { child } from "../path";
import { isObj, type Obj } from "../json";

/**
 * Helpers that reproduce the API server's OpenAPI (structural schema) checks and messages.
 * Each takes the error sink first and tolerates arbitrary JSON: a wrong type is an error, never a throw.
 */
export type Errors = ScopedFieldError[];

function typeError(errs: Errors, path: string, v: unknown, want: string): void {
  const got = Array.isArray(v) ? "array" : v === null ? "null" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;
  errs.push(fieldError.invalid(path, got, `${path} in body must be of type ${want}: ${JSON.stringify(got)}`));
}

/** Returns the object at `path`, or undefined when absent (or reports a type error). */
export function obj(errs: Errors, path: string, v: unknown): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObj(v)) return v;
  typeError(errs, path, v, "object");
  return undefined;
}

export function arr(errs: Errors, path: string, v: unknown): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return v;
  typeError(errs, path, v, "array");
  return undefined;
}

export function str(errs: Errors, path: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v;
  typeError(errs, path, v, "string");
  return undefined;
}

export function int(errs: Errors, path: string, v: unknown): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  typeError(errs, path, v, "integer");
  return undefined;
}

export function bool(errs: Errors, path: string, v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "boolean") return v;
  typeError(errs, path, v, "boolean");
  return undefined;
}

export function required(errs: Errors, parent: Obj, parentPath: string, name: string): boolean {
  const v = parent[name];
  if (v === undefined || v === null) {
    errs.push(fieldError.required(child(parentPath, name), ""));
    return false;
  }
  return true;
}

/** Unicode code points, which is what OpenAPI maxLength/minLength count. */
export function charLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function maxItems(errs: Errors, path: string, a: readonly unknown[] | undefined, max: number): void {
  if (a && a.length > max) errs.push(fieldError.tooMany(path, a.length, max));
}

export function minItems(errs: Errors, path: string, a: readonly unknown[] | undefined, min: number): void {
  if (a && a.length < min) errs.push(fieldError.invalid(path, a.length, `${path} in body should have at least ${min} items`));
}

// A string has between length/2 and length code points, so most values need no counting.

export function maxLength(errs: Errors, path: string, s: string | undefined, max: number): void {
  if (s !== undefined && s.length > max && charLength(s) > max) errs.push(fieldError.tooLong(path, max));
}

export function minLength(errs: Errors, path: string, s: string | undefined, min: number): void {
  if (s !== undefined && s.length < 2 * min && charLength(s) < min) {
    errs.push(fieldError.invalid(path, s, `${path} in body should be at least ${min} chars long`));
  }
}

export function pattern(errs: Errors, path: string, s: string | undefined, re: RegExp, source: string): void {
  if (s !== undefined && !re.test(s)) errs.push(fieldError.invalid(path, s, `${path} in body should match '${source}'`));
}

export function minimum(errs: Errors, path: string, n: number | undefined, min: number): void {
  if (n !== undefined && n < min) errs.push(fieldError.invalid(path, n, `${path} in body should be greater than or equal to ${min}`));
}

export function maximum(errs: Errors, path: string, n: number | undefined, max: number): void {
  if (n !== undefined && n > max) errs.push(fieldError.invalid(path, n, `${path} in body should be less than or equal to ${max}`));
}

export function enumOf<T extends string | number>(errs: Errors, path: string, v: T | undefined, allowed: readonly T[]): void {
  if (v !== undefined && !allowed.includes(v)) errs.push(fieldError.notSupported(path, v, allowed));
}

/**
 * A CEL rule failure: Invalid at the node that owns the rule, carrying the rule's message. The API
 * server (1.33+) shows no value for it: `<field>: Invalid value: <message>`.
 */
export function cel(errs: Errors, path: string, _nodeValue: unknown, message: string): void {
  errs.push(fieldError.invalidWithoutValue(path, message));
}

/** Schema error types that make the API server skip CEL for the whole object. */
export function suppressesCel(e: ScopedFieldError): boolean {
  return e.type === "Required" || e.type === "NotSupported" || e.type === "TooLong" || e.type === "TooMany";
}
