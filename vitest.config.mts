import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "provider/**/*.test.ts", "sdk/**/*.test.ts"],
    benchmark: { include: ["test/**/*.bench.ts", "bench/**/*.bench.ts"] },
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: "forks",
    // bench/summary-reporter.ts prints the combined benchmark table at the end of `npm run bench`;
    // it does nothing in `vitest run` (no benchmark modules).
    reporters: ["default", "./bench/summary-reporter.ts"],
  },
});
