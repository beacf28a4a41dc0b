import { describe, expect, test } from "vitest";
import { validate } from "../provider/core/validate";
import { maximalHTTPProxy, typicalHTTPProxy } from "./fixtures";
import { recordFigures } from "./results.ts";

/**
 * Validations per second (vitest 5: `bench` is a test fixture). Goal: ≥ 20 000/s typical on one core.
 * Wall-clock figures on a shared machine are noisy; bench/validate-profile.ts is a plain driver for
 * CPU profiles and instruction counts.
 */

const typical = typicalHTTPProxy();
const maximal = maximalHTTPProxy();

describe("validate throughput", () => {
  test("HTTPProxy", async ({ bench }) => {
    expect(validate(typical).errors).toEqual([]);
    expect(validate(maximal).errors).toEqual([]);
    const r = await bench.compare(
      bench("typical (3 rules, 2 hostnames)", () => {
        validate(typical);
      }),
      bench("maximal (16 rules, 128 matches)", () => {
        validate(maximal);
      }),
    );
    const perSecond = (name: "typical (3 rules, 2 hostnames)" | "maximal (16 rules, 128 matches)") => r.get(name).throughput.mean;
    const typicalRate = perSecond("typical (3 rules, 2 hostnames)");
    recordFigures("validate", [
      { key: "typical", what: "typical HTTPProxy (3 rules, 2 hostnames)", ours: `${kPerSecond(typicalRate)}/s`, goal: `≥ 20k/s (${typicalRate >= 20_000 ? "met" : "missed"})` },
      { key: "maximal", what: "maximal HTTPProxy (16 rules, 128 matches)", ours: `${kPerSecond(perSecond("maximal (16 rules, 128 matches)"))}/s` },
    ]);
  });

  // Every preview of an existing resource is an UPDATE; with the spec unchanged the webhook is
  // skipped after comparing the specs, which must not cost more than validating them.
  test("HTTPProxy update, spec unchanged", async ({ bench }) => {
    const typicalUpdate = { operation: "UPDATE", oldObject: typicalHTTPProxy() } as const;
    const maximalUpdate = { operation: "UPDATE", oldObject: maximalHTTPProxy() } as const;
    expect(validate(typical, typicalUpdate).errors).toEqual([]);
    expect(validate(maximal, maximalUpdate).errors).toEqual([]);
    await bench.compare(
      bench("typical update", () => {
        validate(typical, typicalUpdate);
      }),
      bench("maximal update", () => {
        validate(maximal, maximalUpdate);
      }),
    );
  });
});

function kPerSecond(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
}
