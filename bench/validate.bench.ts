import { describe, expect, test } from "vitest";
import { validate } from "../provider/core/validate";
import { maximalHTTPProxy, typicalHTTPProxy } from "./fixtures";

/** Validations per second (vitest 5: `bench` is a test fixture). Goal: ≥ 20 000/s typical on one core. */

const typical = typicalHTTPProxy();
const maximal = maximalHTTPProxy();

describe("validate throughput", () => {
  test("HTTPProxy", async ({ bench }) => {
    expect(validate(typical).errors).toEqual([]);
    expect(validate(maximal).errors).toEqual([]);
    await bench.compare(
      bench("typical (3 rules, 2 hostnames)", () => {
        validate(typical);
      }),
      bench("maximal (16 rules, 128 matches)", () => {
        validate(maximal);
      }),
    );
  });
});
