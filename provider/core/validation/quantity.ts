/**
 * Kubernetes `resource.Quantity` semantics: parsing (`ParseQuantity`, including the rounding of
 * sub-nano precision up to 1n), comparison (`Cmp`) and the canonical `String()` form that NSO prints
 * in "must be less than or equal to <limit>" (e.g. "512Ki"; "1024Ki" prints as "1Mi").
 *
 * A quantity is held exactly as a signed count of nano-units, which is all `Cmp` and `String` need.
 */

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  /** value × 10^9, rounded away from zero the way apimachinery rounds to nano precision. */
  nanos: bigint;
  /** The suffix family the value was written in; `String()` keeps it. */
  format: QuantityFormat;
  /** The input text, when apimachinery keeps it because it is already canonical (its fast path). */
  text?: string;
}

export type QuantityResult = { ok: true; quantity: Quantity } | { ok: false; error: string };

const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["n", -9],
  ["u", -6],
  ["m", -3],
  ["", 0],
  ["k", 3],
  ["M", 6],
  ["G", 9],
  ["T", 12],
  ["P", 15],
  ["E", 18],
]);
const BINARY_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ["Ki", 10],
  ["Mi", 20],
  ["Gi", 30],
  ["Ti", 40],
  ["Pi", 50],
  ["Ei", 60],
]);

const ERR_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const ERR_SUFFIX = "unable to parse quantity's suffix";
const NANO = 1_000_000_000n;
const MAX_INT64 = (1n << 63n) - 1n;
const SUFFIX_CHARS = "eEinumkKMGTP";

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

interface Parts {
  positive: boolean;
  /** Whether the number part had any digit (the slow path's decimal parser needs one). */
  digits: boolean;
  num: string;
  denom: string;
  suffix: string;
}

/** apimachinery's hand-written scanner: sign, digits, optional fraction, then a suffix. */
function scan(str: string): Parts | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (str[0] === "-") {
    positive = false;
    pos++;
  } else if (str[0] === "+") {
    pos++;
  }
  while (pos < end && str[pos] === "0") pos++;
  // Only a sign and zeros: apimachinery reads the value as "0".
  if (pos >= end) return { positive, digits: true, num: "0", denom: "", suffix: "" };
  const digitsBefore = (at: number): boolean => /[0-9]/.test(str.slice(0, at));

  const numStart = pos;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos >= end) return { positive, digits: digitsBefore(pos), num: str.slice(numStart) || "0", denom: "", suffix: "" };
  const num = str.slice(numStart, pos) || "0";

  let denom = "";
  if (str[pos] === ".") {
    pos++;
    const denomStart = pos;
    while (pos < end && isDigit(str[pos])) pos++;
    denom = str.slice(denomStart, pos);
    if (pos >= end) return { positive, digits: digitsBefore(pos), num, denom, suffix: "" };
  }

  const suffixStart = pos;
  const digits = digitsBefore(suffixStart);
  while (pos < end && SUFFIX_CHARS.includes(str[pos] as string)) pos++;
  if (pos >= end) return { positive, digits, num, denom, suffix: str.slice(suffixStart) };
  if (str[pos] === "-" || str[pos] === "+") pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) return undefined;
  return { positive, digits, num, denom, suffix: str.slice(suffixStart) };
}

function interpretSuffix(s: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  const dec = DECIMAL_SUFFIXES.get(s);
  if (dec !== undefined) return { base: 10, exponent: dec, format: "DecimalSI" };
  const bin = BINARY_SUFFIXES.get(s);
  if (bin !== undefined) return { base: 2, exponent: bin, format: "BinarySI" };
  if (s.length > 1 && (s[0] === "e" || s[0] === "E") && /^[+-]?[0-9]+$/.test(s.slice(1))) {
    // Go parses the exponent as int64 and then truncates it to int32.
    const parsed = BigInt(s.slice(1));
    if (parsed < -(1n << 63n) || parsed > MAX_INT64) return undefined;
    const exponent = Number(BigInt.asIntN(32, parsed));
    return { base: 10, exponent, format: "DecimalExponent" };
  }
  return undefined;
}

/** Integer division rounding away from zero (inf.RoundUp). */
function divAwayFromZero(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b === 0n ? q : a < 0n ? q - 1n : q + 1n;
}

const MAX_INT64_DIGITS = 18;

/**
 * apimachinery's int64 fast path: whether it applies, and whether it keeps the caller's text as the
 * `String()` form because it already looks canonical (binary mantissa not a multiple of 8; decimal
 * exponent a multiple of 3, no trailing "000", no leading zero digit).
 */
