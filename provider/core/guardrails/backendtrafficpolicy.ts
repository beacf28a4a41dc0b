import type { GuardrailConfig } from "../config";
import { fieldError, type ScopedFieldError } from "../errors";
import { BACKEND_TRAFFIC_POLICY_API_VERSION } from "../models/backendtrafficpolicy";
import { child, index } from "../path";
import type { KindGuardrails } from "../validation/pipeline";
import { type Errors } from "../validation/schema";
import { clusterSettingsErrors, clusterSettingsProperties, clusterSettingsQuantityErrors, clusterSettingsQuantityTypeMismatch, clusterSettingsRules } from "./envoy/cluster-settings";
import { crdLayer } from "./envoy/crd-layer";
import { quantityFieldErrors, quantityTypeMismatch } from "./envoy/crd-quantity";
import { deprecatedTargetRefErrors, mergeTypeSchema, policyTargetProperties, policyTargetRules } from "./envoy/policy-target";
import { DURATION, GROUP, HEADER_NAME, KIND, PRECISE_HOSTNAME } from "./gatewayapi/patterns";
import { field, has, list, type CelRule, type IntegerSchema, type ObjectSchema, type Schema } from "./gatewayapi/structural";
import { isObj, type Obj } from "../json";

/**
 * BackendTrafficPolicy (`gateway.envoyproxy.io/v1alpha1`): Envoy Gateway's CRD (v1.8.1, the parts
 * tenants use) and NSO's webhook (docs/spec/guardrails.md §6, B1–B20). Cluster settings sit inline in the
 * spec, so the shared cluster-settings rules (B2–B17) are applied at `spec`; their limits come from
 * `gateway.extensionAPIValidationOptions.backendTrafficPolicies.ClusterSettings`.
 */

// ---------------------------------------------------------------------------------------------
// CRD schema and CEL
// ---------------------------------------------------------------------------------------------

const str: Schema = { type: "string" };
const duration: Schema = { type: "string", pattern: DURATION };
const int = (minimum?: number, maximum?: number, def?: number): IntegerSchema => ({
  type: "integer",
  ...(minimum !== undefined && { minimum }),
  ...(maximum !== undefined && { maximum }),
  ...(def !== undefined && { default: def }),
});

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

const clientSelector: ObjectSchema = {
  type: "object",
  properties: {
    headers: {
      type: "array",
      maxItems: 64,
      items: {
        type: "object",
        required: ["name"],
        properties: {
          name: { type: "string", minLength: 1, maxLength: 256 },
          type: { type: "string", enum: ["Exact", "RegularExpression", "Distinct"], default: "Exact" },
          value: { type: "string", maxLength: 1024 },
          invert: { type: "boolean", default: false },
        },
      },
    },
    methods: {
      type: "array",
      items: { type: "object", required: ["value"], properties: { value: { type: "string", enum: HTTP_METHODS }, invert: { type: "boolean", default: false } } },
    },
    path: {
      type: "object",
      required: ["value"],
      properties: {
        type: { type: "string", enum: ["Exact", "PathPrefix", "RegularExpression"], default: "PathPrefix" },
        value: { type: "string", maxLength: 1024, default: "/" },
        invert: { type: "boolean", default: false },
      },
    },
    sourceCIDR: { type: "object", properties: { type: { type: "string" }, value: str, invert: { type: "boolean" } } },
    queryParams: {
      type: "array",
      items: { type: "object", properties: { name: { type: "string", minLength: 1, maxLength: 256 }, type: str, value: str, invert: { type: "boolean" } } },
    },
  },
  rules: [
    rule(
      "at least one of headers, methods, path, sourceCIDR or queryParams must be specified",
      (s) => has(s, "headers") || has(s, "methods") || has(s, "path") || has(s, "sourceCIDR") || has(s, "queryParams"),
    ),
  ],
};

