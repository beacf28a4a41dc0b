import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every spec citation in the repository — `docs/spec/<page>.md §<section>` in comments, test names,
 * recordings and docs, rule ids such as `W7` or `C14–C26` after a guardrails citation, and the
 * markdown links between the spec pages — must lead to a heading that exists in docs/spec. A
 * clone has no other copy of the spec, so a citation of a page outside the repo fails too.
 */

const ROOT = resolve(__dirname, "..", "..");
const SPEC_DIR = join(ROOT, "docs", "spec");
const PAGES = ["compile", "guardrails", "readiness", "resources"] as const;
type Page = (typeof PAGES)[number];
const PAGE = "(compile|guardrails|readiness|resources)\\.md";
const SECTION = "\\d+(?:\\.\\d+)*";

interface SpecIndex {
  sections: Record<string, Set<string>>;
  ruleIds: Set<string>;
}

/** Numbered headings (`### 2.4 Title`) and the rule ids of guardrails.md's tables (`| W7 |`). */
function indexPage(text: string): { sections: Set<string>; anchors: Set<string>; unanchored: string[]; ruleIds: Set<string> } {
  const sections = new Set<string>();
  const anchors = new Set<string>();
  const unanchored: string[] = [];
  const ruleIds = new Set<string>();
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const a = /^<a id="s([^"]+)"><\/a>$/.exec(line);
    if (a) anchors.add(a[1] as string);
    const h = new RegExp(`^#{2,4} (${SECTION})\\.? `).exec(line);
    if (h) {
      const n = h[1] as string;
      sections.add(n);
      if (lines[i - 1] !== `<a id="s${n}"></a>`) unanchored.push(line);
    }
    const r = /^\| ([A-Z]\d{1,2}) \|/.exec(line);
    if (r) ruleIds.add(r[1] as string);
  });
  return { sections, anchors, unanchored, ruleIds };
}

function loadIndex(): SpecIndex {
  const sections = {} as Record<string, Set<string>>;
  let ruleIds = new Set<string>();
  for (const p of PAGES) {
    const idx = indexPage(readFileSync(join(SPEC_DIR, `${p}.md`), "utf8"));
    sections[p] = idx.sections;
    if (p === "guardrails") ruleIds = idx.ruleIds;
  }
  return { sections, ruleIds };
}

/**
 * Comment continuations (`\n * `, `\n // `, `\n # `) become spaces of the same length, so a
 * citation wrapped over two comment lines reads as one and offsets still map to lines.
 */
