import * as yaml from "js-yaml";
import { formatFieldError } from "../core/errors";
import { render, resolveRenderSettings, type RenderedObject, type RenderError } from "../core/render";
import { canonical } from "../core/render/json";
import { parseArgs } from "./args";
import { readInputs, readSettings, type InputObject } from "./inputs";
import { UsageError, type CliIO } from "./io";
import { describeReport, reportFor } from "./validate";

/**
 * `pulumi-datum render [--output yaml|json] [--config FILE] FILE...`: prints the objects the
 * inputs become in the target cluster, in apply order — or, when any input is invalid, the same
 * per-object errors `validate` prints (on stderr, so a pipe into kubectl gets nothing) and exit 1.
 */

export function toYAMLStream(objects: readonly RenderedObject[]): string {
  return objects.map((o) => `---\n${yaml.dump(o, { sortKeys: true, lineWidth: -1, noRefs: true })}`).join("");
}

export function toJSONList(objects: readonly RenderedObject[]): string {
  return `${JSON.stringify(canonical({ apiVersion: "v1", kind: "List", items: objects }), null, 2)}\n`;
}

function printErrors(errors: readonly RenderError[], inputs: readonly InputObject[], io: CliIO): void {
  for (const e of errors) {
    const input = inputs[e.index] as InputObject;
    io.stderr(`${input.file}: ${describeReport(reportFor(input.object, false, e.errors))}: invalid\n`);
    for (const fe of e.errors) io.stderr(`  ${formatFieldError(fe)}\n`);
  }
  io.stderr(`${errors.length} of ${inputs.length} objects invalid; nothing rendered\n`);
}

export async function runRender(args: string[], io: CliIO): Promise<number> {
  const opts = parseArgs(args, ["yaml", "json"]);
  const loaded = await readSettings(opts.config, io);
  const settings = resolveRenderSettings({ ...loaded.rest, guardrails: loaded.guardrails });
  if (!settings.ok) throw new UsageError(`${opts.config ?? "settings"}: ${settings.errors.join("; ")}`);
  const inputs = await readInputs(opts.files, io);
  const result = render(
    inputs.map((i) => i.object),
    settings.settings,
  );
  if (result.errors.length) {
    printErrors(result.errors, inputs, io);
    return 1;
  }
  io.stdout(opts.output === "json" ? toJSONList(result.objects) : toYAMLStream(result.objects));
  return 0;
}
