import { fieldError, type ScopedFieldError } from "../errors";
import { GRPCPROXY_API_VERSION } from "../models/grpcproxy";
import { child, index, key } from "../path";
import { parseGoURL, parseIP, urlHostname } from "../validation/network";
import { programmableHostnameErrors } from "../validation/names";
import type { AdmissionContext, KindGuardrails } from "../validation/pipeline";
import { crdLayer } from "./gatewayapi/crd";
import { httpRouteFilterSchema, payloadRules } from "./gatewayapi/filters";
import { GATEWAY_API_V1_5_FLAVOUR, HTTPPROXY_FLAVOUR } from "./gatewayapi/flavour";
import { httpRouteMatchSchema } from "./gatewayapi/match";
import { RULE_NAME, TOTAL_MATCHES, UNIQUE_RULE_NAMES } from "./gatewayapi/rules";
import { field, has, list, re, type CelRule, type ObjectSchema, type Schema } from "./gatewayapi/structural";
import { PROXY_HOSTNAMES } from "./httpproxy/schema";
import { endpointErrors, hostnameErrors, nameErrors } from "./httpproxy/webhook";
import { isObj, type Obj } from "../json";

/**
 * GRPCProxy (beyond NSO, issue #16): off unless `guardrails.extensions.grpcProxy` is on. Its schema
 * mirrors HTTPProxy's limits (≤16 hostnames, 1..16 rules, ≤64 matches per rule and ≤128 in all,
 * one backend per rule) and the GRPCRoute CRD (Gateway API v1.5.1) it renders to: method matches
 * with their CEL, header matches, header modifier filters. Its webhook runs HTTPProxy's hostname,
 * name and endpoint rules with the gRPC schemes.
 */

/** The capability's switch, named in the refusal. */
export const GRPCPROXY_SWITCH = "guardrails.extensions.grpcProxy";

export const GRPC_SCHEMES = { plain: "grpc", tls: "grpcs" } as const;

const SERVICE = re("^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$", /^\.?[a-z_][a-z_0-9]*(?:\.[a-z_][a-z_0-9]*)*$/i);
const METHOD = re("^[A-Za-z_][A-Za-z_0-9]*$");

/** A GRPCRoute CEL rule that only applies to Exact matches of a present field. */
function exactRule(name: "service" | "method", pattern: typeof SERVICE): CelRule {
  return {
    message: `${name} must only contain valid characters (matching ${pattern.source})`,
    holds: (self) => {
      const type = field(self, "type");
      if ((type !== undefined && type !== "Exact") || !has(self, name)) return true;
      return pattern.re.test(String(field(self, name)));
    },
  };
}

const METHOD_MATCH: ObjectSchema = {
  type: "object",
  properties: {
    type: { type: "string", default: "Exact", enum: ["Exact", "RegularExpression"] },
    service: { type: "string", maxLength: 1024 },
    method: { type: "string", maxLength: 1024 },
  },
  rules: [
    { message: "One or both of 'service' or 'method' must be specified", holds: (self) => !has(self, "type") || has(self, "service") || has(self, "method") },
    exactRule("service", SERVICE),
    exactRule("method", METHOD),
  ],
};

const MATCH: ObjectSchema = {
  type: "object",
  properties: {
    method: METHOD_MATCH,
    // GRPCRoute's header match is HTTPRoute's without the value pattern, as in NSO's HTTPProxy copy.
    headers: httpRouteMatchSchema(HTTPPROXY_FLAVOUR).properties["headers"] as Schema,
  },
};

const HEADER_MODIFIER = httpRouteFilterSchema(GATEWAY_API_V1_5_FLAVOUR).properties["requestHeaderModifier"] as Schema;
const FILTER_TYPES = ["RequestHeaderModifier", "ResponseHeaderModifier"] as const;

const FILTERS: Schema = {
  type: "array",
  maxItems: 16,
  items: {
    type: "object",
    required: ["type"],
    properties: { type: { type: "string", enum: FILTER_TYPES }, requestHeaderModifier: HEADER_MODIFIER, responseHeaderModifier: HEADER_MODIFIER },
    rules: [...payloadRules("RequestHeaderModifier", "requestHeaderModifier"), ...payloadRules("ResponseHeaderModifier", "responseHeaderModifier")],
  },
  rules: FILTER_TYPES.map((type): CelRule => ({ message: `${type} filter cannot be repeated`, holds: (self) => list(self).filter((f) => field(f, "type") === type).length <= 1 })),
};

const BACKEND: ObjectSchema = {
  type: "object",
  required: ["endpoint"],
  properties: {
    // Endpoint syntax is the webhook's (HTTPProxy's W9–W18 with the gRPC schemes).
    endpoint: { type: "string" },
    tls: { type: "object", properties: { hostname: { type: "string", minLength: 1, maxLength: 253 } } },
    // Declared so that the webhook can say why it is refused (see connectorErrors), not "unknown field".
    connector: { type: "object", properties: { name: { type: "string" } } },
  },
};

