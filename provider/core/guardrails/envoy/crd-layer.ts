import type { ScopedFieldError } from "../../errors";
import type { UndeclaredField } from "../../path";
import { containsUnknown, isUnknown } from "../../unknown";
import type { AdmissionContext } from "../../validation/pipeline";
import { type Errors } from "../../validation/schema";
import { applyDefaults, evaluateRules, hasTypeErrors, undeclaredFields, validateValue, type ObjectSchema } from "../gatewayapi/structural";
import { isObj, type Obj } from "../../json";

/**
 * The CRD layer of one kind, built from its declared structural schema: defaulting, OpenAPI checks
 * and CEL. `extras` add what the declarative interpreter cannot express (int-or-string quantities,
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
  undeclared(obj: Obj): UndeclaredField[];
}

/**
 * The object with unknown (Pulumi preview) object properties left out. Unknown list elements stay,
 * keeping the indices of their siblings.
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
      // The API server evaluates no CEL rule at all while any value has the wrong JSON type. An
      // unknown value is no type error, so the check looks at the object without them.
      const hasUnknowns = containsUnknown(obj);
      // Without unknowns there is nothing to leave out (and no copy to make).
      const known = hasUnknowns ? (withoutUnknownProperties(obj) as Obj) : obj;
      if (hasTypeErrors(known, root) || extras.typeMismatch?.(known)) return [];
      // Rules are evaluated as if each unknown property were absent and as if it were present (the
      // object as given). A verdict that differs between the two depends on an unknown value, and
      // since a rule only reads below the node it reports at, the pipeline defers it; verdicts
      // over known values come out the same both ways and are reported once.
      const errs: Errors = [];
      const seen = new Set<string>();
      for (const view of hasUnknowns ? [known, obj] : [obj]) {
        const viewErrs: Errors = [];
        evaluateRules(viewErrs, "", view, root);
        extras.cel?.(viewErrs, view, ctx);
        for (const e of viewErrs) {
          const k = `${e.field}\u0000${e.message}`;
          if (!seen.has(k)) errs.push(e);
          seen.add(k);
        }
      }
      return errs;
    },
    undeclared: (obj) => undeclaredFields(obj, root),
  };
}
