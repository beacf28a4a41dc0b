// A vitest reporter that prints ONE table at the end of `npm run bench`: the headline figures every
// bench file recorded with bench/results.ts (validate, render, plugin, engine, CLI side by side with
// raw pulumi-kubernetes). It stays silent in `vitest run` (no benchmark modules in the run).
// Rows from an earlier run (a file that did not run this time) are marked with their date.
// The same table is written to .local/bench-results/summary.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Reporter, TestModule } from "vitest/node";
import { readAllSections, resultsDir, summaryTable } from "./results.ts";

export default class BenchSummaryReporter implements Reporter {
  private startedAt = new Date();

  onTestRunStart(): void {
    this.startedAt = new Date();
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    if (!testModules.some((m) => m.project.config.benchmark.enabled)) return;
    const sections = readAllSections();
    if (sections.length === 0) return;
    const table = summaryTable(sections, this.startedAt);
    const title = `Benchmark summary (${resultsDir()}; ratio = pulumi-datum / raw pulumi-kubernetes, below 1 = ours is faster)`;
    process.stdout.write(`\n${title}\n\n${table}\n\n`);
    try {
      writeFileSync(join(resultsDir(), "summary.md"), `${table}\n`);
    } catch {
      /* printing is what matters */
    }
  }
}
