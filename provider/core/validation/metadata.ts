import { fieldError, type ScopedFieldError } from "../errors";
import { key, type UndeclaredField } from "../path";
import { dns1123LabelErrors, dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors, byteLength } from "./names";
import { obj, str, type Errors } from "./schema";
import { isObj } from "../json";

/**
 * The API server's own ObjectMeta checks, which every kind here gets (they are all namespaced
 * custom resources). Two stages, as in the API server: the types (decoding — `namespace: 5`, a
 * label value that is a mapping) before any admission webhook, then the formats (name, namespace,
 * label and annotation syntax, annotation size) with the CRD schema.
 */

/** apimachinery's TotalAnnotationSizeLimitB: keys plus values of all annotations of one object. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

const STRING_FIELDS = ["name", "namespace", "generateName"] as const;
const STRING_MAPS = ["labels", "annotations"] as const;

/** The fields of ObjectMeta (`metav1.ObjectMeta`); any other key under metadata is unknown. */
const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

/** `metadata.<key>` for each key ObjectMeta does not have (`metadata.lables`). */
export function objectMetaUndeclared(object: Record<string, unknown>): UndeclaredField[] {
  const meta = object["metadata"];
  if (!isObj(meta)) return [];
  return Object.keys(meta)
    .filter((k) => !OBJECT_META_FIELDS.has(k))
    .map((name) => ({ parent: "metadata", name }));
}

/** Type errors in metadata: what the API server refuses while decoding the request. */
export function objectMetaTypeErrors(object: Record<string, unknown>): ScopedFieldError[] {
  const errs: Errors = [];
  const meta = obj(errs, "metadata", object["metadata"]);
  if (!meta) return errs;
  for (const f of STRING_FIELDS) str(errs, `metadata.${f}`, meta[f]);
  for (const m of STRING_MAPS) {
    const map = obj(errs, `metadata.${m}`, meta[m]);
    if (map) for (const [k, v] of Object.entries(map)) if (v !== null) str(errs, key(`metadata.${m}`, k), v);
  }
  return errs;
}

/** Format errors in (well-typed) metadata, with apimachinery's messages. */
export function objectMetaErrors(object: Record<string, unknown>): ScopedFieldError[] {
  const meta = object["metadata"];
  if (!isObj(meta)) return [fieldError.required("metadata.name", "name or generateName is required")];
  const errs: ScopedFieldError[] = [];
  const name = meta["name"];
  const generateName = meta["generateName"];
  if (name === undefined || name === null || name === "") {
    if (typeof generateName !== "string" || generateName === "") errs.push(fieldError.required("metadata.name", "name or generateName is required"));
  } else if (typeof name === "string") {
    for (const d of dns1123SubdomainErrors(name)) errs.push(fieldError.invalid("metadata.name", name, d));
  }
  const ns = meta["namespace"];
  if (typeof ns === "string" && ns !== "") for (const d of dns1123LabelErrors(ns)) errs.push(fieldError.invalid("metadata.namespace", ns, d));
  const labels = isObj(meta["labels"]) ? meta["labels"] : {};
  for (const k of Object.keys(labels).sort()) {
    for (const d of qualifiedNameErrors(k)) errs.push(fieldError.invalid("metadata.labels", k, d, key("metadata.labels", k)));
    const v = labels[k];
    if (typeof v === "string") for (const d of labelValueErrors(v)) errs.push(fieldError.invalid("metadata.labels", v, d, key("metadata.labels", k)));
  }
  const annotations = isObj(meta["annotations"]) ? meta["annotations"] : {};
  let size = 0;
  for (const k of Object.keys(annotations).sort()) {
    // Annotation keys are qualified names in any case (apimachinery lowercases them first).
    for (const d of qualifiedNameErrors(k.toLowerCase())) errs.push(fieldError.invalid("metadata.annotations", k, d, key("metadata.annotations", k)));
    const v = annotations[k];
    size += byteLength(k) + (typeof v === "string" ? byteLength(v) : 0);
  }
  if (size > MAX_ANNOTATIONS_BYTES) errs.push(fieldError.tooLong("metadata.annotations", MAX_ANNOTATIONS_BYTES));
  return errs;
}
