import { fieldError, formatFieldError, publicError, type FieldError } from "../core/errors";
import type { GuardrailConfig } from "../core/config";
import { UNKNOWN, unknownPaths } from "../core/unknown";
import { validateForApply, type FieldWarning } from "../core/validate";
import { parseArgs } from "./args";
import { readInputs, readSettings, type InputObject } from "./inputs";
import type { CliIO } from "./io";
import { lineOfField } from "./source";
import { asObj } from "../core/json";

/** A field error with the line of the field in the input file. */
export interface LocatedFieldError extends FieldError {
  line: number;
}

export interface LocatedWarning extends FieldWarning {
  line: number;
}

export interface ValidationReport {
  file: string;
  /** Line where the object starts. */
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  valid: boolean;
  errors: LocatedFieldError[];
  /** Admitted, but worth knowing (hosts that may reach internal addresses). */
  warnings: LocatedWarning[];
  /** What the admitted object will do (e.g. a weighted traffic split). */
  notes?: LocatedWarning[];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function reportFor(input: InputObject, valid: boolean, errors: readonly FieldError[], warnings: readonly FieldWarning[] = [], notes: readonly FieldWarning[] = []): ValidationReport {
  const { object } = input;
  const o = asObj(object);
  const meta = asObj(o["metadata"]);
  return {
    file: input.file,
    line: input.pos.line,
    apiVersion: str(o["apiVersion"]),
    kind: str(o["kind"]),
    name: str(meta["name"]),
    namespace: str(meta["namespace"]) || "default",
    valid,
    errors: errors.map((e) => ({ ...e, line: lineOfField(input.pos, e.field) })),
    warnings: warnings.map((w) => ({ ...w, line: lineOfField(input.pos, w.field) })),
    ...(notes.length > 0 && { notes: notes.map((n) => ({ ...n, line: lineOfField(input.pos, n.field) })) }),
  };
}

export function describeReport(r: ValidationReport): string {
  return `${r.file}:${r.line}: ${r.kind || "<no kind>"} ${r.namespace}/${r.name || "<no name>"}`;
}

/** `  file:line: field: message` — one line per error (then per warning, then per note), under its object's line. */
export function describeErrors(r: ValidationReport): string {
  const errors = r.errors.map((e) => `  ${r.file}:${e.line}: ${formatFieldError(e)}\n`);
  const warnings = r.warnings.map((w) => `  ${r.file}:${w.line}: warning: ${w.field}: ${w.message}\n`);
  const notes = (r.notes ?? []).map((n) => `  ${r.file}:${n.line}: note: ${n.field}: ${n.message}\n`);
  return [...errors, ...warnings, ...notes].join("");
}

/**
 * Pulumi's unknown-value marker means "not known yet" only for values the engine sends the plugin;
 * in a manifest it is an ordinary string that no rule may be deferred for, so it is refused.
 */
function markerErrors(object: unknown): FieldError[] {
  return unknownPaths(object).map((p) =>
    publicError(fieldError.invalid(p, UNKNOWN, "is Pulumi's placeholder for a value not known yet; a manifest must give the real value")),
  );
}

/** What `validate` decides for one input; `render` admits its inputs through the same function. */
export function checkInput(input: InputObject, config: GuardrailConfig): ValidationReport {
  const marker = markerErrors(input.object);
  if (marker.length) return reportFor(input, false, marker);
  const r = validateForApply(input.object, { config });
  return reportFor(input, r.valid, r.errors, r.warnings, r.notes);
}

/** `pulumi-datum validate [--output text|json] [--config FILE] FILE...` → exit 0 valid, 1 invalid. */
export async function runValidate(args: string[], io: CliIO): Promise<number> {
  const opts = parseArgs(args, ["text", "json"]);
  const settings = await readSettings(opts.config, io);
  const inputs = await readInputs(opts.files, io);
  const reports = inputs.map((input) => checkInput(input, settings.guardrails));
  if (opts.output === "json") {
    io.stdout(`${JSON.stringify({ results: reports }, null, 2)}\n`);
  } else {
    for (const report of reports) io.stdout(`${describeReport(report)}: ${report.valid ? "valid" : "invalid"}\n${describeErrors(report)}`);
    const bad = reports.filter((r) => !r.valid).length;
    io.stdout(`${reports.length - bad} valid, ${bad} invalid\n`);
  }
  return reports.every((r) => r.valid) ? 0 : 1;
}
