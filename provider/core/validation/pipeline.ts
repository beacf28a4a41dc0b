import { fieldError, publicError, type FieldError, type ScopedFieldError } from "../errors";
import type { GuardrailConfig } from "../config";
import { DEFAULT_GUARDRAIL_CONFIG } from "../config";
import type { UndeclaredField } from "../path";
import { isDeferred, unknownPaths } from "../unknown";
import { suspiciousHostError, suspiciousHosts, suspiciousHostWarning, type FieldWarning } from "./internal-hosts";
import { objectMetaErrors, objectMetaTypeErrors, objectMetaUndeclared } from "./metadata";
import { suppressesCel } from "./schema";
import * as json from "../json";
import type { Obj } from "../json";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which the per-node spec comparison would pay at every node.
const { isObj } = json;

export type Operation = "CREATE" | "UPDATE" | "DELETE";
export type { FieldWarning } from "./internal-hosts";

export interface AdmissionContext {
  config: GuardrailConfig;
  operation: Operation;
  /** The stored object, for UPDATE (CEL transition rules, unchanged-spec skip). */
  oldObject?: Obj;
  /** Objects already in the namespace/cluster that some rules consult (Domain duplicates, GatewayClasses…). */
  existing: readonly Obj[];
  /** The object's namespace after defaulting (namespace `default` when unset). */
  namespace: string;
}

/** The guardrails of one kind, split by admission layer. Every function is pure and never throws. */
export interface KindGuardrails {
  kind: string;
  apiVersions: readonly string[];
  /** Mutating webhook on CREATE and UPDATE (see ctx.operation): returns errors (it may also reject), applied before the schema. */
  mutate?(obj: Obj, ctx: AdmissionContext): { object: Obj; errors: ScopedFieldError[] };
  /** CRD defaults (OpenAPI `default`), applied before schema validation. Returns a new object. */
  defaults?(obj: Obj): Obj;
  /** OpenAPI structural checks. */
  schema?(obj: Obj, ctx: AdmissionContext): ScopedFieldError[];
  /** CRD `x-kubernetes-validations` (CEL), including transition rules against ctx.oldObject. */
  cel?(obj: Obj, ctx: AdmissionContext): ScopedFieldError[];
  /** Validating webhook on CREATE (and on spec-changing UPDATE when `webhookOnUpdate`). */
  webhook?(obj: Obj, ctx: AdmissionContext): ScopedFieldError[];
  webhookOnUpdate?: boolean;
  /** Validating webhook on DELETE. */
  webhookOnDelete?(obj: Obj, ctx: AdmissionContext): ScopedFieldError[];
  /** What an admitted object will do that its author should see at preview (e.g. a traffic split); never a problem. */
  notes?(obj: Obj, ctx: AdmissionContext): FieldWarning[];
  /** The fields (outside metadata) that the kind's schema (under ctx's configuration) does not declare. */
  undeclared?(obj: Obj, ctx: AdmissionContext): UndeclaredField[];
}

export interface AdmissionResult {
  valid: boolean;
  errors: FieldError[];
  /** Admitted, but worth telling the user (hosts that may reach internal addresses). */
  warnings: FieldWarning[];
  /** Admitted: what it will do, shown at preview (info) and by `validate` (note). */
  notes?: FieldWarning[];
  /** Errors that depend on values not known yet (preview); reported later, never now. */
  deferred: FieldError[];
  /** The object after mutation and defaulting (what the server would store). */
  object: unknown;
}

export interface AdmissionInput {
  object: unknown;
  operation?: Operation;
  oldObject?: unknown;
  existing?: readonly unknown[];
  config?: GuardrailConfig;
}

const registry = new Map<string, KindGuardrails>();

export function registerKind(g: KindGuardrails): void {
  registry.set(g.kind, g);
}

export function guardrailsFor(kind: string): KindGuardrails | undefined {
  return registry.get(kind);
}

