import { fieldError, type ScopedFieldError } from "../../errors";
import { formatGoDuration, parseGoDuration } from "../../validation/duration";
import { compareQuantities, formatQuantity, parseQuantity } from "../../validation/quantity";

/**
 * NSO's webhook limit checks on Envoy Gateway values, with Go's parsing and printing: durations via
 * `time.ParseDuration` / `Duration.String()`, quantities via `resource.Quantity` `Cmp` / `String()`.
 * A limit that does not parse (a bad operator setting) disables its check rather than rejecting
 * every tenant object.
 */

export interface DurationBounds {
  min?: string;
  max?: string;
}

function limitNanos(limit: string | undefined): bigint | undefined {
  if (limit === undefined) return undefined;
  const parsed = parseGoDuration(limit);
  return parsed.ok ? parsed.nanos : undefined;
}

/** NSO `validateGatewayDuration`: unparsable → "invalid duration"; then the lower bound, then the upper. */
export function durationLimitErrors(path: string, value: unknown, bounds: DurationBounds): ScopedFieldError[] {
  if (typeof value !== "string") return [];
  const parsed = parseGoDuration(value);
  if (!parsed.ok) return [fieldError.invalid(path, value, "invalid duration")];
  const min = limitNanos(bounds.min);
  if (min !== undefined && parsed.nanos < min) {
    return [fieldError.invalid(path, value, `duration must be greater than or equal to ${formatGoDuration(min)}`)];
  }
  const max = limitNanos(bounds.max);
  if (max !== undefined && parsed.nanos > max) {
    return [fieldError.invalid(path, value, `duration must be less than or equal to ${formatGoDuration(max)}`)];
  }
  return [];
}

/**
 * A quantity field (`x-kubernetes-int-or-string`) as Go decodes it: JSON numbers are read by their
 * decimal text, strings are trimmed and parsed.
 */
function quantityText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** NSO's quantity ceiling: `value.Cmp(limit) == 1` → Invalid "must be less than or equal to <limit>". */
export function quantityMaxErrors(path: string, value: unknown, limit: string): ScopedFieldError[] {
  const text = quantityText(value);
  if (text === undefined) return [];
  const v = parseQuantity(text);
  const max = parseQuantity(limit);
  if (!v.ok || !max.ok) return [];
  if (compareQuantities(v.quantity, max.quantity) !== 1) return [];
  return [fieldError.invalid(path, formatQuantity(v.quantity), `must be less than or equal to ${formatQuantity(max.quantity)}`)];
}
