import { GROUP, KIND, NAMESPACE } from "./patterns";
import * as structural from "./structural";
import type { CelRule, ObjectSchema, Schema } from "./structural";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which on paths run per node or per rule costs more than the work.
const { field, has } = structural;

/** Gateway API object references as the CRDs declare them. */

export const PORT_NUMBER: Schema = { type: "integer", minimum: 1, maximum: 65535 };

/** A Service reference (group "" + kind Service, the defaults) has no implied port. */
const SERVICE_NEEDS_PORT: CelRule = {
  message: "Must have port for Service reference",
  holds: (self) => !(String(field(self, "group")).length === 0 && field(self, "kind") === "Service") || has(self, "port"),
};

/** `BackendObjectReference` (mirror / external-auth / route backends): group "" and kind Service by default. */
export function backendObjectReferenceProperties(): Record<string, Schema> {
  return {
    group: { type: "string", default: "", maxLength: 253, pattern: GROUP },
    kind: { type: "string", default: "Service", minLength: 1, maxLength: 63, pattern: KIND },
    name: { type: "string", minLength: 1, maxLength: 253 },
    namespace: { type: "string", minLength: 1, maxLength: 63, pattern: NAMESPACE },
    port: PORT_NUMBER,
  };
}

export const BACKEND_OBJECT_REFERENCE: ObjectSchema = {
  type: "object",
  required: ["name"],
  properties: backendObjectReferenceProperties(),
  rules: [SERVICE_NEEDS_PORT],
};

export { SERVICE_NEEDS_PORT };

/** `LocalObjectReference` (filter extensionRef): all three fields required (C25). */
export const LOCAL_OBJECT_REFERENCE: ObjectSchema = {
  type: "object",
  required: ["group", "kind", "name"],
  properties: {
    group: { type: "string", maxLength: 253, pattern: GROUP },
    kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
    name: { type: "string", minLength: 1, maxLength: 253 },
  },
};