const RULE: ObjectSchema = {
  type: "object",
  required: ["backends"],
  properties: {
    name: RULE_NAME,
    matches: { type: "array", maxItems: 64, items: MATCH },
    filters: FILTERS,
    backends: { type: "array", minItems: 1, maxItems: 1, items: BACKEND },
  },
};

export const GRPCPROXY_SCHEMA: ObjectSchema = {
  type: "object",
  required: ["spec"],
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object", properties: {} },
    spec: {
      type: "object",
      required: ["rules"],
      properties: {
        hostnames: PROXY_HOSTNAMES,
        rules: { type: "array", minItems: 1, maxItems: 16, items: RULE, rules: [UNIQUE_RULE_NAMES, TOTAL_MATCHES] },
      },
    },
  },
};

/** Off by default: the refusal names the switch, so the fix is one setting away. */
function gate(obj: Obj, ctx: AdmissionContext): { object: Obj; errors: ScopedFieldError[] } {
  if (ctx.config.extensions.grpcProxy) return { object: obj, errors: [] };
  const detail =
    "GRPCProxy is a beyond-NSO capability and is off by default; enable it per provider with `pulumi config set --path 'datum:extensions.grpcProxy' true` " +
    `(or extensions: {grpcProxy: true} on the Provider / in the CLI --config file; the same switch as ${GRPCPROXY_SWITCH})`;
  return { object: obj, errors: [fieldError.forbidden("kind", detail)] };
}

/**
 * Connector backends are refused: the connector tunnel is an EnvoyPatchPolicy written against the
 * clusters and route configuration Envoy Gateway generates for HTTPRoutes (render/connector.ts),
 * which a GRPCRoute's clusters do not match, so the tunnel would never carry the calls.
 */
function connectorErrors(backend: Obj, path: string): ScopedFieldError[] {
  if (!has(backend, "connector")) return [];
  return [fieldError.forbidden(child(path, "connector"), "connector backends are not supported on GRPCProxy yet (the tunnel is patched onto HTTPRoute clusters only); use an HTTPProxy for a connector, or a grpc:// / grpcs:// endpoint Envoy can reach")];
}

/** gRPC carries the authority in `:authority`; a Host header modifier cannot rewrite it, so it is refused rather than silently ignored. */
function authorityErrors(filters: unknown, path: string): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  list(filters).forEach((f, i) => {
    const mod = field(f, "requestHeaderModifier");
    for (const op of ["set", "add"] as const) {
      list(field(mod, op)).forEach((h, j) => {
        if (String(field(h, "name")).toLowerCase() !== "host") return;
        const at = child(index(child(child(index(path, i), "requestHeaderModifier"), op), j), "name");
        errs.push(fieldError.forbidden(at, "a GRPCProxy cannot rewrite the request's authority (Host); remove this header"));
      });
    }
  });
  return errs;
}

/**
 * A trailing dot NSO's FQDN rule lets through would reach the BackendTLSPolicy's
 * validation.hostname (a PreciseHostname) and the EndpointSlice: refused here, before any write.
 */
function trailingDotErrors(backend: Obj, path: string): ScopedFieldError[] {
  const parsed = typeof backend["endpoint"] === "string" ? parseGoURL(backend["endpoint"]) : undefined;
  const host = parsed?.ok ? urlHostname(parsed.url) : "";
  if (!host.endsWith(".") || parseIP(host)) return [];
  return [fieldError.invalid(key(child(path, "endpoint"), "host"), host, `write the host without the trailing dot (${JSON.stringify(host.replace(/\.+$/, ""))})`)];
}

function backendErrors(backend: unknown, path: string): ScopedFieldError[] {
  if (!isObj(backend)) return [];
  const errs = [...endpointErrors(backend, path, undefined, GRPC_SCHEMES), ...trailingDotErrors(backend, path), ...connectorErrors(backend, path)];
  const tlsHostname = field(backend["tls"], "hostname");
  if (typeof tlsHostname === "string" && tlsHostname !== "") errs.push(...programmableHostnameErrors(child(child(path, "tls"), "hostname"), tlsHostname));
  return errs;
}

function webhook(obj: Obj): ScopedFieldError[] {
  const spec = isObj(obj["spec"]) ? obj["spec"] : {};
  const errs: ScopedFieldError[] = [...hostnameErrors(spec["hostnames"]), ...nameErrors(obj)];
  list(spec["rules"]).forEach((r, i) => {
    const path = index("spec.rules", i);
    errs.push(...authorityErrors(field(r, "filters"), child(path, "filters")));
    list(field(r, "backends")).forEach((b, j) => errs.push(...backendErrors(b, index(child(path, "backends"), j))));
  });
  return errs;
}

export const grpcProxyGuardrails: KindGuardrails = {
  kind: "GRPCProxy",
  apiVersions: [GRPCPROXY_API_VERSION],
  mutate: gate,
  ...crdLayer(GRPCPROXY_SCHEMA),
  webhook,
  webhookOnUpdate: true,
};
