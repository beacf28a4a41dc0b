import { createReadStream } from "node:fs";
import { UsageError, type CliIO } from "./io";
import { runRender } from "./render";
import { MAX_INPUT_BYTES } from "./source";
import { runValidate } from "./validate";

const USAGE = `usage: pulumi-datum <command> [flags] FILE...

commands:
  validate [--output text|json] [--config FILE] FILE...   check objects against NSO's admission rules
  render   [--output yaml|json] [--config FILE] [--context FILE] FILE...
                                                          print the downstream objects an HTTPProxy/policy becomes

FILE is YAML (multi-document) or JSON (object, array or kind: List); - reads standard input.
--config takes the provider settings (YAML/JSON), including guardrail overrides such as
  gateway.permittedTLSOptions or gateway.extensionAPIValidationOptions.securityPolicies.CORS.MaxFieldLength.
exit status: 0 all valid, 1 some object invalid, 2 usage or parse error.
`;


export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case "validate":
        return await runValidate(rest, io);
      case "render":
        return await runRender(rest, io);
      case "help":
      case "--help":
      case "-h":
        io.stdout(USAGE);
        return 0;
      default:
        io.stderr(cmd ? `unknown command ${JSON.stringify(cmd)}\n\n${USAGE}` : USAGE);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`pulumi-datum ${cmd}: ${e.message}\n`);
      return 2;
    }
    io.stderr(`pulumi-datum ${cmd}: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
}

/**
 * Reads at most one byte more than the loader accepts, so that a huge file or an endless pipe is
 * refused by the loader (with its message) instead of exhausting memory first.
 */
async function readBounded(chunks: AsyncIterable<Buffer | string>): Promise<string> {
  const kept: Buffer[] = [];
  let size = 0;
  for await (const c of chunks) {
    const b = typeof c === "string" ? Buffer.from(c) : c;
    kept.push(b);
    size += b.length;
    if (size > MAX_INPUT_BYTES) break;
  }
  return Buffer.concat(kept).subarray(0, MAX_INPUT_BYTES + 1).toString("utf8");
}

export const processIO: CliIO = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  readFile: (p) => readBounded(createReadStream(p, { end: MAX_INPUT_BYTES })),
  readStdin: () => readBounded(process.stdin),
};

if (require.main === module) {
  void main(process.argv.slice(2), processIO).then((code) => {
    process.exitCode = code;
  });
}
