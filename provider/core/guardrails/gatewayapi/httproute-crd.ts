import { parseGoDuration } from "../../validation/duration";
import { GATEWAY_API_V1_5_FLAVOUR } from "./flavour";
import { httpRouteFiltersSchema } from "./filters";
import { httpRouteMatchesSchema } from "./match";
import { DURATION, GROUP, HOSTNAME, KIND, NAMESPACE, PRECISE_HOSTNAME } from "./patterns";
import { PORT_NUMBER, SERVICE_NEEDS_PORT, backendObjectReferenceProperties } from "./refs";
import { RULE_NAME, TOTAL_MATCHES, UNIQUE_RULE_NAMES, routeRuleRules } from "./rules";
import { existsOne, field, has, list, type CelOutcome, type CelRule, type ObjectSchema, type Schema } from "./structural";

/**
 * The upstream HTTPRoute CRD (Gateway API v1.5.1, experimental channel), with its defaults: a
 * missing backendRef group/kind becomes ""/Service, a missing rule list one `PathPrefix /` rule.
 */

const FLAVOUR = GATEWAY_API_V1_5_FLAVOUR;
const FILTERS = httpRouteFiltersSchema(FLAVOUR);

/** Empty and absent mean the same for a parentRef's namespace, sectionName and port. */
function unset(p: unknown, k: string): boolean {
  const v = field(p, k);
  return !has(p, k) || v === "" || v === 0;
}

function sameParent(p1: unknown, p2: unknown): boolean {
  const sameNamespace =
    (unset(p1, "namespace") && unset(p2, "namespace")) || (has(p1, "namespace") && has(p2, "namespace") && field(p1, "namespace") === field(p2, "namespace"));
  return field(p1, "group") === field(p2, "group") && field(p1, "kind") === field(p2, "kind") && field(p1, "name") === field(p2, "name") && sameNamespace;
}

function sameOptional(p1: unknown, p2: unknown, k: string): boolean {
  return (unset(p1, k) && unset(p2, k)) || (has(p1, k) && has(p2, k) && field(p1, k) === field(p2, k));
}

const PARENT_REFS: Schema = {
  type: "array",
  maxItems: 32,
  items: {
    type: "object",
    required: ["name"],
    properties: {
      group: { type: "string", default: "gateway.networking.k8s.io", maxLength: 253, pattern: GROUP },
      kind: { type: "string", default: "Gateway", minLength: 1, maxLength: 63, pattern: KIND },
      name: { type: "string", minLength: 1, maxLength: 253 },
      namespace: { type: "string", minLength: 1, maxLength: 63, pattern: NAMESPACE },
      port: PORT_NUMBER,
      sectionName: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
    },
  },
  rules: [
    {
      message: "sectionName or port must be specified when parentRefs includes 2 or more references to the same parent",
      holds: (self) =>
        list(self).every((p1) =>
          list(self).every(
            (p2) => !sameParent(p1, p2) || (unset(p1, "sectionName") === unset(p2, "sectionName") && unset(p1, "port") === unset(p2, "port")),
          ),
        ),
    },
    {
      message: "sectionName or port must be unique when parentRefs includes 2 or more references to the same parent",
      holds: (self) =>
        list(self).every((p1) =>
          existsOne(list(self), (p2) => sameParent(p1, p2) && sameOptional(p1, p2, "sectionName") && sameOptional(p1, p2, "port")),
        ),
    },
  ],
};

export const DURATION_STRING: Schema = { type: "string", pattern: DURATION };

/** CEL `duration(s)`: nanoseconds, or the evaluation error for a string Go cannot parse. */
function celDuration(v: unknown): bigint | { evalError: string } {
  const d = parseGoDuration(String(v));
  return d.ok ? d.nanos : { evalError: `type conversion error from 'string' to 'google.protobuf.Duration'` };
}

export const BACKEND_REQUEST_WITHIN_REQUEST: CelRule = {
  message: "backendRequest timeout cannot be longer than request timeout",
  holds(self): CelOutcome {
    if (!has(self, "request") || !has(self, "backendRequest")) return true;
    const request = celDuration(field(self, "request"));
    if (typeof request !== "bigint") return request;
    if (request === 0n) return true;
    const backendRequest = celDuration(field(self, "backendRequest"));
    if (typeof backendRequest !== "bigint") return backendRequest;
    return backendRequest <= request;
  },
};

const SESSION_PERSISTENCE: ObjectSchema = {
  type: "object",
  properties: {
    sessionName: { type: "string", maxLength: 128 },
    absoluteTimeout: DURATION_STRING,
    idleTimeout: DURATION_STRING,
    type: { type: "string", default: "Cookie", enum: ["Cookie", "Header"] },
    cookieConfig: {
      type: "object",
      properties: { lifetimeType: { type: "string", default: "Session", enum: ["Permanent", "Session"] } },
    },
  },
  rules: [
    {
      message: "AbsoluteTimeout must be specified when cookie lifetimeType is Permanent",
      holds: (self) => {
        const cookie = field(self, "cookieConfig");
        return !has(self, "cookieConfig") || !has(cookie, "lifetimeType") || field(cookie, "lifetimeType") !== "Permanent" || has(self, "absoluteTimeout");
      },
    },
    {
      message: "cookieConfig can only be set with type Cookie",
      holds: (self) => !has(self, "cookieConfig") || field(self, "type") === "Cookie",
    },
  ],
};

const BACKEND_REF: ObjectSchema = {
  type: "object",
  required: ["name"],
  properties: {
    ...backendObjectReferenceProperties(),
    weight: { type: "integer", default: 1, minimum: 0, maximum: 1000000 },
    filters: FILTERS,
  },
  rules: [SERVICE_NEEDS_PORT],
};

const RULE: ObjectSchema = {
  type: "object",
  properties: {
    name: RULE_NAME,
    matches: httpRouteMatchesSchema(FLAVOUR),
    filters: FILTERS,
    backendRefs: { type: "array", maxItems: 16, items: BACKEND_REF },
    timeouts: {
      type: "object",
      properties: { request: DURATION_STRING, backendRequest: DURATION_STRING },
      rules: [BACKEND_REQUEST_WITHIN_REQUEST],
    },
    retry: {
      type: "object",
      properties: {
        attempts: { type: "integer" },
        backoff: DURATION_STRING,
        codes: { type: "array", items: { type: "integer", minimum: 400, maximum: 599 } },
      },
    },
    sessionPersistence: SESSION_PERSISTENCE,
  },
  rules: routeRuleRules("backendRefs"),
};

export const HTTPROUTE_SCHEMA: ObjectSchema = {
  type: "object",
  required: ["spec"],
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object", properties: {} },
    spec: {
      type: "object",
      properties: {
        parentRefs: PARENT_REFS,
        hostnames: { type: "array", maxItems: 16, items: { type: "string", minLength: 1, maxLength: 253, pattern: HOSTNAME } },
        rules: {
          type: "array",
          default: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }] }],
          minItems: 1,
          maxItems: 16,
          items: RULE,
          rules: [TOTAL_MATCHES, UNIQUE_RULE_NAMES],
        },
        useDefaultGateways: { type: "string", enum: ["All", "None"] },
      },
    },
  },
};