const rateLimitCost: ObjectSchema = {
  type: "object",
  properties: { from: str, number: int(), metadata: { type: "object", properties: { key: str, namespace: str } } },
  rules: [rule("only one of number or metadata can be specified", (s) => !(has(s, "number") && has(s, "metadata")))],
};

const rateLimitRule: ObjectSchema = {
  type: "object",
  required: ["limit"],
  properties: {
    clientSelectors: { type: "array", items: clientSelector },
    limit: {
      type: "object",
      required: ["requests", "unit"],
      properties: {
        requests: int(1, 4294967295),
        unit: { type: "string", enum: ["Second", "Minute", "Hour", "Day", "Month", "Year"] },
      },
    },
    cost: { type: "object", properties: { request: rateLimitCost, response: rateLimitCost } },
    shadowMode: { type: "boolean" },
    shared: { type: "boolean" },
    xRateLimitHeaders: str,
  },
};

const rateLimit: ObjectSchema = {
  type: "object",
  properties: {
    type: { type: "string", enum: ["Global", "Local"] },
    // B18's target; its shape is still checked by the CRD first.
    global: { type: "object", required: ["rules"], properties: { rules: { type: "array", maxItems: 256, items: rateLimitRule } } },
    local: {
      type: "object",
      properties: {
        rules: {
          type: "array",
          maxItems: 16,
          items: rateLimitRule,
          rules: [
            {
              message: "response cost is not supported for Local Rate Limits",
              holds: (self) => list(self).every((r) => !has(r, "cost") || !has(field(r, "cost"), "response")),
            },
          ],
        },
      },
    },
  },
};

const faultInjection: ObjectSchema = {
  type: "object",
  properties: {
    abort: {
      type: "object",
      // percentage is a float (default 100); the interpreter has no number type, so it is left open.
      properties: { grpcStatus: int(0, 16), httpStatus: int(200, 600), percentage: { type: "any" } },
      rules: [
        rule("httpStatus and grpcStatus cannot be simultaneously defined.", (s) => !(has(s, "httpStatus") && has(s, "grpcStatus"))),
        rule("httpStatus and grpcStatus are set at least one.", (s) => has(s, "httpStatus") || has(s, "grpcStatus")),
      ],
    },
    delay: { type: "object", required: ["fixedDelay"], properties: { fixedDelay: duration, percentage: { type: "any" } } },
  },
  rules: [rule("Delay and abort faults are set at least one.", (s) => has(s, "delay") || has(s, "abort"))],
};

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

const statusCodeMatch: ObjectSchema = {
  type: "object",
  required: ["type"],
  properties: {
    type: { type: "string", enum: ["Value", "Range"], default: "Value" },
    value: { type: "integer" },
    range: {
      type: "object",
      required: ["start", "end"],
      properties: { start: { type: "integer" }, end: { type: "integer" } },
      rules: [rule("end must be greater than start", (s) => typeof s["end"] !== "number" || typeof s["start"] !== "number" || s["end"] > s["start"])],
    },
  },
  rules: [
    rule("value must be set for type Value", (s) => !(!has(s, "type") || s["type"] === "Value") || has(s, "value")),
    rule("range must be set for type Range", (s) => s["type"] !== "Range" || has(s, "range")),
  ],
};

const responseBody: ObjectSchema = {
  type: "object",
  required: ["type"],
  properties: {
    type: { type: "string", enum: ["Inline", "ValueRef"], default: "Inline" },
    inline: str,
    valueRef: {
      type: "object",
      required: ["group", "kind", "name"],
      properties: {
        group: { type: "string", maxLength: 253, pattern: GROUP },
        kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
        name: { type: "string", minLength: 1, maxLength: 253 },
      },
    },
  },
  rules: [
    rule("inline must be set for type Inline", (s) => !(!has(s, "type") || s["type"] === "Inline") || has(s, "inline")),
    rule("valueRef must be set for type ValueRef", (s) => s["type"] !== "ValueRef" || has(s, "valueRef")),
    rule("only ConfigMap is supported for ValueRef", (s) => !has(s, "valueRef") || field(s["valueRef"], "kind") === "ConfigMap"),
  ],
};

