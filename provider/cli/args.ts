import { UsageError } from "./io";

export interface ParsedArgs {
  output: string;
  config?: string;
  /** `render` only: the live render context (core/render/context-file.ts). */
  context?: string;
  files: string[];
}

/** `[--output FMT] [--config FILE] [--context FILE] FILE...` with `--flag=value` and `--flag value` forms; `--context` only where `flags` allows it. */
export function parseArgs(args: readonly string[], outputs: readonly string[], flags: { context?: boolean } = {}): ParsedArgs {
  const parsed: ParsedArgs = { output: outputs[0] as string, files: [] };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [flag, inline] = a.startsWith("--") && a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? args[++i];
      if (v === undefined || v === "") throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === "--output" || flag === "-o") {
      const v = value();
      if (!outputs.includes(v)) throw new UsageError(`--output must be one of ${outputs.join(", ")} (got ${JSON.stringify(v)})`);
      parsed.output = v;
    } else if (flag === "--config") {
      parsed.config = value();
    } else if (flag === "--context" && flags.context === true) {
      parsed.context = value();
    } else if (a.startsWith("-") && a !== "-") {
      throw new UsageError(`unknown flag ${a}`);
    } else {
      parsed.files.push(a);
    }
  }
  if (parsed.files.length === 0) throw new UsageError("no input files (use - for standard input)");
  return parsed;
}