function fastPath(parts: Parts, suffix: { exponent: number; format: QuantityFormat }): { taken: boolean; keepsText: boolean } {
  const no = { taken: false, keepsText: false };
  let precision: number;
  let scale: number;
  let mantissa = 1n;
  if (suffix.format === "BinarySI") {
    scale = 0;
    if (parts.denom.length !== 0) return no;
    mantissa = 1n << BigInt(suffix.exponent);
    precision = 15 - parts.num.length - Math.trunc((suffix.exponent * 3) / 10) - 1;
  } else {
    scale = suffix.exponent;
    precision = MAX_INT64_DIGITS - (parts.num.length + parts.denom.length);
  }
  if (precision < 0) return no;
  scale -= parts.denom.length;
  if (scale < -9) return no;
  const shifted = parts.num + parts.denom;
  const value = BigInt(shifted);
  if (value * mantissa > MAX_INT64) return no;
  if (suffix.format === "BinarySI") return { taken: true, keepsText: (value & 7n) !== 0n };
  return { taken: true, keepsText: scale % 3 === 0 && !shifted.endsWith("000") && shifted[0] !== "0" };
}

/** `resource.ParseQuantity` after `strings.TrimSpace`, as `Quantity.UnmarshalJSON` does. */
export function parseQuantity(input: string): QuantityResult {
  const str = input.trim();
  if (str.length === 0) return { ok: false, error: ERR_FORMAT };
  if (str === "0") return { ok: true, quantity: { nanos: 0n, format: "DecimalSI", text: str } };
  const parts = scan(str);
  if (!parts) return { ok: false, error: ERR_FORMAT };
  const suffix = interpretSuffix(parts.suffix);
  if (!suffix) return { ok: false, error: ERR_SUFFIX };

  const fast = fastPath(parts, suffix);
  // Off the fast path the number is re-read as a decimal, which needs at least one digit.
  if (!fast.taken && !parts.digits) return { ok: false, error: "unable to parse numeric part of quantity" };
  const mantissa = BigInt(parts.num + parts.denom);
  // nanos = mantissa × 10^(9 - len(denom)) × (10^e or 2^e), rounded up when finer than 1n.
  let numerator = mantissa;
  let denominator = 1n;
  // Exponents beyond ±1000 are clamped: such values already compare as huge (or round up to 1n), and
  // the exact power would cost unbounded time and memory.
  const exponent = Math.max(-1000, Math.min(1000, suffix.exponent));
  const decimalShift = 9 - parts.denom.length + (suffix.base === 10 ? exponent : 0);
  if (decimalShift >= 0) numerator *= 10n ** BigInt(decimalShift);
  else denominator = 10n ** BigInt(-decimalShift);
  if (suffix.base === 2) numerator *= 1n << BigInt(suffix.exponent);
  let nanos = divAwayFromZero(numerator, denominator);
  // BinarySI is capped at the largest int64 value (apimachinery's maxAllowed).
  if (suffix.format === "BinarySI" && nanos > MAX_INT64 * NANO) nanos = MAX_INT64 * NANO;
  const quantity: Quantity = { nanos: parts.positive ? nanos : -nanos, format: suffix.format };
  if (fast.keepsText) quantity.text = str;
  return { ok: true, quantity };
}

/** `Quantity.Cmp`: -1, 0 or 1. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map([...DECIMAL_SUFFIXES].map(([k, v]) => [v, k]));
const BINARY_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map([[0, ""], ...[...BINARY_SUFFIXES].map(([k, v]) => [v, k] as const)]);

function decimalCanonical(nanos: bigint, format: QuantityFormat): string {
  const negative = nanos < 0n;
  let amount = negative ? -nanos : nanos;
  let exponent = -9;
  while (amount >= 10n && amount % 10n === 0n) {
    amount /= 10n;
    exponent++;
  }
  // Suffixes come in steps of 1000, so the exponent is lowered to the next multiple of 3.
  while (((exponent % 3) + 3) % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  let suffix: string;
  if (format === "DecimalExponent") suffix = exponent === 0 ? "" : `e${exponent}`;
  // apimachinery has no SI suffix beyond E and then prints no suffix at all; kept for parity.
  else suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent) ?? "";
  return `${negative ? "-" : ""}${amount}${suffix}`;
}

/** `Quantity.String()`: the kept text or the canonical form ("512Ki", "1Mi", "600k", "1500m"). */
export function formatQuantity(q: Quantity): string {
  if (q.text !== undefined) return q.text;
  if (q.nanos === 0n) return "0";
  if (q.format === "BinarySI") {
    const abs = q.nanos < 0n ? -q.nanos : q.nanos;
    // Small or fractional binary quantities are shown in decimal rather than rounded.
    if (abs < 1024n * NANO || abs % NANO !== 0n) return decimalCanonical(q.nanos, "DecimalSI");
    let amount = abs / NANO;
    let exponent = 0;
    while (amount >= 1024n && amount % 1024n === 0n && exponent < 60) {
      amount /= 1024n;
      exponent += 10;
    }
    return `${q.nanos < 0n ? "-" : ""}${amount}${BINARY_SUFFIX_BY_EXPONENT.get(exponent) ?? ""}`;
  }
  return decimalCanonical(q.nanos, q.format);
}
