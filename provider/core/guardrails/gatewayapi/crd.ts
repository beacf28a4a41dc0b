import type { ScopedFieldError } from "../../errors";
import type { AdmissionContext, KindGuardrails } from "../../validation/pipeline";
import { type Errors } from "../../validation/schema";
import { applyDefaults, evaluateRules, hasTypeErrors, prune, undeclaredFields, validateValueFindingTypeErrors, type ObjectSchema } from "./structural";
import { isObj, type Obj } from "../../json";

/**
 * What the schema layer learnt about one admission's object that the CEL layer, called next for
 * the same request, needs again: the pruned view and whether it holds a value of the wrong type.
 * Valid only for the same context (one per admission) and the very same object; the layers of one
 * admission never change the object in between.
 */
interface SchemaOutcome {
  ctx: AdmissionContext;
  obj: Obj;
  view: Obj;
  typeErrors: boolean;
}

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
): Required<Pick<KindGuardrails, "defaults" | "schema" | "cel" | "undeclared">> {
  const view = (obj: Obj): Obj => ("spec" in obj ? { ...obj, spec: prune(obj["spec"], s.properties["spec"]) } : obj);
  // One slot, taken by the CEL layer: a WeakMap keyed by the context would do too, but its entries
  // outlive young-generation collections and drag every validated object into the old generation.
  let lastSchemaOutcome: SchemaOutcome | undefined;
  return {
    defaults: (obj) => {
      const d = applyDefaults(obj, s);
      return isObj(d) ? d : obj;
    },
    schema(obj, ctx) {
      const v = view(obj);
      const errs: Errors = [];
      const typeErrors = validateValueFindingTypeErrors(errs, "", v, s);
      if (extra) errs.push(...extra.schemaErrors(v));
      // Direct callers may pass no context; then nothing is remembered.
      lastSchemaOutcome = ctx === undefined ? undefined : { ctx, obj, view: v, typeErrors };
      return errs;
    },
    cel(obj, ctx) {
      const known = lastSchemaOutcome;
      lastSchemaOutcome = undefined;
      const fromSchema = known !== undefined && ctx !== undefined && known.ctx === ctx && known.obj === obj ? known : undefined;
      const v = fromSchema ? fromSchema.view : view(obj);
      // The API server evaluates no CEL once a value has the wrong type.
      if ((fromSchema ? fromSchema.typeErrors : hasTypeErrors(v, s)) || extra?.blocksCel(v)) return [];
      const errs: Errors = [];
      evaluateRules(errs, "", v, s);
      return errs;
    },
    undeclared: (obj) => undeclaredFields(obj, s),
  };
}
