import { httpMethods } from "../../models/gatewayapi";
import type { GatewayAPIFlavour } from "./flavour";
import { CORS_ORIGIN, HEADER_NAME, HEADER_VALUE, PATH_CHARS, PRECISE_HOSTNAME } from "./patterns";
import { BACKEND_OBJECT_REFERENCE, LOCAL_OBJECT_REFERENCE, PORT_NUMBER } from "./refs";
import * as structural from "./structural";
import type { ArraySchema, CelRule, ObjectSchema, Schema } from "./structural";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which on paths run per node or per rule costs more than the work.
const { field, has, list } = structural;

/** Gateway API `HTTPRouteFilter` and filter lists as the CRDs declare them (docs/spec/guardrails.md C14–C26). */

// C19: header modifier `set`/`add` are list-maps keyed by name (≤16); `remove` is a set (≤16).
function headerList(flavour: GatewayAPIFlavour): ArraySchema {
  return {
    type: "array",
    maxItems: 16,
    listType: "map",
    mapKeys: ["name"],
    items: {
      type: "object",
      required: ["name", "value"],
      properties: {
        name: { type: "string", minLength: 1, maxLength: 256, pattern: HEADER_NAME },
        value: { type: "string", minLength: 1, maxLength: 4096, ...(flavour.headerValuePattern && { pattern: HEADER_VALUE }) },
      },
    },
  };
}

function headerModifier(flavour: GatewayAPIFlavour): ObjectSchema {
  return {
    type: "object",
    properties: {
      set: headerList(flavour),
      add: headerList(flavour),
      remove: { type: "array", maxItems: 16, listType: "set", items: { type: "string" } },
    },
  };
}

/** The CRD's rule pair: `type == T` needs field F, and F needs `type == T`. */
function typedValueRules(type: string, valueField: string): CelRule[] {
  return [
    {
      id: "C20",
      message: `${valueField} must be specified when type is set to '${type}'`,
      holds: (self) => field(self, "type") !== type || has(self, valueField),
    },
    {
      id: "C20",
      message: `type must be '${type}' when ${valueField} is set`,
      holds: (self) => !has(self, valueField) || field(self, "type") === type,
    },
  ];
}

// C20/C21: `HTTPPathModifier` of redirects and rewrites.
const PATH_MODIFIER: ObjectSchema = {
  type: "object",
  required: ["type"],
  properties: {
    type: { type: "string", enum: ["ReplaceFullPath", "ReplacePrefixMatch"] },
    replaceFullPath: { type: "string", maxLength: 1024 },
    replacePrefixMatch: { type: "string", maxLength: 1024 },
  },
  rules: [...typedValueRules("ReplaceFullPath", "replaceFullPath"), ...typedValueRules("ReplacePrefixMatch", "replacePrefixMatch")],
};

// C20: RequestRedirect.
const REQUEST_REDIRECT: ObjectSchema = {
  type: "object",
  properties: {
    scheme: { type: "string", enum: ["http", "https"] },
    hostname: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
    path: PATH_MODIFIER,
    port: PORT_NUMBER,
    statusCode: { type: "integer", default: 302, enum: [301, 302, 303, 307, 308] },
  },
};

// C21: URLRewrite (the schema checks the hostname; Host *header* values are webhook-only).
const URL_REWRITE: ObjectSchema = {
  type: "object",
  properties: {
    hostname: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
    path: PATH_MODIFIER,
  },
};

// C26: RequestMirror — percent or fraction, not both; numerator ≤ denominator (default 100).
const REQUEST_MIRROR: ObjectSchema = {
  type: "object",
  required: ["backendRef"],
  properties: {
    backendRef: BACKEND_OBJECT_REFERENCE,
    percent: { type: "integer", minimum: 0, maximum: 100 },
    fraction: {
      type: "object",
      required: ["numerator"],
      properties: {
        numerator: { type: "integer", minimum: 0 },
        denominator: { type: "integer", default: 100, minimum: 1 },
      },
      rules: [
        {
          id: "C26",
          message: "numerator must be less than or equal to denominator",
          holds: (self) => Number(field(self, "numerator")) <= Number(field(self, "denominator")),
        },
      ],
    },
  },
  rules: [
    {
      id: "C26",
      message: "Only one of percent or fraction may be specified in HTTPRequestMirrorFilter",
      holds: (self) => !(has(self, "percent") && has(self, "fraction")),
    },
  ],
};

/** C24: a `*` entry must stand alone. */
function wildcardAlone(message: string): CelRule {
  return { id: "C24", message, holds: (self) => !(list(self).includes("*") && list(self).length > 1) };
}

const HEADER_NAMES: Schema = { type: "string", minLength: 1, maxLength: 256, pattern: HEADER_NAME };

// C24: CORS.
const CORS: ObjectSchema = {
  type: "object",
  properties: {
    allowOrigins: {
      type: "array",
      maxItems: 64,
      listType: "set",
      items: { type: "string", minLength: 1, maxLength: 253, pattern: CORS_ORIGIN },
      rules: [wildcardAlone("AllowOrigins cannot contain '*' alongside other origins")],
    },
    allowCredentials: { type: "boolean" },
    allowMethods: {
      type: "array",
      maxItems: 9,
      listType: "set",
      items: { type: "string", enum: [...httpMethods, "*"] },
      rules: [wildcardAlone("AllowMethods cannot contain '*' alongside other methods")],
    },
    allowHeaders: {
      type: "array",
      maxItems: 64,
      listType: "set",
      items: HEADER_NAMES,
      // The upstream message really says "methods" here.
      rules: [wildcardAlone("AllowHeaders cannot contain '*' alongside other methods")],
    },
    exposeHeaders: { type: "array", maxItems: 64, listType: "set", items: HEADER_NAMES },
    maxAge: { type: "integer", default: 5, minimum: 1 },
  },
};

