import type { ScopedFieldError } from "../../errors";
import type { KindGuardrails } from "../../validation/pipeline";
import { isObj, type Errors, type Obj } from "../../validation/schema";
import { objectMetaErrors } from "./meta";
import { applyDefaults, evaluateRules, hasTypeErrors, prune, validateValue, type ObjectSchema } from "./structural";

/**
 * The CRD layer of a kind declared as a structural schema: defaulting, then the API server's
 * ObjectMeta checks, OpenAPI validation and CEL — all on the pruned object the server would see
 * (metadata is kept whole; the server treats it separately).
 */
export function crdLayer(
  s: ObjectSchema,
  extra?: {
    /** Schema checks the declarative schema cannot express (e.g. Gateway's address `oneOf`). */
    schemaErrors: (view: Obj) => ScopedFieldError[];
    /** Whether those checks found a type error, which stops CEL like any other. */
    blocksCel: (view: Obj) => boolean;
  },
): Required<Pick<KindGuardrails, "defaults" | "schema" | "cel">> {
  const view = (obj: Obj): Obj => ("spec" in obj ? { ...obj, spec: prune(obj["spec"], s.properties["spec"]) } : obj);
  return {
    defaults: (obj) => {
      const d = applyDefaults(obj, s);
      return isObj(d) ? d : obj;
    },
    schema(obj) {
      const v = view(obj);
      const errs: Errors = objectMetaErrors(obj);
      validateValue(errs, "", v, s);
      if (extra) errs.push(...extra.schemaErrors(v));
      return errs;
    },
    cel(obj) {
      const v = view(obj);
      // The API server evaluates no CEL once a value has the wrong type.
      if (hasTypeErrors(v, s) || extra?.blocksCel(v)) return [];
      const errs: Errors = [];
      evaluateRules(errs, "", v, s);
      return errs;
    },
  };
}
