import { fieldError, type ScopedFieldError } from "../../errors";
import { child } from "../../path";
import { GROUP, KIND, NAMESPACE } from "../gatewayapi/patterns";
import { has, type CelRule, type ObjectSchema } from "../gatewayapi/structural";
import { isObj } from "../../json";

/**
 * Gateway API object references as Envoy Gateway's CRDs embed them (secret references for
 * credentials, backend references for the clusters a policy calls out to), and NSO's rule that a
 * tenant may only reference objects in its own namespace (S3, S9).
 */

/** `SecretObjectReference`: group defaults to core, kind to Secret. */
export const secretObjectReference: ObjectSchema = {
  type: "object",
  required: ["name"],
  properties: {
    group: { type: "string", maxLength: 253, pattern: GROUP, default: "" },
    kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND, default: "Secret" },
    name: { type: "string", minLength: 1, maxLength: 253 },
    namespace: { type: "string", minLength: 1, maxLength: 63, pattern: NAMESPACE },
  },
};

const servicePortRule: CelRule = {
  message: "Must have port for Service reference",
  holds: (self) => !(isObj(self) && self["group"] === "" && self["kind"] === "Service") || has(self, "port"),
};

/** `BackendObjectReference` (group defaults to core, kind to Service — which then needs a port). */
export const backendObjectReference: ObjectSchema = {
  type: "object",
  required: ["name"],
  properties: {
    group: { type: "string", maxLength: 253, pattern: GROUP, default: "" },
    kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND, default: "Service" },
    name: { type: "string", minLength: 1, maxLength: 253 },
    namespace: { type: "string", minLength: 1, maxLength: 63, pattern: NAMESPACE },
    port: { type: "integer", minimum: 1, maximum: 65535 },
  },
  rules: [servicePortRule],
};

/** `BackendRef`: a BackendObjectReference with a weight and a fallback flag. */
export const weightedBackendReference: ObjectSchema = {
  ...backendObjectReference,
  properties: {
    ...backendObjectReference.properties,
    weight: { type: "integer", minimum: 0, maximum: 1000000, default: 1 },
    fallback: { type: "boolean" },
  },
};

/** S3 / S9: references stay inside the policy's namespace. */
export function namespaceForbiddenErrors(refPath: string, ref: unknown): ScopedFieldError[] {
  if (!has(ref, "namespace")) return [];
  return [fieldError.forbidden(child(refPath, "namespace"), "must not be set")];
}
