import { guardrailsFromSettings } from "./config-file";
import { UsageError, type CliIO } from "./io";
import { loadMappingAt, loadObjects } from "./load";
import type { SourcePos } from "./source";
import type { GuardrailConfig } from "../core/config";

export interface InputObject {
  file: string;
  object: unknown;
  /** Where the object and its fields are in the file (for `file:line` in messages). */
  pos: SourcePos;
}

/** Reads every FILE (or stdin for `-`) into objects, in input order. Problems are UsageErrors (exit 2). */
export async function readInputs(files: readonly string[], io: CliIO): Promise<InputObject[]> {
  const out: InputObject[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = file === "-" ? await io.readStdin() : await io.readFile(file);
    } catch (e) {
      throw new UsageError(`${file}: cannot read: ${e instanceof Error ? e.message.replace(/^[A-Z]+: /, "") : String(e)}`);
    }
    const name = file === "-" ? "<stdin>" : file;
    const loaded = loadObjects(text, name);
    if (!loaded.ok) throw new UsageError(loaded.error);
    for (const { object, pos } of loaded.objects) out.push({ file: name, object, pos });
  }
  return out;
}

export interface LoadedSettings {
  guardrails: GuardrailConfig;
  /** Keys that are not guardrail/operator settings (render/provider settings). */
  rest: Record<string, unknown>;
}

/** One mapping document from a file (with where each node is written), or a usage error naming the file. */
export async function readMappingFile(path: string, io: CliIO): Promise<{ value: Record<string, unknown>; pos: SourcePos }> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot read: ${e instanceof Error ? e.message : String(e)}`);
  }
  const m = loadMappingAt(text, path);
  if (!m.ok) throw new UsageError(m.error);
  return m;
}

export async function readSettings(path: string | undefined, io: CliIO): Promise<LoadedSettings> {
  if (!path) {
    const r = guardrailsFromSettings({});
    if (!r.ok) throw new UsageError(r.errors.join("\n"));
    return { guardrails: r.config, rest: {} };
  }
  const m = await readMappingFile(path, io);
  const r = guardrailsFromSettings(m.value);
  if (!r.ok) throw new UsageError(`${path}: ${r.errors.join("; ")}`);
  return { guardrails: r.config, rest: r.rest };
}
