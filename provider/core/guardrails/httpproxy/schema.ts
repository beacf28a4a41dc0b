import { HTTPPROXY_FLAVOUR } from "../gatewayapi/flavour";
import { httpRouteFiltersSchema } from "../gatewayapi/filters";
import { httpRouteMatchesSchema } from "../gatewayapi/match";
import { HOSTNAME } from "../gatewayapi/patterns";
import { PORT_NUMBER } from "../gatewayapi/refs";
import { RULE_NAME, TOTAL_MATCHES, UNIQUE_RULE_NAMES, routeRuleRules } from "../gatewayapi/rules";
import * as structural from "../gatewayapi/structural";
import type { ObjectSchema, Schema } from "../gatewayapi/structural";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which on paths run per node or per rule costs more than the work.
const { has } = structural;

/**
 * NSO's HTTPProxy CRD (`networking.datumapis.com_httpproxies.yaml`): OpenAPI constraints, defaults
 * and CEL, docs/spec/guardrails.md §1.1 (C1–C31). Not configurable: it is compiled into the CRD.
 */

const FILTERS = httpRouteFiltersSchema(HTTPPROXY_FLAVOUR);

/**
 * What the beyond-NSO switches add to NSO's schema (issue #16, httpproxy/extensions.ts): properties
 * of a rule and of a backend, and the most backends a rule may have. Empty: NSO's schema exactly.
 */
export interface SchemaAdditions {
  rule?: Readonly<Record<string, Schema>>;
  backend?: Readonly<Record<string, Schema>>;
  maxBackends?: number;
}

const backendSchema = (extra: SchemaAdditions["backend"]): ObjectSchema => ({
  type: "object",
  properties: {
    ...extra,
    // Endpoint syntax is webhook-only (W9–W18).
    endpoint: { type: "string" },
    // C29
    connector: { type: "object", required: ["name"], properties: { name: { type: "string" } } },
    // C30
    instance: { type: "object", required: ["name", "port"], properties: { name: { type: "string" }, port: PORT_NUMBER } },
    // C31: length only; hostname syntax is webhook-only (W19).
    tls: { type: "object", properties: { hostname: { type: "string", minLength: 1, maxLength: 253 } } },
    // C14–C26
    filters: FILTERS,
  },
  rules: [
    {
      id: "C28",
      message: "endpoint is required unless instance is set, and instance is mutually exclusive with endpoint and connector",
      holds: (self) => (has(self, "instance") ? !has(self, "endpoint") && !has(self, "connector") : has(self, "endpoint")),
    },
  ],
});

const ruleSchema = (add: SchemaAdditions): ObjectSchema => ({
  type: "object",
  properties: {
    ...add.rule,
    // C7
    name: RULE_NAME,
    // C8–C13
    matches: httpRouteMatchesSchema(HTTPPROXY_FLAVOUR),
    // C14–C26
    filters: FILTERS,
    // C27
    backends: { type: "array", minItems: 0, maxItems: add.maxBackends ?? 1, items: backendSchema(add.backend) },
  },
  // C22, C23
  rules: routeRuleRules("backends"),
});

/** C2, C3: at most 16 custom hostnames (GRPCProxy has the same limit). */
export const PROXY_HOSTNAMES: Schema = { type: "array", maxItems: 16, items: { type: "string", minLength: 1, maxLength: 253, pattern: HOSTNAME } };

/** NSO's schema plus what the enabled extensions add. */
export const httpProxySchema = (add: SchemaAdditions): ObjectSchema => ({
  type: "object",
  // C1
  required: ["spec"],
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object", properties: {} },
    spec: {
      type: "object",
      // C1
      required: ["rules"],
      properties: {
        // C2, C3
        hostnames: PROXY_HOSTNAMES,
        // C4–C6
        rules: { type: "array", minItems: 1, maxItems: 16, items: ruleSchema(add), rules: [UNIQUE_RULE_NAMES, TOTAL_MATCHES] },
      },
    },
  },
});

export const HTTPPROXY_SCHEMA: ObjectSchema = httpProxySchema({});