function protocolRules(protocol: string, payload: string): CelRule[] {
  return [
    {
      message: `${payload} must be specified when protocol is set to '${protocol}'`,
      holds: (self) => field(self, "protocol") !== protocol || has(self, payload),
    },
    {
      message: `protocol must be '${protocol}' when ${payload} is set`,
      holds: (self) => !has(self, payload) || field(self, "protocol") === protocol,
    },
  ];
}

const HEADER_SET: Schema = { type: "array", maxItems: 64, listType: "set", items: { type: "string" } };

// ExternalAuth payload: present in both CRDs even where the type enum does not offer it.
const EXTERNAL_AUTH: ObjectSchema = {
  type: "object",
  required: ["backendRef", "protocol"],
  properties: {
    protocol: { type: "string", enum: ["HTTP", "GRPC"] },
    backendRef: BACKEND_OBJECT_REFERENCE,
    grpc: { type: "object", properties: { allowedHeaders: HEADER_SET } },
    http: {
      type: "object",
      properties: {
        path: { type: "string", maxLength: 1024, pattern: PATH_CHARS },
        allowedHeaders: HEADER_SET,
        allowedResponseHeaders: HEADER_SET,
      },
    },
    forwardBody: { type: "object", properties: { maxSize: { type: "integer" } } },
  },
  rules: [...protocolRules("GRPC", "grpc"), ...protocolRules("HTTP", "http")],
};

/** C18: the payload field of each filter type (`filter.<x>` must be set iff `type == <X>`). */
const PAYLOAD_OF_TYPE: readonly (readonly [string, string])[] = [
  ["CORS", "cors"],
  ["RequestHeaderModifier", "requestHeaderModifier"],
  ["ResponseHeaderModifier", "responseHeaderModifier"],
  ["RequestMirror", "requestMirror"],
  ["RequestRedirect", "requestRedirect"],
  ["URLRewrite", "urlRewrite"],
  ["ExtensionRef", "extensionRef"],
];

/** C18: a filter carries the payload of its type and no other. */
export function payloadRules(type: string, payload: string): CelRule[] {
  return [
    {
      id: "C18",
      message: `filter.${payload} must be nil if the filter.type is not ${type}`,
      holds: (self) => !(has(self, payload) && field(self, "type") !== type),
    },
    {
      id: "C18",
      message: `filter.${payload} must be specified for ${type} filter.type`,
      holds: (self) => !(!has(self, payload) && field(self, "type") === type),
    },
  ];
}

export function httpRouteFilterSchema(flavour: GatewayAPIFlavour): ObjectSchema {
  const pairs = flavour.externalAuthType ? [...PAYLOAD_OF_TYPE, ["ExternalAuth", "externalAuth"] as const] : PAYLOAD_OF_TYPE;
  return {
    type: "object",
    required: ["type"],
    properties: {
      // C17
      type: { type: "string", enum: flavour.filterTypes },
      requestHeaderModifier: headerModifier(flavour),
      responseHeaderModifier: headerModifier(flavour),
      requestMirror: REQUEST_MIRROR,
      requestRedirect: REQUEST_REDIRECT,
      urlRewrite: URL_REWRITE,
      // C25
      extensionRef: LOCAL_OBJECT_REFERENCE,
      cors: CORS,
      externalAuth: EXTERNAL_AUTH,
    },
    rules: pairs.flatMap(([type, payload]) => payloadRules(type, payload)),
  };
}

function countOfType(filters: unknown, type: string): number {
  let n = 0;
  for (const f of list(filters)) if (field(f, "type") === type) n++;
  return n;
}

/** A rule's or backend's `filters` (C14 ≤16, C15, C16). */
export function httpRouteFiltersSchema(flavour: GatewayAPIFlavour): ArraySchema {
  return {
    type: "array",
    maxItems: 16,
    items: httpRouteFilterSchema(flavour),
    rules: [
      {
        id: "C15",
        message: flavour.redirectWithRewriteMessage,
        holds: (self) => !(countOfType(self, "RequestRedirect") > 0 && countOfType(self, "URLRewrite") > 0),
      },
      ...flavour.unrepeatableFilters.map(
        (type): CelRule => ({ id: "C16", message: `${type} filter cannot be repeated`, holds: (self) => countOfType(self, type) <= 1 }),
      ),
    ],
  };
}

/** True when `filter` carries a `<kind>.path` of type ReplacePrefixMatch with a value (C23). */
export function replacesPrefixMatch(filter: unknown, kind: "requestRedirect" | "urlRewrite"): boolean {
  const payload = field(filter, kind);
  const path = field(payload, "path");
  return has(filter, kind) && has(payload, "path") && field(path, "type") === "ReplacePrefixMatch" && has(path, "replacePrefixMatch");
}
