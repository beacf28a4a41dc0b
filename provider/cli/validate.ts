import { formatFieldError, type FieldError } from "../core/errors";
import { validate } from "../core/validate";
import { parseArgs } from "./args";
import { readInputs, readSettings } from "./inputs";
import type { CliIO } from "./io";

export interface ValidationReport {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  valid: boolean;
  errors: FieldError[];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

export function reportFor(object: unknown, valid: boolean, errors: FieldError[]): ValidationReport {
  const o = object !== null && typeof object === "object" && !Array.isArray(object) ? (object as Record<string, unknown>) : {};
  const meta = o["metadata"] !== null && typeof o["metadata"] === "object" ? (o["metadata"] as Record<string, unknown>) : {};
  return {
    apiVersion: str(o["apiVersion"]),
    kind: str(o["kind"]),
    name: str(meta["name"]),
    namespace: str(meta["namespace"]) || "default",
    valid,
    errors,
  };
}

export function describeReport(r: ValidationReport): string {
  return `${r.kind || "<no kind>"} ${r.namespace}/${r.name || "<no name>"}`;
}

/** `pulumi-datum validate [--output text|json] [--config FILE] FILE...` → exit 0 valid, 1 invalid. */
export async function runValidate(args: string[], io: CliIO): Promise<number> {
  const opts = parseArgs(args, ["text", "json"]);
  const settings = await readSettings(opts.config, io);
  const inputs = await readInputs(opts.files, io);
  const results = inputs.map(({ file, object }) => {
    const r = validate(object, { config: settings.guardrails });
    return { file, report: reportFor(object, r.valid, r.errors) };
  });
  if (opts.output === "json") {
    io.stdout(`${JSON.stringify({ results: results.map((r) => r.report) }, null, 2)}\n`);
  } else {
    for (const { file, report } of results) {
      io.stdout(`${file}: ${describeReport(report)}: ${report.valid ? "valid" : "invalid"}\n`);
      for (const e of report.errors) io.stdout(`  ${formatFieldError(e)}\n`);
    }
    const bad = results.filter((r) => !r.report.valid).length;
    io.stdout(`${results.length - bad} valid, ${bad} invalid\n`);
  }
  return results.every((r) => r.report.valid) ? 0 : 1;
}
