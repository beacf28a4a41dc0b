// Headline figures of each bench file, collected into one summary table at the end of
// `npm run bench` (bench/summary-reporter.ts). A bench file calls `recordFigures` once per test
// with the rows it measured; they land as JSON in .local/bench-results/ (gitignored), keyed by
// section and row key, so re-running one bench file refreshes only its own rows and the
// reporter can mark the others as coming from an earlier run.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

/** One row of the summary: our figure, and for comparisons the raw pulumi-kubernetes one and ours / raw. */
export interface FigureRow {
  /** Stable identifier inside its section (the table keeps the order rows were first recorded in). */
  readonly key: string;
  readonly what: string;
  readonly ours: string;
  /** Same measurement for the same objects as raw `kubernetes:*` resources through pulumi-resource-kubernetes. */
  readonly raw?: string;
  /** ours / raw, when both are numbers of the same unit. */
  readonly ratio?: number;
  readonly goal?: string;
}

export interface SectionFile {
  readonly section: string;
  readonly rows: readonly (FigureRow & { readonly at: string })[];
}

/** Sections in the order the summary prints them (others follow alphabetically). */
export const SECTION_ORDER = ["validate", "render", "plugin", "engine", "cli"] as const;

export function resultsDir(): string {
  return resolve(process.env["BENCH_RESULTS_DIR"] ?? join(process.cwd(), ".local", "bench-results"));
}

/** Merge `rows` into the section's file (rows with the same key are replaced, new ones appended). */
export function recordFigures(section: string, rows: readonly FigureRow[]): void {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${section}.json`);
  const at = new Date().toISOString();
  const previous = readSection(file)?.rows ?? [];
  const byKey = new Map(previous.map((r) => [r.key, r] as const));
  for (const r of rows) byKey.set(r.key, { ...r, at });
  const merged: SectionFile = { section, rows: [...byKey.values()] };
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(merged, null, 2)}\n`);
  renameSync(tmp, file);
}

function readSection(file: string): SectionFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as SectionFile;
    return Array.isArray(parsed.rows) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function readAllSections(dir = resultsDir()): SectionFile[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith(".json"));
  } catch {
    return [];
  }
  const sections = names.map((n) => readSection(join(dir, n))).filter((s): s is SectionFile => s !== undefined);
  const rank = (s: string) => {
    const i = (SECTION_ORDER as readonly string[]).indexOf(s);
    return i < 0 ? SECTION_ORDER.length : i;
  };
  return sections.sort((a, b) => rank(a.section) - rank(b.section) || a.section.localeCompare(b.section));
}

/** `1.23` → "1.23×"; undefined or not finite → "–". */
export function formatRatio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? "–" : `${r.toFixed(2)}×`;
}

/** Fixed-width Markdown table (first column left-aligned, the rest right-aligned). */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [head, ...rows];
  const width = head.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => `| ${head.map((_, i) => (i === 0 ? (r[i] ?? "").padEnd(width[i] ?? 0) : (r[i] ?? "").padStart(width[i] ?? 0))).join(" | ")} |`;
  const rule = `|${width.map((w, i) => (i === 0 ? `${"-".repeat(w + 2)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(head), rule, ...rows.map(line)].join("\n");
}

/** The combined table; rows recorded before `since` get their date appended (an earlier run). */
export function summaryTable(sections: readonly SectionFile[], since?: Date): string {
  const rows: string[][] = [];
  for (const s of sections) {
    for (const r of s.rows) {
      const stale = since !== undefined && new Date(r.at).getTime() < since.getTime();
      const what = `${s.section}: ${r.what}${stale ? ` (earlier run, ${r.at.slice(0, 16).replace("T", " ")} UTC)` : ""}`;
      rows.push([what, r.ours, r.raw ?? "–", r.raw === undefined ? "–" : formatRatio(r.ratio), r.goal ?? "–"]);
    }
  }
  return markdownTable(["what", "pulumi-datum", "raw pulumi-kubernetes", "ratio (ours / raw)", "goal"], rows);
}
