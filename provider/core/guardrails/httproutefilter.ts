import type { GuardrailConfig } from "../config";
import { fieldError, type ScopedFieldError } from "../errors";
import { HTTP_ROUTE_FILTER_API_VERSION } from "../models/httproutefilter";
import { byteLength } from "../validation/names";
import type { KindGuardrails } from "../validation/pipeline";
import { crdLayer } from "./envoy/crd-layer";
import { GROUP, HEADER_NAME, KIND, NAMESPACE } from "./gatewayapi/patterns";
import { field, has, list, type CelRule, type ObjectSchema, type Schema } from "./gatewayapi/structural";
import { isObj, type Obj } from "../json";

/**
 * HTTPRouteFilter (`gateway.envoyproxy.io/v1alpha1`): Envoy Gateway's CRD (v1.8.1) and NSO's webhook
 * (docs/spec/guardrails.md §7, F1). HTTPProxy rules reference these filters through ExtensionRef.
 */

// ---------------------------------------------------------------------------------------------
// CRD schema and CEL
// ---------------------------------------------------------------------------------------------

const str: Schema = { type: "string" };

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

const headerList: Schema = {
  type: "array",
  maxItems: 16,
  listType: "map",
  mapKeys: ["name"],
  items: {
    type: "object",
    required: ["name", "value"],
    properties: { name: { type: "string", minLength: 1, maxLength: 256, pattern: HEADER_NAME }, value: { type: "string", minLength: 1, maxLength: 4096 } },
  },
};

const localObjectReference: ObjectSchema = {
  type: "object",
  required: ["group", "kind", "name"],
  properties: {
    group: { type: "string", maxLength: 253, pattern: GROUP },
    kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
    name: { type: "string", minLength: 1, maxLength: 253 },
  },
};

const directResponse: ObjectSchema = {
  type: "object",
  properties: {
    contentType: str,
    statusCode: { type: "integer" },
    body: {
      type: "object",
      required: ["type"],
      properties: {
        type: { type: "string", enum: ["Inline", "ValueRef"], default: "Inline" },
        inline: str,
        valueRef: localObjectReference,
      },
      rules: [
        rule("inline must be set for type Inline", (s) => !(!has(s, "type") || s["type"] === "Inline") || has(s, "inline")),
        rule("valueRef must be set for type ValueRef", (s) => s["type"] !== "ValueRef" || has(s, "valueRef")),
        rule("only ConfigMap is supported for ValueRef", (s) => !has(s, "valueRef") || field(s["valueRef"], "kind") === "ConfigMap"),
      ],
    },
    header: {
      type: "object",
      properties: { set: headerList, add: headerList, remove: { type: "array", maxItems: 16, listType: "set", items: str } },
      rules: [rule("header.remove is not supported for DirectResponse", (s) => list(s["remove"]).length === 0)],
    },
  },
};

const urlRewrite: ObjectSchema = {
  type: "object",
  properties: {
    appendXForwardedHost: { type: "boolean" },
    hostname: {
      type: "object",
      required: ["type"],
      properties: { type: { type: "string", enum: ["Header", "Backend"] }, header: str },
      rules: [
        rule("header must be nil if the type is not Header", (s) => !(has(s, "header") && s["type"] !== "Header")),
        rule("header must be specified for Header type", (s) => !(!has(s, "header") && s["type"] === "Header")),
      ],
    },
    path: {
      type: "object",
      required: ["type"],
      properties: {
        type: { type: "string", enum: ["ReplaceRegexMatch"] },
        replaceRegexMatch: {
          type: "object",
          required: ["pattern", "substitution"],
          properties: { pattern: { type: "string", minLength: 1 }, substitution: str },
        },
      },
      rules: [
        rule(
          "If HTTPPathModifier type is ReplaceRegexMatch, replaceRegexMatch field needs to be set.",
          (s) => (s["type"] === "ReplaceRegexMatch") === has(s, "replaceRegexMatch"),
        ),
      ],
    },
  },
};

const credentialInjection: ObjectSchema = {
  type: "object",
  required: ["credential"],
  properties: {
    header: str,
    overwrite: { type: "boolean" },
    credential: {
      type: "object",
      required: ["valueRef"],
      properties: {
        valueRef: {
          type: "object",
          required: ["name"],
          properties: {
            group: { type: "string", maxLength: 253, pattern: GROUP, default: "" },
            kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND, default: "Secret" },
            name: { type: "string", minLength: 1, maxLength: 253 },
            namespace: { type: "string", minLength: 1, maxLength: 63, pattern: NAMESPACE },
          },
        },
      },
    },
  },
};

const matches: Schema = {
  type: "array",
  maxItems: 8,
  items: {
    type: "object",
    properties: {
      cookies: {
        type: "array",
        minItems: 1,
        maxItems: 16,
        items: {
          type: "object",
          required: ["name", "value"],
          properties: {
            name: { type: "string", minLength: 1, maxLength: 256 },
            type: { type: "string", enum: ["Exact", "RegularExpression"], default: "Exact" },
            value: { type: "string", minLength: 1, maxLength: 4096 },
          },
        },
      },
    },
  },
};

const crd = crdLayer({
  type: "object",
  required: ["spec"],
  properties: { spec: { type: "object", properties: { directResponse, urlRewrite, credentialInjection, matches } } },
});

// ---------------------------------------------------------------------------------------------
// NSO webhook (internal/validation/httproutefilter_validation.go)
// ---------------------------------------------------------------------------------------------

/** F1: inline bodies are stored in the shared proxy configuration, so their size is capped (Go len(): bytes). */
function inlineBodyErrors(obj: Obj, config: GuardrailConfig): ScopedFieldError[] {
  const inline = field(field(field(obj["spec"], "directResponse"), "body"), "inline");
  const max = config.gateway.extensionAPIValidationOptions.httpRouteFilters.MaxInlineBodySize;
  if (typeof inline !== "string" || byteLength(inline) <= max) return [];
  return [fieldError.tooLong("spec.directResponse.body.inline", max)];
}

export const httpRouteFilterGuardrails: KindGuardrails = {
  kind: "HTTPRouteFilter",
  apiVersions: [HTTP_ROUTE_FILTER_API_VERSION],
  defaults: crd.defaults,
  schema: crd.schema,
  cel: crd.cel,
  undeclared: crd.undeclared,
  webhook: (obj, ctx) => inlineBodyErrors(obj, ctx.config),
  webhookOnUpdate: true,
};
