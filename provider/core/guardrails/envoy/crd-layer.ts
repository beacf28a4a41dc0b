import type { ScopedFieldError } from "../../errors";
import { isUnknown } from "../../unknown";
import type { AdmissionContext } from "../../validation/pipeline";
import { isObj, type Errors, type Obj } from "../../validation/schema";
import { applyDefaults, evaluateRules, hasTypeErrors, validateValue, type ObjectSchema } from "../gatewayapi/structural";

/**
 * The CRD layer of one kind, built from its declared structural schema: defaulting, OpenAPI checks
 * and CEL. `extra` adds what the declarative interpreter cannot express (int-or-string quantities,
 * date-time formats, transition rules against the stored object).
 */
export interface CrdExtras {
  /** Additional OpenAPI-style checks. */
  schema?(errs: Errors, obj: Obj): void;
  /** True when those extra fields carry a wrong JSON type (which, like any type error, skips CEL). */
  typeMismatch?(obj: Obj): boolean;
  /** Additional CEL rules, e.g. transition rules that compare with `ctx.oldObject`. */
  cel?(errs: Errors, obj: Obj, ctx: AdmissionContext): void;
}

export interface CrdLayer {
  defaults(obj: Obj): Obj;
  schema(obj: Obj): ScopedFieldError[];
  cel(obj: Obj, ctx: AdmissionContext): ScopedFieldError[];
}

/**
 * The object with unknown (Pulumi preview) object properties left out, for the CEL pass: an unknown
 * value must neither count as a type error that silences every rule nor be read as a real value. Any
 * rule that read an absent-because-unknown field reports at a node containing it, so the pipeline
 * defers that error. Unknown list elements stay, keeping the indices of their siblings.
 */
function withoutUnknownProperties(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutUnknownProperties);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, e] of Object.entries(v)) if (!isUnknown(e)) out[k] = withoutUnknownProperties(e);
  return out;
}

export function crdLayer(root: ObjectSchema, extras: CrdExtras = {}): CrdLayer {
  return {
    defaults(obj) {
      const out = applyDefaults(obj, root);
      return isObj(out) ? out : obj;
    },
    schema(obj) {
      const errs: Errors = [];
      validateValue(errs, "", obj, root);
      extras.schema?.(errs, obj);
      return errs;
    },
    cel(obj, ctx) {
      const known = withoutUnknownProperties(obj) as Obj;
      // The API server evaluates no CEL rule at all while any value has the wrong JSON type.
      if (hasTypeErrors(known, root) || extras.typeMismatch?.(known)) return [];
      const errs: Errors = [];
      evaluateRules(errs, "", known, root);
      extras.cel?.(errs, known, ctx);
      return errs;
    },
  };
}
