import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { UNKNOWN } from "../../provider/core/unknown";
import { MAX_DEPTH, MAX_EXPANDED_NODES, MAX_INPUT_BYTES } from "../../provider/cli/source";
import { memoryIO } from "./memory-io";

/**
 * What `validate` and `render` do with input written to hurt them: alias bombs, cycles, deep
 * nesting, empty input, duplicate JSON keys, the unknown marker. Each must end in a value error
 * naming file and line (exit 1 or 2), never an internal error or a stack trace.
 */

const proxy = (extra = "") => `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: app${extra}}
spec:
  rules:
    - backends: [{endpoint: "https://api.example.com"}]
`;

/** Nine levels of nine aliases each: 9^9 ≈ 387 million strings once expanded, from 500 bytes. */
function aliasBomb(): string {
  const levels = "abcdefghi".split("");
  let s = `${levels[0]}: &${levels[0]} [${Array(9).fill('"lol"').join(",")}]\n`;
  for (let i = 1; i < levels.length; i++) s += `${levels[i]}: &${levels[i]} [${Array(9).fill(`*${levels[i - 1]}`).join(",")}]\n`;
  return s;
}

async function run(cmd: "validate" | "render", files: Record<string, string>, stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO(files, stdin);
  const code = await main([cmd, ...(stdin !== undefined ? ["-"] : Object.keys(files))], io);
  return { code, out: io.out, err: io.err };
}

function expectCleanError(r: { out: string; err: string }, pattern: RegExp): void {
  const text = r.out + r.err;
  expect(text).toMatch(pattern);
  expect(text).not.toMatch(/internal error|\n\s+at |Maximum call stack/);
}

describe.each(["validate", "render"] as const)("pulumi-datum %s on hostile input", (cmd) => {
  it("refuses an alias bomb by file and line, before expanding it", async () => {
    const bomb = aliasBomb();
    expect(bomb.length).toBeLessThan(1024);
    const r = await run(cmd, { "bomb.yaml": bomb });
    expect(r.code).toBe(2);
    expectCleanError(r, new RegExp(`bomb\\.yaml:\\d+: the input expands to more than ${MAX_EXPANDED_NODES} nodes`));
  });

  it("refuses a self-referencing anchor as a cycle, naming the anchor's line", async () => {
    const r = await run(cmd, { "cyc.yaml": `${proxy()}---\nkind: HTTPProxy\nmetadata: &m\n  name: x\n  labels: *m\n` });
    expect(r.code).toBe(2);
    expectCleanError(r, /cyc\.yaml:11: alias \*m refers to the node &m \(line 9\) that contains it/);
  });

  it("refuses nesting deeper than the limit, in YAML and in JSON", async () => {
    const deep = `${"[".repeat(MAX_DEPTH + 5)}${"]".repeat(MAX_DEPTH + 5)}`;
    for (const [file, text] of [["deep.json", deep], ["deep.yaml", `a: ${deep}\n`], ["nested.json", `{"a":${'{"a":'.repeat(20_000)}1${"}".repeat(20_001)}`]]) {
      const r = await run(cmd, { [file as string]: text as string });
      expect(r.code, file).toBe(2);
      expectCleanError(r, new RegExp(`${(file as string).replace(".", "\\.")}:1: invalid (JSON|YAML): nesting exceeded maxDepth`));
    }
  });

  it("refuses aliases that are nested deeper than the limit once expanded", async () => {
    let s = "a0: &a0 [1]\n";
    for (let i = 1; i <= 60; i++) s += `a${i}: &a${i} [[*a${i - 1}]]\n`;
    const r = await run(cmd, { "alias-deep.yaml": s });
    expect(r.code).toBe(2);
    expectCleanError(r, /alias-deep\.yaml:\d+: nesting deeper than 100 levels \(aliases expanded\)/);
  });

  it("refuses input larger than the size limit", async () => {
    const r = await run(cmd, { "big.yaml": `${proxy()}# ${"x".repeat(MAX_INPUT_BYTES)}\n` });
    expect(r.code).toBe(2);
    expectCleanError(r, /big\.yaml:7: input is larger than \d+ bytes/);
  });

  it("an empty file or empty stdin is an error (exit 2), as is a file of comments", async () => {
    for (const [name, files, stdin] of [
      ["empty file", { "e.yaml": "" }, undefined],
      ["comments only", { "c.yaml": "# nothing here\n---\n" }, undefined],
      ["empty stdin", {}, ""],
    ] as const) {
      const r = await run(cmd, files, stdin);
      expect(r.code, name).toBe(2);
      expectCleanError(r, /(e\.yaml|c\.yaml|<stdin>):1: no objects/);
    }
  });

  it("JSON duplicate keys are errors, as YAML's are", async () => {
    const json = `{"apiVersion": "networking.datumapis.com/v1alpha", "kind": "HTTPProxy",\n "metadata": {"name": "a"},\n "metadata": {"name": "b"}}`;
    const r = await run(cmd, { "dup.json": json });
    expect(r.code).toBe(2);
    expectCleanError(r, /dup\.json:3: invalid JSON: duplicated mapping key/);
  });

  it("the unknown marker in a manifest is an ordinary, refused value — never a deferred rule", async () => {
    const text = proxy().replace("https://api.example.com", UNKNOWN);
    const r = await run(cmd, { "u.yaml": text });
    expect(r.code).toBe(1);
    expectCleanError(r, /u\.yaml:6: spec\.rules\[0\]\.backends\[0\]\.endpoint: Invalid value: "04da6b54-[^"]*": is Pulumi's placeholder/);
    expect(r.out).not.toContain("kind: Gateway");
  });

  it("a huge string is a value error, not a crash", async () => {
    const r = await run(cmd, { "s.yaml": proxy().replace("name: app", `name: ${"a".repeat(2_000_000)}`) });
    expect(r.code).toBe(1);
    expectCleanError(r, /s\.yaml:3: metadata\.name/);
  });
});

