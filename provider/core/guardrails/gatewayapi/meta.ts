import { fieldError, type ScopedFieldError } from "../../errors";
import { isObj } from "../../validation/schema";
import { dns1123LabelErrors, dns1123SubdomainErrors } from "../../validation/names";
import { isUnknown } from "../../unknown";

/**
 * The API server's own ObjectMeta checks for namespaced custom resources, which run in the CRD
 * layer before the schema: a name (DNS subdomain) is required, the namespace is a DNS label.
 */
export function objectMetaErrors(obj: Record<string, unknown>): ScopedFieldError[] {
  const meta = obj["metadata"];
  if (isUnknown(meta)) return [];
  if (!isObj(meta)) return [fieldError.required("metadata.name", "name or generateName is required")];
  const errs: ScopedFieldError[] = [];
  const name = meta["name"];
  const generateName = meta["generateName"];
  if (name === undefined || name === null || name === "") {
    if (typeof generateName !== "string" || generateName === "") {
      errs.push(fieldError.required("metadata.name", "name or generateName is required"));
    }
  } else if (typeof name === "string" && !isUnknown(name)) {
    for (const d of dns1123SubdomainErrors(name)) errs.push(fieldError.invalid("metadata.name", name, d));
  }
  const ns = meta["namespace"];
  if (typeof ns === "string" && ns !== "" && !isUnknown(ns)) {
    for (const d of dns1123LabelErrors(ns)) errs.push(fieldError.invalid("metadata.namespace", ns, d));
  }
  return errs;
}
