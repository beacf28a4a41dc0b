import { fieldError } from "../../errors";
import { pattern, type Errors } from "../../validation/schema";

/**
 * Envoy Gateway's CRD schema for `resource.Quantity` fields (bufferLimit, HTTP/2 window sizes,
 * compression thresholds…): `x-kubernetes-int-or-string` plus two patterns — apimachinery's general
 * quantity syntax and Envoy Gateway's stricter "positive integer with an optional suffix". The
 * structural-schema interpreter has no int-or-string node, so these fields are checked here.
 */

const QUANTITY_SYNTAX = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";
const POSITIVE_QUANTITY = "^[1-9]+[0-9]*([EPTGMK]i|[EPTGMk])?$";
const QUANTITY_SYNTAX_RE = new RegExp(QUANTITY_SYNTAX);
const POSITIVE_QUANTITY_RE = new RegExp(POSITIVE_QUANTITY);

/** Patterns apply to the string form only; integers are accepted as they are. */
export function quantityFieldErrors(errs: Errors, path: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value === "number" && Number.isInteger(value)) return;
  if (typeof value !== "string") {
    const got = Array.isArray(value) ? "array" : typeof value === "number" ? "number" : typeof value;
    errs.push(fieldError.invalid(path, got, `${path} in body must be of type integer,string: ${JSON.stringify(got)}`));
    return;
  }
  pattern(errs, path, value, QUANTITY_SYNTAX_RE, QUANTITY_SYNTAX);
  pattern(errs, path, value, POSITIVE_QUANTITY_RE, POSITIVE_QUANTITY);
}

/** True when the value has a JSON type the schema rejects, which stops CEL like any type error. */
export function quantityTypeMismatch(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  return !(typeof value === "string" || (typeof value === "number" && Number.isInteger(value)));
}