const responseOverride: Schema = {
  type: "array",
  items: {
    type: "object",
    required: ["match"],
    properties: {
      match: { type: "object", required: ["statusCodes"], properties: { statusCodes: { type: "array", minItems: 1, maxItems: 50, items: statusCodeMatch } } },
      source: { type: "string", enum: ["All", "Local", "Backend"] },
      response: {
        type: "object",
        properties: {
          contentType: str,
          statusCode: { type: "integer" },
          body: responseBody,
          header: {
            type: "object",
            properties: { set: headerList, add: headerList, remove: { type: "array", maxItems: 16, listType: "set", items: str } },
            rules: [rule("Remove is not supported for header in CustomResponse", (s) => list(s["remove"]).length === 0)],
          },
        },
      },
      // B20's target; the CRD shapes it before NSO forbids it.
      redirect: {
        type: "object",
        properties: {
          scheme: { type: "string", enum: ["http", "https"] },
          hostname: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
          port: { type: "integer" },
          statusCode: { type: "integer", enum: [301, 302], default: 302 },
          path: {
            type: "object",
            required: ["type"],
            properties: {
              type: { type: "string", enum: ["ReplaceFullPath", "ReplacePrefixMatch"] },
              replaceFullPath: { type: "string", maxLength: 1024 },
              replacePrefixMatch: { type: "string", maxLength: 1024 },
            },
            rules: [
              rule("only ReplaceFullPath is supported for path.type", (s) => s["type"] === "ReplaceFullPath"),
              rule("replaceFullPath must be specified when type is set to 'ReplaceFullPath'", (s) => s["type"] !== "ReplaceFullPath" || has(s, "replaceFullPath")),
              rule("type must be 'ReplaceFullPath' when replaceFullPath is set", (s) => !has(s, "replaceFullPath") || s["type"] === "ReplaceFullPath"),
              rule("replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'", (s) => s["type"] !== "ReplacePrefixMatch" || has(s, "replacePrefixMatch")),
              rule("type must be 'ReplacePrefixMatch' when replacePrefixMatch is set", (s) => !has(s, "replacePrefixMatch") || s["type"] === "ReplacePrefixMatch"),
            ],
          },
        },
      },
    },
    rules: [rule("exactly one of response or redirect must be specified", (s) => has(s, "response") !== has(s, "redirect"))],
  },
};

const compression: Schema = {
  type: "array",
  items: {
    type: "object",
    required: ["type"],
    properties: {
      type: { type: "string", enum: ["Gzip", "Brotli", "Zstd"] },
      gzip: { type: "object", properties: {} },
      brotli: { type: "object", properties: {} },
      zstd: { type: "object", properties: {} },
      // An int-or-string quantity: see otherQuantities below.
      minContentLength: { type: "any" },
    },
  },
};

const BTP_TARGET_KINDS = ["Gateway", "HTTPRoute", "GRPCRoute", "UDPRoute", "TCPRoute", "TLSRoute"];

const spec: ObjectSchema = {
  type: "object",
  properties: {
    ...policyTargetProperties,
    ...clusterSettingsProperties,
    mergeType: mergeTypeSchema("BackendTrafficPolicySpec"),
    rateLimit,
    faultInjection,
    responseOverride,
    compression,
    compressor: compression,
    useClientProtocol: { type: "boolean" },
    // An int-or-string quantity: see otherQuantities below.
    requestBuffer: { type: "object", properties: { limit: { type: "any" } } },
    // Declared by Envoy Gateway v1.8.1's CRD; its constraints are not modelled, so nothing below it is unknown.
    admissionControl: { type: "object", properties: {}, preserveUnknownFields: true },
    bandwidthLimit: { type: "object", properties: {}, preserveUnknownFields: true },
    telemetry: { type: "object", properties: {}, preserveUnknownFields: true },
    routingType: str,
    httpUpgrade: {
      type: "array",
      items: {
        type: "object",
        required: ["type"],
        properties: { type: str, connect: { type: "object", properties: { terminate: { type: "boolean" } } } },
        rules: [rule("The connect configuration is only allowed when the type is CONNECT.", (s) => !has(s, "connect") || s["type"] === "CONNECT")],
      },
    },
  },
  rules: [
    ...policyTargetRules(BTP_TARGET_KINDS, "Gateway/HTTPRoute/GRPCRoute/TCPRoute/UDPRoute/TLSRoute"),
    rule("either compression or compressor can be set, not both", (s) => !has(s, "compression") || !has(s, "compressor")),
    rule("requestBuffer cannot be used together with httpUpgrade", (s) => !has(s, "requestBuffer") || !has(s, "httpUpgrade") || list(s["httpUpgrade"]).length === 0),
    ...clusterSettingsRules,
  ],
};