export function supportedKinds(): string[] {
  return [...registry.keys()].sort();
}

/**
 * apimachinery's Semantic.DeepEqual on the typed specs: a nil and an empty list (or map) are equal,
 * and so are an absent and a null field.
 */
function specEqual(a: Obj, b: Obj | undefined): boolean {
  if (!b) return false;
  const x = a["spec"];
  const y = b["spec"];
  // Plain JSON data (what Pulumi and YAML give us) compares as it is; only odd values need the
  // canonical texts, whose equality defines the comparison.
  if (isPlainJson(x) && isPlainJson(y)) return semanticallyEqual(x, y);
  return canonicalJson(withoutEmpty(x)) === canonicalJson(withoutEmpty(y));
}

/**
 * JSON data whose canonical text is equal exactly when the values are equal as JSON: finite
 * numbers, plain objects (without a `__proto__` key) and dense lists (without undefined items).
 */
function isPlainJson(v: unknown): boolean {
  if (v === null || typeof v === "string" || typeof v === "boolean") return true;
  if (typeof v === "number") return Number.isFinite(v);
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return false;
    for (let i = 0; i < v.length; i++) if (!(i in v) || v[i] === undefined || !isPlainJson(v[i])) return false;
    return true;
  }
  if (!isObj(v) || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const k in v) if (k === "__proto__" || (v[k] !== undefined && !isPlainJson(v[k]))) return false;
  return true;
}

/** Whether a field is left out of the comparison: null, absent or an empty list, as in withoutEmpty. */
function isEmptyField(v: unknown): boolean {
  return v === null || v === undefined || (Array.isArray(v) && v.length === 0);
}

/** `canonicalJson(withoutEmpty(a)) === canonicalJson(withoutEmpty(b))` for plain JSON data, without the texts. */
function semanticallyEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!semanticallyEqual(a[i], b[i])) return false;
    return true;
  }
  if (isObj(a)) {
    if (!isObj(b)) return false;
    let fields = 0;
    for (const k in a) {
      const v = a[k];
      if (isEmptyField(v)) continue;
      fields++;
      if (!semanticallyEqual(v, b[k])) return false;
    }
    for (const k in b) if (!isEmptyField(b[k])) fields--;
    return fields === 0;
  }
  return a === b;
}

function withoutEmpty(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutEmpty);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === null || (Array.isArray(x) && x.length === 0)) continue;
    out[k] = withoutEmpty(x);
  }
  return out;
}

/** JSON with sorted keys; used for "semantically equal" comparisons. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}

/**
 * Runs one admission request through the layers in NSO's order: mutating webhook → CRD schema
 * (with defaults) → CEL → validating webhook. The first layer that rejects wins. Errors whose inputs
 * are unknown (Pulumi preview) are set aside as deferred instead of failing the request.
 */