describe("field errors carry the line of the field", () => {
  it("validate prints file:line for the object and for each error", async () => {
    const text = `${proxy()}---\n${proxy("2").replace("https://api.example.com", "https://api.example.com/x")}`;
    const r = await run("validate", { "m.yaml": text });
    expect(r.code).toBe(1);
    expect(r.out).toContain("m.yaml:8: HTTPProxy default/app2: invalid");
    expect(r.out).toContain('  m.yaml:13: spec.rules[0].backends[0].endpoint[path]: Invalid value: "/x"');
  });

  it("--output json has the file and line of each object and error, also inside a kind: List", async () => {
    const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name: "a" }, spec: { rules: [{ backends: [{ endpoint: "ftp://x.example.com" }] }] } }] }, null, 2);
    const io = memoryIO({ "l.json": list });
    expect(await main(["validate", "-o", "json", "l.json"], io)).toBe(1);
    const [res] = (JSON.parse(io.out) as { results: { file: string; line: number; errors: { field: string; line: number }[] }[] }).results;
    expect(res?.file).toBe("l.json");
    expect(list.split("\n")[(res?.line ?? 0) - 1]).toMatch(/^\s+\{$/);
    expect(list.split("\n")[(res?.errors[0]?.line ?? 0) - 1]).toContain('"endpoint": "ftp://x.example.com"');
  });
});

describe("render agrees with validate", () => {
  const gateway = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: datum-external-global-proxy
  listeners:
    - {name: extra, port: 80, protocol: HTTP, hostname: www.example.com}
`;

  it("a valid Gateway is valid for both; render says there is nothing to render for it", async () => {
    const v = await run("validate", { "gw.yaml": gateway });
    expect(v.code, v.out).toBe(0);
    const r = await run("render", { "gw.yaml": gateway });
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/gw\.yaml:1: Gateway default\/gw: valid; nothing to render/);
    expect(r.err).not.toContain("invalid");
  });

  it("renders the proxies of a file that also holds a Gateway", async () => {
    const r = await run("render", { "mix.yaml": `${gateway}---\n${proxy()}` });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("kind: HTTPRoute");
  });
});

describe("README", () => {
  it("shows what validate prints for the invalid example, lines included", async () => {
    const root = `${resolve(__dirname, "../..")}/`;
    const readme = await readFile(`${root}README.md`, "utf8");
    const cmd = "$ bin/pulumi-datum validate examples/manifests/invalid-httpproxy.yaml\n";
    const shown = readme.slice(readme.indexOf(cmd) + cmd.length).split("\n$")[0] as string;
    const file = "examples/manifests/invalid-httpproxy.yaml";
    const io = memoryIO({ [file]: await readFile(`${root}${file}`, "utf8") });
    expect(await main(["validate", file], io)).toBe(1);
    expect(io.out.trimEnd()).toBe(shown.trimEnd());
  });
});
