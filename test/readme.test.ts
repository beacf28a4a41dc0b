import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { withGeneratedSections } from "../scripts/sync-readme";

describe("README", () => {
  it("carries the guardrail table generated from GuardrailConfig (run `npm run docs` when this fails)", () => {
    const readme = readFileSync(resolve(__dirname, "..", "README.md"), "utf8");
    expect(withGeneratedSections(readme)).toBe(readme);
  });
});
