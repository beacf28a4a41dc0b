import { describe, expect, it } from "vitest";
import { compareQuantities, formatQuantity, parseQuantity, type Quantity } from "../../provider/core/validation/quantity";

/**
 * Expected values were produced by k8s.io/apimachinery v0.35.4 resource.ParseQuantity, Quantity.String()
 * and Quantity.Cmp (what NSO's webhook uses for bufferLimit and the HTTP/2 window sizes).
 */

function q(s: string): Quantity {
  const r = parseQuantity(s);
  if (!r.ok) throw new Error(`${s}: ${r.error}`);
  return r.quantity;
}

const LIMIT = "512Ki";

const cases: readonly [input: string, printed: string, cmpTo512Ki: -1 | 0 | 1][] = [
  ["512Ki", "512Ki", 0],
  ["513Ki", "513Ki", 1],
  ["524288", "524288", 0],
  ["524289", "524289", 1],
  ["0.5Mi", "512Ki", 0],
  ["1024Ki", "1Mi", 1],
  ["600000", "600k", 1],
  ["1.5", "1500m", -1],
  ["1500m", "1500m", -1],
  ["1e3", "1e3", -1],
  ["1E3", "1E3", -1],
  ["-1", "-1", -1],
  ["-512Ki", "-512Ki", -1],
  ["1M", "1M", 1],
  ["64Ki", "64Ki", -1],
  ["1.5Ki", "1536", -1],
  ["0.1n", "1n", -1],
  ["1.", "1.", -1],
  ["+1", "+1", -1],
  ["00012", "00012", -1],
  ["Ki", "0", -1],
  ["1000E", "1", 1],
  ["8Ei", "9223372036854775807", 1],
];

describe("parseQuantity / formatQuantity / compareQuantities (apimachinery parity)", () => {
  it.each(cases)("%s prints %s and compares %i to 512Ki", (input, printed, cmp) => {
    const v = q(input);
    expect(formatQuantity(v)).toBe(printed);
    expect(compareQuantities(v, q(LIMIT))).toBe(cmp);
  });

  it.each(["", "12e", "1e", "5Ki5", "Ei", ".e-12", "1.2.3", "abc", "--1"].map((s) => [s] as const))("rejects %j", (input) => {
    expect(parseQuantity(input).ok).toBe(false);
  });

  it("trims surrounding space like Quantity.UnmarshalJSON", () => {
    expect(formatQuantity(q(" 512Ki "))).toBe("512Ki");
  });

  it("names the apimachinery error", () => {
    expect(parseQuantity("1x")).toEqual({ ok: false, error: "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" });
    expect(parseQuantity("1Zi")).toMatchObject({ ok: false });
    expect(parseQuantity("1e")).toEqual({ ok: false, error: "unable to parse quantity's suffix" });
  });

  it("rounds below-nano precision up, away from zero", () => {
    expect(q("1e-12").nanos).toBe(1n);
    expect(q("-1e-12").nanos).toBe(-1n);
    expect(q("1.0000000001").nanos).toBe(1_000_000_001n);
  });

  it("stays fast on absurd exponents", () => {
    const start = Date.now();
    expect(compareQuantities(q("1e2000000000"), q(LIMIT))).toBe(1);
    expect(Date.now() - start).toBeLessThan(1000);
  });
});