function joinContinuations(text: string): string {
  return text.replace(/\n[ \t]*(?:\*(?!\/)|\/\/|#)?[ \t]*/g, (m) => " ".repeat(m.length));
}

/** Problems with the spec citations in one file's text; `inSpec`: the file is a docs/spec page (relative links allowed). */
function citationProblems(file: string, text: string, index: SpecIndex, inSpec = false): string[] {
  const problems: string[] = [];
  const flat = joinContinuations(text);
  const lineOf = (at: number): number => text.slice(0, at).split("\n").length;
  const cite = new RegExp(`(docs/spec/|\\.\\./spec/|spec/|[\\w./-]*/)?\\b${PAGE}(#s(${SECTION}))?`, "g");
  for (const m of flat.matchAll(cite)) {
    const prefix = m[1] ?? "";
    const page = m[2] as Page;
    const where = `${file}:${lineOf(m.index)}`;
    const inRepo = prefix === "docs/spec/" || (prefix === "" && inSpec) || ((prefix === "spec/" || prefix === "../spec/") && file.startsWith("docs/"));
    if (!inRepo) {
      problems.push(`${where}: "${m[0]}" is not a page of docs/spec (write docs/spec/${page}.md)`);
      continue;
    }
    const known = index.sections[page] as Set<string>;
    if (m[4] !== undefined && !known.has(m[4])) problems.push(`${where}: anchor #s${m[4]} does not exist in docs/spec/${page}.md`);
    // What follows the citation: "§1 and §9", "§7, T1–T2", " C14–C26", "§1.1 (C1–C31)".
    const tail = /^(?:[\s,;:()]|and\b|or\b|§\d+(?:\.\d+)*|[A-Z]\d{1,2}(?:[–-][A-Z]?\d{1,2})?\b)*/.exec(flat.slice(m.index + m[0].length))?.[0] ?? "";
    for (const s of tail.matchAll(/§(\d+(?:\.\d+)*)/g)) {
      if (!known.has(s[1] as string)) problems.push(`${where}: docs/spec/${page}.md has no §${s[1]}`);
    }
    if (page !== "guardrails") continue;
    for (const r of tail.matchAll(/\b([A-Z])(\d{1,2})(?:[–-]([A-Z]?)(\d{1,2}))?\b/g)) {
      const ids = [`${r[1]}${r[2]}`, ...(r[4] !== undefined ? [`${r[3] || r[1]}${r[4]}`] : [])];
      for (const id of ids) if (!index.ruleIds.has(id)) problems.push(`${where}: docs/spec/guardrails.md has no rule ${id}`);
    }
  }
  return problems;
}

/** Relative markdown links of a docs page must name a file that exists. */
function brokenRelativeLinks(file: string, text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
    const target = m[1] as string;
    if (/^[a-z]+:/.test(target)) continue;
    if (!existsSync(resolve(ROOT, dirname(file), target))) out.push(`${file}: link to ${target} leads nowhere`);
  }
  return out;
}

const SKIP_DIRS = new Set(["node_modules", ".git", "dist", "bin", "sdk", ".tools", "golden"]);
const EXTENSIONS = /\.(ts|md|json|ya?ml)$/;

function walk(dir: string, out: string[]): string[] {
  for (const name of readdirSync(dir)) {
    if (SKIP_DIRS.has(name)) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (EXTENSIONS.test(name)) out.push(p);
  }
  return out;
}

function citingFiles(): string[] {
  const files = [...walk(join(ROOT, "provider"), []), ...walk(join(ROOT, "test"), []), ...walk(join(ROOT, "docs"), []), ...walk(join(ROOT, "scripts"), [])];
  files.push(join(ROOT, "README.md"), ...walk(join(ROOT, "test", "render", "golden", "inputs"), []));
  return files.map((f) => relative(ROOT, f)).filter((f) => f !== relative(ROOT, __filename));
}

describe("docs/spec", () => {
  const index = loadIndex();

  it("every numbered heading of every page has its stable anchor, and every anchor a heading", () => {
    for (const p of PAGES) {
      const idx = indexPage(readFileSync(join(SPEC_DIR, `${p}.md`), "utf8"));
      expect({ page: p, unanchored: idx.unanchored }).toEqual({ page: p, unanchored: [] });
      expect({ page: p, anchors: [...idx.anchors].sort() }).toEqual({ page: p, anchors: [...idx.sections].sort() });
    }
    // The sections code and docs cite most: if a renumbering drops one, this says which.
    for (const [p, s] of [["compile", "2.4"], ["compile", "5.2"], ["guardrails", "1.2"], ["guardrails", "11"], ["readiness", "9"], ["resources", "2"]] as const) {
      expect(index.sections[p]?.has(s), `${p}.md §${s}`).toBe(true);
    }
    expect(index.ruleIds.size).toBeGreaterThan(150);
  });

  it("every spec citation in code, tests and docs names a page, section and rule id that exist in docs/spec", () => {
    const problems: string[] = [];
    let citations = 0;
    for (const file of citingFiles()) {
      const text = readFileSync(join(ROOT, file), "utf8");
      if (!new RegExp(PAGE).test(text)) continue;
      citations++;
      problems.push(...citationProblems(file, text, index, file.startsWith("docs/spec/")));
      if (file.startsWith("docs/") && file.endsWith(".md")) problems.push(...brokenRelativeLinks(file, text));
    }
    expect(problems).toEqual([]);
    // The provider's guardrail, render and await modules cite the spec; a scan that finds few files is broken.
    expect(citations).toBeGreaterThan(30);
  });

  it("the check catches a page outside the repo, a missing section, a missing anchor and an unknown rule id", () => {
    const bad = [
      " * NSO's webhook (guardrails.md §1.2, W7).",
      " * see /work/shared/spec/compile.md §2.4",
      " * docs/spec/compile.md §2.4 and §42 (wrapped",
      " * over two lines: docs/spec/guardrails.md",
      " * §7, F1–F9)",
      "[x](spec/readiness.md#s77)",
    ].join("\n");
    const problems = citationProblems("docs/example.md", bad, index);
    expect(problems).toEqual([
      'docs/example.md:1: "guardrails.md" is not a page of docs/spec (write docs/spec/guardrails.md)',
      'docs/example.md:2: "/work/shared/spec/compile.md" is not a page of docs/spec (write docs/spec/compile.md)',
      "docs/example.md:3: docs/spec/compile.md has no §42",
      "docs/example.md:4: docs/spec/guardrails.md has no rule F9",
      "docs/example.md:6: anchor #s77 does not exist in docs/spec/readiness.md",
    ]);
  });
});