/** The int-or-string quantities outside the cluster settings, relative to `spec`. */
function otherQuantities(specValue: unknown): [string, unknown][] {
  const out: [string, unknown][] = [["spec.requestBuffer.limit", field(field(specValue, "requestBuffer"), "limit")]];
  for (const name of ["compression", "compressor"]) {
    list(field(specValue, name)).forEach((c, i) => out.push([child(index(child("spec", name), i), "minContentLength"), field(c, "minContentLength")]));
  }
  return out;
}

const crd = crdLayer(
  { type: "object", required: ["spec"], properties: { spec } },
  {
    schema(errs: Errors, obj) {
      const s = field(obj, "spec");
      clusterSettingsQuantityErrors(errs, "spec", s);
      for (const [path, v] of otherQuantities(s)) quantityFieldErrors(errs, path, v);
    },
    typeMismatch: (obj) => {
      const s = field(obj, "spec");
      return clusterSettingsQuantityTypeMismatch(s) || otherQuantities(s).some(([, v]) => quantityTypeMismatch(v));
    },
  },
);

// ---------------------------------------------------------------------------------------------
// NSO webhook (internal/validation/backendtrafficpolicy_validation.go)
// ---------------------------------------------------------------------------------------------

/** B18: global rate limits need the shared rate-limit service; local limits are per-proxy and fine. */
function rateLimitErrors(s: Obj): ScopedFieldError[] {
  return has(s["rateLimit"], "global") ? [fieldError.forbidden("spec.rateLimit.global", "global rate limits are not permitted")] : [];
}

/** B19. */
function faultInjectionErrors(s: Obj): ScopedFieldError[] {
  return has(s, "faultInjection") ? [fieldError.forbidden("spec.faultInjection", "fault injection is not permitted")] : [];
}

/** B20: a redirect override could send clients anywhere on the tenant's behalf. */
function responseOverrideErrors(s: Obj): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  list(s["responseOverride"]).forEach((o, i) => {
    if (has(o, "redirect")) errs.push(fieldError.forbidden(child(index("spec.responseOverride", i), "redirect"), "response redirects are not permitted"));
  });
  return errs;
}

function webhook(obj: Obj, config: GuardrailConfig): ScopedFieldError[] {
  const s = obj["spec"];
  if (!isObj(s)) return [];
  const limits = config.gateway.extensionAPIValidationOptions.backendTrafficPolicies.ClusterSettings;
  return [
    ...deprecatedTargetRefErrors(s),
    ...clusterSettingsErrors("spec", s, limits),
    ...rateLimitErrors(s),
    ...faultInjectionErrors(s),
    ...responseOverrideErrors(s),
  ];
}

export const backendTrafficPolicyGuardrails: KindGuardrails = {
  kind: "BackendTrafficPolicy",
  apiVersions: [BACKEND_TRAFFIC_POLICY_API_VERSION],
  defaults: crd.defaults,
  schema: crd.schema,
  cel: crd.cel,
  undeclared: crd.undeclared,
  webhook: (obj, ctx) => webhook(obj, ctx.config),
  webhookOnUpdate: true,
};