export function admit(input: AdmissionInput): AdmissionResult {
  const config = input.config ?? DEFAULT_GUARDRAIL_CONFIG;
  const operation = input.operation ?? "CREATE";
  if (!isObj(input.object)) {
    return { valid: false, errors: [publicError(fieldError.invalid("", input.object ?? null, "object must be a JSON/YAML mapping"))], warnings: [], deferred: [], object: input.object };
  }
  let object: Obj = input.object;
  const kind = typeof object["kind"] === "string" ? object["kind"] : "";
  const g = registry.get(kind);
  if (!g) {
    const err = fieldError.notSupported("kind", kind, supportedKinds());
    return { valid: false, errors: [publicError(err)], warnings: [], deferred: [], object };
  }
  const apiVersion = object["apiVersion"];
  if (apiVersion !== undefined && !g.apiVersions.includes(String(apiVersion))) {
    const err = fieldError.notSupported("apiVersion", apiVersion, g.apiVersions);
    return { valid: false, errors: [publicError(err)], warnings: [], deferred: [], object };
  }
  const meta = isObj(object["metadata"]) ? object["metadata"] : {};
  const ctx: AdmissionContext = {
    config,
    operation,
    ...(isObj(input.oldObject) && { oldObject: input.oldObject }),
    existing: (input.existing ?? []).filter(isObj),
    namespace: typeof meta["namespace"] === "string" && meta["namespace"] ? meta["namespace"] : "default",
  };
  // Where the submitted object holds unknowns matters only to errors, and most objects have none:
  // the paths are found (on the object as submitted) when a first error needs them.
  const submitted = object;
  let unknowns: string[] | undefined;
  const deferred: ScopedFieldError[] = [];
  const decide = (errs: ScopedFieldError[]): ScopedFieldError[] => {
    const now: ScopedFieldError[] = [];
    if (errs.length > 0) unknowns ??= unknownPaths(submitted);
    for (const e of errs) (isDeferred(e, unknowns ?? []) ? deferred : now).push(e);
    return now;
  };
  // Fields no schema declares are errors whatever their value (known or not), reported with
  // whatever NSO's layers report: a typo is never dropped without a word.
  let undeclared: ScopedFieldError[] = [];
  const finish = (layerErrs: ScopedFieldError[], warnings: FieldWarning[] = [], notes: FieldWarning[] = []): AdmissionResult => {
    const errs = [...undeclared, ...layerErrs];
    return {
      valid: errs.length === 0,
      errors: errs.map(publicError),
    warnings,
      ...(notes.length > 0 && errs.length === 0 && { notes }),
      deferred: deferred.map(publicError),
      object,
    };
  };

  if (operation === "DELETE") {
    return finish(decide(g.webhookOnDelete ? g.webhookOnDelete(object, ctx) : []));
  }
  undeclared = [...objectMetaUndeclared(object), ...(g.undeclared?.(object, ctx) ?? [])].map((f) => fieldError.unknownField(f, kind));

  // Metadata of the wrong type never reaches admission: the API server fails to decode it.
  const metaTypeErrs = decide(objectMetaTypeErrors(object));
  if (metaTypeErrs.length) return finish(metaTypeErrs);

  // Mutating webhooks are registered for create and update (Gateway re-adds missing default listeners).
  if (g.mutate) {
    const m = g.mutate(object, ctx);
    object = m.object;
    const errs = decide(m.errors);
    if (errs.length) return finish(errs);
  }
  if (g.defaults) object = g.defaults(object);

  const schemaErrs = decide([...objectMetaErrors(object), ...(g.schema ? g.schema(object, ctx) : [])]);
  const celErrs = schemaErrs.some(suppressesCel) ? [] : decide(g.cel ? g.cel(object, ctx) : []);
  const crdErrs = [...schemaErrs, ...celErrs];
  if (crdErrs.length) return finish(crdErrs);

  const deleting = isObj(object["metadata"]) && object["metadata"]["deletionTimestamp"] != null;
  // The stored object was defaulted when it was written, so compare against its defaulted form.
  const storedOld = (): Obj | undefined => (ctx.oldObject && g.defaults ? g.defaults(ctx.oldObject) : ctx.oldObject);
  const skipWebhook =
    operation === "UPDATE" && (!g.webhookOnUpdate || deleting || specEqual(object, storedOld()));
  if (g.webhook && !skipWebhook) {
    const errs = decide(g.webhook(object, ctx));
    if (errs.length) return finish(errs);
  }
  // Beyond NSO: hosts it admits that may still reach internal addresses. Refused only by choice,
  // and not for an unchanged stored spec (it stays admitted, as NSO admits it).
  const suspicious = suspiciousHosts(object);
  if (suspicious.length && config.suspiciousHosts === "reject" && !(operation === "UPDATE" && specEqual(object, storedOld()))) {
    return finish(decide(suspicious.map(suspiciousHostError)));
  }
  return finish([], suspicious.map(suspiciousHostWarning), g.notes?.(object, ctx));
}
