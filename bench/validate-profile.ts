import { validate } from "../provider/core/validate";
import { maximalHTTPProxy, typicalHTTPProxy } from "./fixtures";

/**
 * A plain driver for CPU profiles and instruction counts of `validate` (the vitest bench measures
 * wall-clock time, which a loaded machine makes noisy). Compile it with tsc, then e.g.
 *   node --cpu-prof dist/bench/validate-profile.js maximal 2000
 *   valgrind --tool=callgrind node dist/bench/validate-profile.js typical 20000
 * Arguments: fixture (`typical` | `maximal`), iterations (default 10 000).
 */

const fixtures: Record<string, () => Record<string, unknown>> = { typical: typicalHTTPProxy, maximal: maximalHTTPProxy };

function main(): void {
  const which = process.argv[2] ?? "typical";
  const make = fixtures[which];
  if (!make) throw new Error(`unknown fixture ${which}; use one of ${Object.keys(fixtures).join(", ")}`);
  const n = Number(process.argv[3] ?? 10_000);
  const object = make();
  const first = validate(object);
  if (!first.valid) throw new Error(`fixture ${which} is not valid: ${JSON.stringify(first.errors)}`);
  const start = process.cpuUsage();
  let errors = 0;
  for (let i = 0; i < n; i++) errors += validate(object).errors.length;
  const used = process.cpuUsage(start);
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(`${which}: ${n} validations, ${errors} errors, ${(n / cpuSeconds).toFixed(0)} validations per CPU second`);
}

main();
