/**
 * Field errors as values, rendered the way the Kubernetes API server renders them
 * (`<type text>: <value>: <detail>`), so that messages match what NSO returns.
 */
import { child, undeclaredFieldPath, type UndeclaredField } from "./path";

export type FieldErrorType =
  | "Invalid"
  | "Required"
  | "TooMany"
  | "TooLong"
  | "Forbidden"
  | "NotSupported"
  | "Duplicate"
  | "Conflict"
  | "UnknownField";

export interface FieldError {
  /** Kubernetes field path: `spec.rules[0].backends[0].endpoint[host]`; "" for whole-request errors. */
  field: string;
  type: FieldErrorType;
  /** `<type text>: <value>: <detail>` — what `kubectl` prints after `<field>: `. */
  message: string;
}

/**
 * An error plus the part of the input it was computed from. `scope` lets the unknown-value
 * filter defer a rule whose inputs are not known yet (see unknown.ts); it never leaves core.
 */
export interface ScopedFieldError extends FieldError {
  scope?: string;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  Invalid: "Invalid value",
  Required: "Required value",
  TooMany: "Too many",
  TooLong: "Too long",
  Forbidden: "Forbidden",
  NotSupported: "Unsupported value",
  Duplicate: "Duplicate value",
  Conflict: "Conflict",
  UnknownField: "unknown field",
};

/** Renders a bad value the way apimachinery does: Go %q for strings, plain numbers, JSON otherwise. */
export function renderValue(value: unknown): string {
  if (typeof value === "string") return goQuote(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (value === null || value === undefined) return "null";
  try {
    return goJSON(JSON.stringify(value));
  } catch {
    return String(value);
  }
}

/** Go's encoding/json escapes HTML-significant characters and the JS line separators. */
function goJSON(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const GO_SHORT_ESCAPES: Record<string, string> = { "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };

/** Go's strconv.Quote: printable runes (letters, marks, numbers, punctuation, symbols, ASCII space) stay. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (ch === " " || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (GO_SHORT_ESCAPES[ch] !== undefined) out += GO_SHORT_ESCAPES[ch];
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\uFFFD"; // Go decodes a lone surrogate as U+FFFD
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

function body(type: FieldErrorType, detail: string, value?: { v: unknown }): string {
  let s = TYPE_TEXT[type];
  if (value) s += `: ${renderValue(value.v)}`;
  if (detail) s += `: ${detail}`;
  return s;
}

export const fieldError = {
  invalid(field: string, value: unknown, detail: string, scope?: string): ScopedFieldError {
    return { field, type: "Invalid", message: body("Invalid", detail, { v: value }), ...(scope !== undefined && { scope }) };
  },
  /**
   * An Invalid whose value is not shown (`Invalid value: <detail>`): how the API server (≥1.33)
   * reports a failed CEL rule.
   */
  invalidWithoutValue(field: string, detail: string, scope?: string): ScopedFieldError {
    return { field, type: "Invalid", message: `${TYPE_TEXT.Invalid}: ${detail}`, ...(scope !== undefined && { scope }) };
  },
  required(field: string, detail = "", scope?: string): ScopedFieldError {
    return { field, type: "Required", message: body("Required", detail), ...(scope !== undefined && { scope }) };
  },
  forbidden(field: string, detail: string, scope?: string): ScopedFieldError {
    return { field, type: "Forbidden", message: body("Forbidden", detail), ...(scope !== undefined && { scope }) };
  },
  tooMany(field: string, actual: number, max: number): ScopedFieldError {
    const detail = `must have at most ${max} ${max === 1 ? "item" : "items"}`;
    return { field, type: "TooMany", message: body("TooMany", detail, { v: actual }) };
  },
  tooLong(field: string, max: number): ScopedFieldError {
    return { field, type: "TooLong", message: body("TooLong", `may not be more than ${max} ${max === 1 ? "byte" : "bytes"}`) };
  },
  notSupported(field: string, value: unknown, supported: readonly (string | number)[], scope?: string): ScopedFieldError {
    const detail = supported.length ? `supported values: ${supported.map((s) => JSON.stringify(String(s))).join(", ")}` : "";
    return { field, type: "NotSupported", message: body("NotSupported", detail, { v: value }), ...(scope !== undefined && { scope }) };
  },
  duplicate(field: string, value: unknown): ScopedFieldError {
    return { field, type: "Duplicate", message: body("Duplicate", "", { v: value }) };
  },
  conflict(field: string, detail: string): ScopedFieldError {
    return { field, type: "Conflict", message: `${TYPE_TEXT.Conflict}: ${detail}` };
  },
  /**
   * A field the kind's schema does not declare: `unknown field "spec.rules[0].timeouts"`, as the
   * API server's strict field validation words it, plus what to do about it.
   */
  unknownField(f: UndeclaredField, kind: string): ScopedFieldError {
    const detail = `${kind} has no such field (the API server drops it, or refuses it under strict field validation); remove it or correct its name`;
    return { field: undeclaredFieldPath(f), type: "UnknownField", message: `${TYPE_TEXT.UnknownField} "${child(f.parent, f.name)}": ${detail}` };
  },
};

/** `<field>: <message>` — one line per error, as `kubectl` prints it. */
export function formatFieldError(e: FieldError): string {
  return e.field ? `${e.field}: ${e.message}` : e.message;
}

/** Strips internal bookkeeping before errors leave core. */
export function publicError(e: ScopedFieldError): FieldError {
  return { field: e.field, type: e.type, message: e.message };
}
