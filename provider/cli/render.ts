import * as yaml from "js-yaml";
import { render, RENDERED_KINDS, resolveRenderSettings, type RenderContext, type RenderedObject } from "../core/render";
import { parseRenderContext } from "../core/render/context-file";
import { lineOfField } from "./source";
import { canonical } from "../core/render/json";
import { parseArgs } from "./args";
import { readInputs, readMappingFile, readSettings, type InputObject } from "./inputs";
import { UsageError, type CliIO } from "./io";
import { checkInput, describeErrors, describeReport, reportFor, type ValidationReport } from "./validate";

/**
 * `pulumi-datum render [--output yaml|json] [--config FILE] [--context FILE] FILE...`: prints the
 * objects the inputs become in the target cluster, in apply order (with `--context`, as `up` renders
 * them for a cluster in that state) — or, when any input is invalid, the same
 * per-object errors `validate` prints (on stderr, so a pipe into kubectl gets nothing) and exit 1.
 * Inputs are admitted exactly as `validate` admits them; a valid object of a kind that renders to
 * nothing (a Gateway, an HTTPRoute…: it is applied as it is) gets a note on stderr, not an error.
 */

export function toYAMLStream(objects: readonly RenderedObject[]): string {
  return objects.map((o) => `---\n${yaml.dump(o, { sortKeys: true, lineWidth: -1, noRefs: true })}`).join("");
}

export function toJSONList(objects: readonly RenderedObject[]): string {
  return `${JSON.stringify(canonical({ apiVersion: "v1", kind: "List", items: objects }), null, 2)}\n`;
}

function printErrors(reports: readonly ValidationReport[], total: number, io: CliIO): void {
  for (const r of reports) io.stderr(`${describeReport(r)}: invalid\n${describeErrors(r)}`);
  io.stderr(`${reports.length} of ${total} objects invalid; nothing rendered\n`);
}

/** The `--context` file, or usage errors naming its file, line and field. */
async function readContext(path: string | undefined, io: CliIO): Promise<RenderContext> {
  if (path === undefined) return {};
  const m = await readMappingFile(path, io);
  const parsed = parseRenderContext(m.value);
  if (!parsed.ok) throw new UsageError(parsed.errors.map((e) => `${path}:${lineOfField(m.pos, e.field)}: ${e.field}: ${e.message}`).join("\n"));
  return parsed.context;
}

export async function runRender(args: string[], io: CliIO): Promise<number> {
  const opts = parseArgs(args, ["yaml", "json"], { context: true });
  const loaded = await readSettings(opts.config, io);
  const settings = resolveRenderSettings({ ...loaded.rest, guardrails: loaded.guardrails });
  if (!settings.ok) throw new UsageError(`${opts.config ?? "settings"}: ${settings.errors.join("; ")}`);
  const context = await readContext(opts.context, io);
  const inputs = await readInputs(opts.files, io);
  const reports = inputs.map((i) => checkInput(i, settings.settings.guardrails));
  const invalid = reports.filter((r) => !r.valid);
  if (invalid.length) {
    printErrors(invalid, inputs.length, io);
    return 1;
  }
  for (const r of reports) if (r.warnings.length) io.stderr(`${describeReport(r)}: valid, with warnings\n${describeErrors(r)}`);
  const renderable: InputObject[] = [];
  for (const input of inputs) {
    const report = reportFor(input, true, []);
    if (RENDERED_KINDS.includes(report.kind)) renderable.push(input);
    else io.stderr(`${describeReport(report)}: valid; nothing to render (a ${report.kind} is applied as it is; render expands ${RENDERED_KINDS.join(", ")})\n`);
  }
  const result = render(
    renderable.map((i) => i.object),
    settings.settings,
    context,
  );
  if (result.errors.length) {
    printErrors(
      result.errors.map((e) => reportFor(renderable[e.index] as InputObject, false, e.errors)),
      inputs.length,
      io,
    );
    return 1;
  }
  io.stdout(opts.output === "json" ? toJSONList(result.objects) : toYAMLStream(result.objects));
  return 0;
}
