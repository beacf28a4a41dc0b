/**
 * Go `time.Duration` semantics: `time.ParseDuration` (what NSO's webhook applies to Envoy Gateway
 * durations and to its own config) and `Duration.String()` (how the limit is printed in messages,
 * e.g. 5m → "5m0s"). Nanoseconds are bigint so int64 overflow is detected exactly as Go does.
 */

export type GoDurationResult = { ok: true; nanos: bigint } | { ok: false; error: string };

const NANOSECOND = 1n;
const MICROSECOND = 1000n * NANOSECOND;
const MILLISECOND = 1000n * MICROSECOND;
const SECOND = 1000n * MILLISECOND;
const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;

/** Go accepts both the micro sign (U+00B5) and the Greek mu (U+03BC) for microseconds. */
const UNITS: ReadonlyMap<string, bigint> = new Map([
  ["ns", NANOSECOND],
  ["us", MICROSECOND],
  ["\u00b5s", MICROSECOND],
  ["\u03bcs", MICROSECOND],
  ["ms", MILLISECOND],
  ["s", SECOND],
  ["m", MINUTE],
  ["h", HOUR],
]);

const TWO_63 = 1n << 63n;
const MAX_INT64 = TWO_63 - 1n;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** Go's strconv-style quoting is close enough to JSON for the ASCII inputs errors usually show. */
function quote(s: string): string {
  return JSON.stringify(s);
}

/** `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, "0" alone needs no unit. */
export function parseGoDuration(input: string): GoDurationResult {
  const invalid: GoDurationResult = { ok: false, error: `time: invalid duration ${quote(input)}` };
  let s = input;
  let neg = false;
  if (s !== "" && (s[0] === "-" || s[0] === "+")) {
    neg = s[0] === "-";
    s = s.slice(1);
  }
  if (s === "0") return { ok: true, nanos: 0n };
  if (s === "") return invalid;

  let total = 0n;
  while (s !== "") {
    if (!(s[0] === "." || isDigit(s[0]))) return invalid;

    // Integer part; Go rejects it once it can no longer fit 2^63.
    let i = 0;
    let whole = 0n;
    while (isDigit(s[i])) {
      if (whole > TWO_63 / 10n) return invalid;
      whole = whole * 10n + BigInt(s.charCodeAt(i) - 48);
      if (whole > TWO_63) return invalid;
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);

    // Fraction part: extra digits past int64 precision are ignored, not an error.
    let frac = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === ".") {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          if (frac > MAX_INT64 / 10n) {
            overflow = true;
          } else {
            const next = frac * 10n + BigInt(s.charCodeAt(j) - 48);
            if (next > TWO_63) overflow = true;
            else {
              frac = next;
              scale *= 10;
            }
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return invalid;

    let u = 0;
    while (u < s.length && !(s[u] === "." || isDigit(s[u]))) u++;
    if (u === 0) return { ok: false, error: `time: missing unit in duration ${quote(input)}` };
    const unitName = s.slice(0, u);
    s = s.slice(u);
    const unit = UNITS.get(unitName);
    if (unit === undefined) return { ok: false, error: `time: unknown unit ${quote(unitName)} in duration ${quote(input)}` };

    if (whole > TWO_63 / unit) return invalid;
    let v = whole * unit;
    if (frac > 0n) {
      // Go computes the fractional part in float64 and truncates; mirror it for bit-for-bit results.
      v += BigInt(Math.trunc(Number(frac) * (Number(unit) / scale)));
      if (v > TWO_63) return invalid;
    }
    total += v;
    if (total > TWO_63) return invalid;
  }
  if (neg) return { ok: true, nanos: -total };
  if (total > MAX_INT64) return invalid;
  return { ok: true, nanos: total };
}

/** Digits of v / 10^prec after the point, trailing zeros (and the point) dropped. */
function fraction(v: bigint, prec: number): { text: string; rest: bigint } {
  const div = 10n ** BigInt(prec);
  const digits = (v % div).toString().padStart(prec, "0").replace(/0+$/, "");
  return { text: digits === "" ? "" : `.${digits}`, rest: v / div };
}

/** Go `Duration.String()`: "72h3m0.5s", "1.5ms", "0s". */
export function formatGoDuration(nanos: bigint): string {
  const neg = nanos < 0n;
  const u = neg ? -nanos : nanos;
  let out: string;
  if (u < SECOND) {
    if (u === 0n) return "0s";
    let prec: number;
    let unit: string;
    if (u < MICROSECOND) {
      prec = 0;
      unit = "ns";
    } else if (u < MILLISECOND) {
      prec = 3;
      unit = "\u00b5s";
    } else {
      prec = 6;
      unit = "ms";
    }
    const f = fraction(u, prec);
    out = `${f.rest}${f.text}${unit}`;
  } else {
    const f = fraction(u, 9);
    const seconds = f.rest % 60n;
    const minutesTotal = f.rest / 60n;
    out = `${seconds}${f.text}s`;
    if (minutesTotal > 0n) {
      out = `${minutesTotal % 60n}m${out}`;
      const hours = minutesTotal / 60n;
      if (hours > 0n) out = `${hours}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}
