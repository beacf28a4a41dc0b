import { describe, expect, it } from "vitest";
import { formatGoDuration, parseGoDuration } from "../../provider/core/validation/duration";

/**
 * Expected values were produced by Go 1.25's time.ParseDuration / Duration.String() (the same
 * functions NSO's webhook and config loader use).
 */

const parsed: readonly [input: string, nanos: bigint, formatted: string][] = [
  ["1h30m", 5_400_000_000_000n, "1h30m0s"],
  ["300ms", 300_000_000n, "300ms"],
  ["1.5h", 5_400_000_000_000n, "1h30m0s"],
  ["-1s", -1_000_000_000n, "-1s"],
  [".5s", 500_000_000n, "500ms"],
  ["1us", 1000n, "1\u00b5s"],
  ["1\u00b5s", 1000n, "1\u00b5s"],
  ["1\u03bcs", 1000n, "1\u00b5s"],
  ["0", 0n, "0s"],
  ["-0", 0n, "0s"],
  ["+5m", 300_000_000_000n, "5m0s"],
  ["5m", 300_000_000_000n, "5m0s"],
  ["1h", 3_600_000_000_000n, "1h0m0s"],
  ["30s", 30_000_000_000n, "30s"],
  ["10s", 10_000_000_000n, "10s"],
  ["4m59s", 299_000_000_000n, "4m59s"],
  ["3600s", 3_600_000_000_000n, "1h0m0s"],
  ["61m", 3_660_000_000_000n, "1h1m0s"],
  ["1.s", 1_000_000_000n, "1s"],
  ["9223372036854775807ns", 9_223_372_036_854_775_807n, "2562047h47m16.854775807s"],
  ["2562047h47m16.854775807s", 9_223_372_036_854_775_807n, "2562047h47m16.854775807s"],
  ["-9223372036854775808ns", -9_223_372_036_854_775_808n, "-2562047h47m16.854775808s"],
  ["1.0000000005s", 1_000_000_000n, "1s"],
  ["0.1ns", 0n, "0s"],
  ["72h3m0.5s", 259_380_500_000_000n, "72h3m0.5s"],
  ["1.5ms", 1_500_000n, "1.5ms"],
  ["1500us", 1_500_000n, "1.5ms"],
];

describe("parseGoDuration / formatGoDuration (Go parity)", () => {
  it.each(parsed)("%s → %s ns, printed %s", (input, nanos, formatted) => {
    const r = parseGoDuration(input);
    expect(r).toEqual({ ok: true, nanos });
    expect(formatGoDuration(nanos)).toBe(formatted);
  });

  it.each(["1", "", ".s", "1x", "1h-1m", "1h 1m", "9223372036854775808ns", "-", "+", "h", "1e3s"])("rejects %j", (input) => {
    expect(parseGoDuration(input).ok).toBe(false);
  });

  it("says why, in Go's words", () => {
    expect(parseGoDuration("1")).toEqual({ ok: false, error: 'time: missing unit in duration "1"' });
    expect(parseGoDuration("1x")).toEqual({ ok: false, error: 'time: unknown unit "x" in duration "1x"' });
    expect(parseGoDuration("")).toEqual({ ok: false, error: 'time: invalid duration ""' });
  });

  it("prints sub-second values with the largest fitting unit", () => {
    expect(formatGoDuration(1n)).toBe("1ns");
    expect(formatGoDuration(1_001n)).toBe("1.001\u00b5s");
    expect(formatGoDuration(999_999_999n)).toBe("999.999999ms");
    expect(formatGoDuration(-1_500n)).toBe("-1.5\u00b5s");
  });
});
