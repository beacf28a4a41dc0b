import fc from "fast-check";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { loadObjects } from "../../provider/cli/load";
import { main } from "../../provider/cli/main";
import { MAX_DEPTH, MAX_EXPANDED_NODES } from "../../provider/cli/source";
import { supportedKinds } from "../../provider/core/validate";
import { validHTTPProxy, type Json } from "../arbitraries/httpproxy";
import { memoryIO } from "../cli/memory-io";

/**
 * Fuzzing the CLI's one input path (loader → validate / render) with generated and hostile input.
 * For every input: no internal error, no stack trace; exit 0, 1 (value errors, each with file:line)
 * or 2 (a parse/limit error naming file and line); the loaded value, walked as every reader walks
 * it (aliases expanded), holds at most MAX_EXPANDED_NODES nodes; the heap does not grow without
 * bound. No timing assertions: the node bound is what keeps each input cheap.
 */

const FILE = "in.yaml";
const HEAP_BOUND = 512 * 1024 * 1024;

/** Nodes a tree walk of `v` visits (shared alias nodes counted each time), stopping past `limit`. */
function treeSize(v: unknown, limit: number): number {
  let n = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0 && n <= limit) {
    const x = stack.pop();
    n++;
    if (Array.isArray(x)) stack.push(...x);
    else if (x !== null && typeof x === "object") stack.push(...Object.values(x));
  }
  return n;
}

interface Outcome {
  code: number;
  out: string;
  err: string;
}

async function cli(cmd: "validate" | "render", text: string, files: Record<string, string> = {}, args: string[] = []): Promise<Outcome> {
  const io = memoryIO({ [FILE]: text, ...files });
  const code = await main([cmd, ...args, FILE], io);
  return { code, out: io.out, err: io.err };
}

/** Every line that reports on an object or a field names the file and a line. */
function expectLocated(r: Outcome, cmd: string): void {
  const text = r.out + r.err;
  expect(text, "internal error").not.toMatch(/internal error|Maximum call stack|\n\s+at [\w<]|heap out of memory/);
  expect([0, 1, 2]).toContain(r.code);
  if (r.code === 2) expect(r.err).toMatch(new RegExp(`^pulumi-datum ${cmd}: ${FILE.replace(".", "\\.")}:\\d+: `));
  if (r.code === 1) {
    for (const line of text.split("\n")) {
      if (/: invalid$/.test(line)) expect(line).toMatch(new RegExp(`^${FILE.replace(".", "\\.")}:\\d+: `));
      if (line.startsWith("  ")) expect(line).toMatch(new RegExp(`^  ${FILE.replace(".", "\\.")}:\\d+: `));
    }
  }
}

/** Runs one input through the loader, validate and render, with the bounds asserted. */
async function probe(text: string): Promise<void> {
  const before = process.memoryUsage().heapUsed;
  const loaded = loadObjects(text, FILE);
  if (loaded.ok) {
    const nodes = loaded.objects.reduce((sum, o) => sum + treeSize(o.object, MAX_EXPANDED_NODES), 0);
    expect(nodes).toBeLessThanOrEqual(MAX_EXPANDED_NODES);
  } else {
    expect(loaded.error).toMatch(new RegExp(`^${FILE.replace(".", "\\.")}:\\d+: `));
  }
  for (const cmd of ["validate", "render"] as const) expectLocated(await cli(cmd, text), cmd);
  expect(process.memoryUsage().heapUsed - before).toBeLessThan(HEAP_BOUND);
}

const HEADER = "apiVersion: networking.datumapis.com/v1alpha\nkind: HTTPProxy\nmetadata: {name: app}\n";

function aliasBomb(width: number, depth: number, merge = false): string {
  let s = `l0: &l0 [${Array(width).fill('"lol"').join(",")}]\n`;
  for (let i = 1; i < depth; i++) {
    s += merge ? `l${i}: &l${i}\n${Array.from({ length: width }, (_, j) => `  k${j}: *l${i - 1}`).join("\n")}\n` : `l${i}: &l${i} [${Array(width).fill(`*l${i - 1}`).join(",")}]\n`;
  }
  return s;
}

