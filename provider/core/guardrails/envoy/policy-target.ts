import { fieldError, type ScopedFieldError } from "../../errors";
import { GROUP, KIND, PRECISE_HOSTNAME } from "../gatewayapi/patterns";
import { field, has, list, type CelRule, type ObjectSchema, type Schema } from "../gatewayapi/structural";
import { isObj, type Obj } from "../../json";

/**
 * How an Envoy Gateway policy names what it applies to: `targetRefs` (or the deprecated singular
 * `targetRef`) and label-based `targetSelectors`. The CRD schema and its spec-level CEL are shared
 * by SecurityPolicy and BackendTrafficPolicy (they differ only in the permitted target kinds); the
 * webhook rule S1/B1 is shared too.
 */

const GATEWAY_API_GROUP = "gateway.networking.k8s.io";

/** `LocalPolicyTargetReferenceWithSectionName`. */
export const policyTargetReference: ObjectSchema = {
  type: "object",
  required: ["group", "kind", "name"],
  properties: {
    group: { type: "string", maxLength: 253, pattern: GROUP },
    kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
    name: { type: "string", minLength: 1, maxLength: 253 },
    sectionName: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
  },
};

const labelSelectorRequirements: Schema = {
  type: "array",
  items: {
    type: "object",
    required: ["key", "operator"],
    properties: { key: { type: "string" }, operator: { type: "string" }, values: { type: "array", items: { type: "string" } } },
  },
};

const labelSelector: ObjectSchema = {
  type: "object",
  properties: { matchLabels: { type: "map", values: { type: "string" } }, matchExpressions: labelSelectorRequirements },
};

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

/** `TargetSelector`: kind plus labels, optionally across namespaces. */
export const policyTargetSelector: ObjectSchema = {
  type: "object",
  required: ["kind"],
  properties: {
    group: { type: "string", maxLength: 253, pattern: GROUP, default: GATEWAY_API_GROUP },
    kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
    matchLabels: { type: "map", values: { type: "string" } },
    matchExpressions: labelSelectorRequirements,
    namespaces: {
      type: "object",
      required: ["from"],
      properties: {
        from: { type: "string", enum: ["Same", "All", "Selector"], default: "Same" },
        selector: labelSelector,
      },
      rules: [rule("selector must be specified when from is Selector", (s) => s["from"] !== "Selector" || has(s, "selector"))],
    },
  },
  rules: [rule("group must be gateway.networking.k8s.io", (s) => !has(s, "group") || s["group"] === GATEWAY_API_GROUP)],
};

/** The spec properties every Envoy Gateway policy shares. */
export const policyTargetProperties: Readonly<Record<string, Schema>> = {
  targetRef: policyTargetReference,
  targetRefs: { type: "array", items: policyTargetReference },
  targetSelectors: { type: "array", items: policyTargetSelector },
};

/**
 * The spec-level CEL rules on targets. `kindsText` is how the CRD message spells the permitted kinds
 * (e.g. "Gateway/HTTPRoute/GRPCRoute/TCPRoute").
 */
export function policyTargetRules(kinds: readonly string[], kindsText: string): CelRule[] {
  const groupOk = (ref: unknown): boolean => field(ref, "group") === GATEWAY_API_GROUP;
  const kindOk = (ref: unknown): boolean => kinds.includes(String(field(ref, "kind")));
  return [
    rule(
      "either targetRef or targetRefs must be used",
      (s) =>
        (has(s, "targetRef") && !has(s, "targetRefs")) ||
        (!has(s, "targetRef") && has(s, "targetRefs")) ||
        (has(s, "targetSelectors") && list(s["targetSelectors"]).length > 0),
    ),
    rule("this policy can only have a targetRef.group of gateway.networking.k8s.io", (s) => !has(s, "targetRef") || groupOk(s["targetRef"])),
    rule(`this policy can only have a targetRef.kind of ${kindsText}`, (s) => !has(s, "targetRef") || kindOk(s["targetRef"])),
    rule("this policy can only have a targetRefs[*].group of gateway.networking.k8s.io", (s) => !has(s, "targetRefs") || list(s["targetRefs"]).every(groupOk)),
    rule(`this policy can only have a targetRefs[*].kind of ${kindsText}`, (s) => !has(s, "targetRefs") || list(s["targetRefs"]).every(kindOk)),
  ];
}

/** `mergeType` is shared by both policies; only the message names the kind. */
export function mergeTypeSchema(kindName: string): Schema {
  return {
    type: "string",
    rules: [{ message: `Replace is not a valid MergeType for ${kindName}`, holds: (self) => self !== "Replace" }],
  };
}

/** S1 / B1: the deprecated singular targetRef is rejected so every policy uses targetRefs or selectors. */
export function deprecatedTargetRefErrors(spec: Obj): ScopedFieldError[] {
  if (!has(spec, "targetRef")) return [];
  return [fieldError.forbidden("spec.targetRef", "deprecated field, use spec.targetRefs or spec.targetSelectors instead")];
}