const HOSTILE: readonly [string, string][] = [
  ["alias bomb (9×9)", aliasBomb(9, 9)],
  ["alias bomb (2×40)", aliasBomb(2, 40)],
  ["alias bomb in mappings", aliasBomb(10, 8, true)],
  ["alias bomb inside a manifest", `${HEADER}spec:\n  x: &a [1,1,1,1,1,1,1,1,1,1]\n  rules: [${Array(200).fill("*a").join(",")}]\n`],
  ["merge-key bomb", `a: &a {${Array.from({ length: 50 }, (_, i) => `k${i}: 1`).join(", ")}}\n${Array.from({ length: 300 }, (_, i) => `b${i}: {<<: *a}`).join("\n")}\n`],
  ["self-referencing sequence", "&a [*a]\n"],
  ["self-referencing mapping", `${HEADER.replace("metadata: {name: app}", "metadata: &m {name: app, labels: *m}")}`],
  ["indirect cycle", "a: &a\n  b: &b\n    c: *a\n"],
  ["alias to an undefined anchor", `${HEADER}spec: *nope\n`],
  ["deep flow nesting", `${"[".repeat(5000)}${"]".repeat(5000)}`],
  ["deep JSON", `{"spec":${'{"a":'.repeat(50_000)}1${"}".repeat(50_001)}`],
  ["nesting at the limit", `${"[".repeat(MAX_DEPTH - 1)}${"]".repeat(MAX_DEPTH - 1)}`],
  ["deep block nesting", Array.from({ length: 300 }, (_, i) => `${" ".repeat(i)}a:`).join("\n")],
  ["huge name", `${HEADER.replace("name: app", `name: ${"a".repeat(1_000_000)}`)}spec: {rules: []}\n`],
  ["huge endpoint", `${HEADER}spec:\n  rules:\n    - backends: [{endpoint: "https://${"a".repeat(1_000_000)}.com"}]\n`],
  ["huge annotation", `${HEADER.replace("{name: app}", `{name: app, annotations: {a: "${"x".repeat(2_000_000)}"}}`)}spec: {rules: []}\n`],
  ["many documents", Array(3_000).fill("---\nkind: Widget\n").join("")],
  ["a long list", `${HEADER}spec: {rules: [${Array(20_000).fill("0").join(",")}]}\n`],
  ["__proto__ keys", `${HEADER.replace("{name: app}", "{name: app, __proto__: {namespace: evil}}")}spec: {__proto__: {rules: []}, constructor: {prototype: 1}}\n`],
  ["JSON __proto__", JSON.stringify({ apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name: "a" } }).replace("{", '{"__proto__": {"kind": "List", "items": [1]},')],
  ["binary tags", `${HEADER}spec: !!binary aGVsbG8=\n`],
  ["custom tags", `${HEADER}spec: !foo {a: 1}\n`],
  ["NUL and control bytes", `${HEADER}spec: "\u0000\u0007\u001b"\n`],
  ["lone surrogates", `${HEADER}spec: {rules: ["\ud800"]}\n`],
  ["tabs for indentation", `${HEADER}spec:\n\trules: []\n`],
  ["duplicate keys", `${HEADER}kind: Gateway\n`],
  ["empty", ""],
  ["only a document marker", "---\n...\n"],
  ["a scalar document", "42\n"],
  ["kind: List of scalars", "kind: List\nitems: [1, \"x\", null, [], {}]\n"],
  ["numeric metadata", `${HEADER.replace("{name: app}", "{name: 12, namespace: 2024, labels: {a: {b: 1}}, annotations: {n: 3}}")}spec: {rules: []}\n`],
  ["the unknown marker everywhere", `${HEADER}spec: "04da6b54-80e4-46f7-96ec-b56ff0331ba9"\n`],
];

describe("hostile corpus through loader, validate and render", () => {
  for (const [name, text] of HOSTILE) {
    it(name, async () => {
      await probe(text);
    });
  }

  it("prototype keys in --config are refused by name, not written through", async () => {
    for (const config of ['"__proto__.polluted": 1\n', "guardrails:\n  constructor.prototype.polluted: 1\n", '{"gateway": {"__proto__": {"polluted": 1}}}']) {
      const r = await cli("validate", `${HEADER}spec: {rules: []}\n`, { "c.yaml": config }, ["--config", "c.yaml"]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/"(__proto__|constructor)" is not allowed/);
      expect((({}) as Record<string, unknown>)["polluted"]).toBeUndefined();
    }
  });
});

/** YAML or JSON text of a value, as a user might write it. */
function serialize(v: unknown, asJSON: boolean): string {
  return asJSON ? JSON.stringify(v) : yaml.dump(v, { noRefs: true, lineWidth: -1 });
}

/** Replaces the value at a random path of `base` (found by walking with `steps`) with `value`. */
function mutate(base: Json, steps: readonly number[], value: Json): Json {
  if (steps.length === 0 || base === null || typeof base !== "object") return value;
  const [step, ...rest] = steps as [number, ...number[]];
  if (Array.isArray(base)) {
    if (base.length === 0) return value;
    const i = step % base.length;
    return base.map((e, j) => (j === i ? mutate(e, rest, value) : e));
  }
  const keys = Object.keys(base);
  if (keys.length === 0) return value;
  const k = keys[step % keys.length] as string;
  return { ...base, [k]: mutate(base[k] as Json, rest, value) };
}

describe("generated input (fast-check)", () => {
  it("random bytes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (bytes) => {
        await probe(Buffer.from(bytes).toString("utf8"));
      }),
      { numRuns: 150 },
    );
  });

  it("random YAML-ish text built from YAML's own punctuation", async () => {
    const token = fc.constantFrom("&a ", "*a", "&b ", "*b", "[", "]", "{", "}", ", ", ": ", "- ", "\n", "  ", "---\n", "<<: ", "!!str ", "'", '"', "#", "? ", "|\n", "kind: HTTPProxy\n", "x");
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 80 }), async (tokens) => {
        await probe(tokens.join(""));
      }),
      { numRuns: 200 },
    );
  });

  it("any JSON value as a manifest, in YAML and in JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), fc.constantFrom(...supportedKinds()), fc.boolean(), async (spec, kind, asJSON) => {
        await probe(serialize({ apiVersion: "networking.datumapis.com/v1alpha", kind, metadata: { name: "fuzz" }, spec }, asJSON));
      }),
      { numRuns: 150 },
    );
  });

  it("valid HTTPProxies with one value replaced by anything", async () => {
    await fc.assert(
      fc.asyncProperty(validHTTPProxy, fc.array(fc.nat(), { maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), fc.boolean(), async (proxy, steps, value, asJSON) => {
        await probe(serialize(mutate(proxy, steps, value as Json), asJSON));
      }),
      { numRuns: 150 },
    );
  });
});
