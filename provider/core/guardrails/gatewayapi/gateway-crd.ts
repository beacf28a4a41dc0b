import { fieldError, type ScopedFieldError } from "../../errors";
import { child, index } from "../../path";
import { isUnknown } from "../../unknown";
import { parseIP } from "../../validation/network";
import { GROUP, HOSTNAME, KIND, NAMESPACE, PRECISE_HOSTNAME } from "./patterns";
import { PORT_NUMBER } from "./refs";
import { existsOne, field, has, list, re, type CelOutcome, type CelRule, type MapSchema, type ObjectSchema, type Schema } from "./structural";
import { isObj } from "../../json";

/**
 * The upstream Gateway CRD (Gateway API v1.5.1, experimental channel): the CRD layer every Gateway
 * passes after NSO's mutating webhook and before its validating webhook.
 */

const SECRET_REFERENCE: ObjectSchema = {
  type: "object",
  required: ["name"],
  properties: {
    group: { type: "string", default: "", maxLength: 253, pattern: GROUP },
    kind: { type: "string", default: "Secret", minLength: 1, maxLength: 63, pattern: KIND },
    name: { type: "string", minLength: 1, maxLength: 253 },
    namespace: { type: "string", minLength: 1, maxLength: 63, pattern: NAMESPACE },
  },
};

const LABEL_SELECTOR: ObjectSchema = {
  type: "object",
  properties: {
    matchLabels: { type: "map", values: { type: "string" } },
    matchExpressions: {
      type: "array",
      items: {
        type: "object",
        required: ["key", "operator"],
        properties: {
          key: { type: "string" },
          operator: { type: "string" },
          values: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
};

/** CEL `size(self.<k>) > 0` where an absent field is a "no such key" evaluation error. */
function nonEmpty(self: unknown, k: string): CelOutcome {
  const v = field(self, k);
  if (!has(self, k)) return { evalError: `no such key: ${k}` };
  return Array.isArray(v) ? v.length > 0 : isObj(v) ? Object.keys(v).length > 0 : false;
}

/** CEL `a || b`: true wins over errors; otherwise the first error; otherwise false. */
function celOr(a: CelOutcome, b: CelOutcome): CelOutcome {
  if (a === true || b === true) return true;
  if (a !== false) return a;
  if (b !== false) return b;
  return false;
}

const LISTENER_TLS: ObjectSchema = {
  type: "object",
  properties: {
    mode: { type: "string", default: "Terminate", enum: ["Terminate", "Passthrough"] },
    certificateRefs: { type: "array", maxItems: 64, items: SECRET_REFERENCE },
    options: { type: "map", maxProperties: 16, values: { type: "string", minLength: 0, maxLength: 4096 } },
  },
  rules: [
    {
      message: "certificateRefs or options must be specified when mode is Terminate",
      holds: (self) => field(self, "mode") !== "Terminate" || celOr(nonEmpty(self, "certificateRefs"), nonEmpty(self, "options")),
    },
  ],
};

const ALLOWED_ROUTES: ObjectSchema = {
  type: "object",
  default: { namespaces: { from: "Same" } },
  properties: {
    namespaces: {
      type: "object",
      default: { from: "Same" },
      properties: {
        from: { type: "string", default: "Same", enum: ["All", "Selector", "Same"] },
        selector: LABEL_SELECTOR,
      },
    },
    kinds: {
      type: "array",
      maxItems: 8,
      items: {
        type: "object",
        required: ["kind"],
        properties: {
          group: { type: "string", default: "gateway.networking.k8s.io", maxLength: 253, pattern: GROUP },
          kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
        },
      },
    },
  },
};

const PROTOCOL = re(
  "^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9]+$",
);

const LISTENER: ObjectSchema = {
  type: "object",
  required: ["name", "port", "protocol"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
    hostname: { type: "string", minLength: 1, maxLength: 253, pattern: HOSTNAME },
    port: PORT_NUMBER,
    protocol: { type: "string", minLength: 1, maxLength: 255, pattern: PROTOCOL },
    tls: LISTENER_TLS,
    allowedRoutes: ALLOWED_ROUTES,
  },
};

function allListeners(message: string, p: (l: unknown, all: readonly unknown[]) => boolean): CelRule {
  return { message, holds: (self) => list(self).every((l) => p(l, list(self))) };
}

function protocolOf(l: unknown): string {
  return String(field(l, "protocol"));
}

function sameHostname(a: unknown, b: unknown): boolean {
  return has(a, "hostname") && has(b, "hostname") ? field(a, "hostname") === field(b, "hostname") : !has(a, "hostname") && !has(b, "hostname");
}

const LISTENERS: Schema = {
  type: "array",
  minItems: 1,
  maxItems: 64,
  listType: "map",
  mapKeys: ["name"],
  items: LISTENER,
  rules: [
    allListeners("tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']", (l) => !["HTTP", "TCP", "UDP"].includes(protocolOf(l)) || !has(l, "tls")),
    allListeners("tls mode must be Terminate for protocol HTTPS", (l) => {
      if (protocolOf(l) !== "HTTPS" || !has(l, "tls")) return true;
      const mode = field(field(l, "tls"), "mode");
      return mode === "" || mode === "Terminate";
    }),
    allListeners("tls mode must be set for protocol TLS", (l) => {
      if (protocolOf(l) !== "TLS") return true;
      const tls = field(l, "tls");
      return has(l, "tls") && has(tls, "mode") && field(tls, "mode") !== "";
    }),
    allListeners(
      "hostname must not be specified for protocols ['TCP', 'UDP']",
      (l) => !["TCP", "UDP"].includes(protocolOf(l)) || !has(l, "hostname") || field(l, "hostname") === "",
    ),
    allListeners("Listener name must be unique within the Gateway", (l1, all) => existsOne(all, (l2) => field(l1, "name") === field(l2, "name"))),
    allListeners("Combination of port, protocol and hostname must be unique for each listener", (l1, all) =>
      existsOne(all, (l2) => field(l1, "port") === field(l2, "port") && protocolOf(l1) === protocolOf(l2) && sameHostname(l1, l2)),
    ),
  ],
};

const HOSTNAME_ADDRESS_RE = new RegExp(HOSTNAME.source);

const ADDRESS: ObjectSchema = {
  type: "object",
  properties: {
    type: {
      type: "string",
      default: "IPAddress",
      minLength: 1,
      maxLength: 253,
      pattern: re(
        "^Hostname|IPAddress|NamedAddress|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\/[A-Za-z0-9\\/\\-._~%!$&'()*+,;=:]+$",
      ),
    },
    value: { type: "string", maxLength: 253 },
  },
  rules: [
    {
      message: `Hostname value must be empty or contain only valid characters (matching ${HOSTNAME.source})`,
      holds: (self) => field(self, "type") !== "Hostname" || !has(self, "value") || HOSTNAME_ADDRESS_RE.test(String(field(self, "value"))),
    },
  ],
};

function uniqueAddressValues(type: string): CelRule {
  return {
    message: `${type} values must be unique`,
    holds: (self) => {
      const all = list(self);
      return all.every(
        (a1) =>
          !(field(a1, "type") === type && has(a1, "value")) ||
          existsOne(all, (a2) => field(a2, "type") === type && has(a2, "value") && field(a2, "value") === field(a1, "value")),
      );
    },
  };
}

/** Label/annotation key syntax shared by `infrastructure.labels` and `.annotations`. */
function metadataKeyRules(what: "Label" | "Annotation"): CelRule[] {
  const keyRe = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]$/;
  const keys = (self: unknown): string[] => (isObj(self) ? Object.keys(self) : []);
  return [
    {
      message: `${what} keys must be in the form of an optional DNS subdomain prefix followed by a required name segment of up to 63 characters.`,
      holds: (self) => keys(self).every((k) => keyRe.test(k)),
    },
    {
      message: `If specified, the ${what.toLowerCase()} key's prefix must be a DNS subdomain not longer than 253 characters in total.`,
      holds: (self) => keys(self).every((k) => [...(k.split("/")[0] ?? "")].length < 253),
    },
  ];
}

const INFRASTRUCTURE_LABELS: MapSchema = {
  type: "map",
  maxProperties: 8,
  values: { type: "string", minLength: 0, maxLength: 63, pattern: re("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$") },
  rules: metadataKeyRules("Label"),
};

const INFRASTRUCTURE_ANNOTATIONS: MapSchema = {
  type: "map",
  maxProperties: 8,
  values: { type: "string", minLength: 0, maxLength: 4096 },
  rules: metadataKeyRules("Annotation"),
};

const CA_CERTIFICATE_REFS: Schema = {
  type: "array",
  minItems: 1,
  maxItems: 8,
  items: {
    type: "object",
    required: ["group", "kind", "name"],
    properties: {
      group: { type: "string", maxLength: 253, pattern: GROUP },
      kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
      name: { type: "string", minLength: 1, maxLength: 253 },
      namespace: { type: "string", minLength: 1, maxLength: 63, pattern: NAMESPACE },
    },
  },
};

const FRONTEND_TLS_VALIDATION: ObjectSchema = {
  type: "object",
  properties: {
    validation: {
      type: "object",
      required: ["caCertificateRefs"],
      properties: {
        caCertificateRefs: CA_CERTIFICATE_REFS,
        mode: { type: "string", default: "AllowValidOnly", enum: ["AllowValidOnly", "AllowInsecureFallback"] },
      },
    },
  },
};

const GATEWAY_TLS: ObjectSchema = {
  type: "object",
  properties: {
    backend: { type: "object", properties: { clientCertificateRef: SECRET_REFERENCE } },
    frontend: {
      type: "object",
      required: ["default"],
      properties: {
        default: FRONTEND_TLS_VALIDATION,
        perPort: {
          type: "array",
          maxItems: 64,
          listType: "map",
          mapKeys: ["port"],
          items: { type: "object", required: ["port", "tls"], properties: { port: PORT_NUMBER, tls: FRONTEND_TLS_VALIDATION } },
          rules: [
            {
              message: "Port for TLS configuration must be unique within the Gateway",
              holds: (self) => list(self).every((t1) => existsOne(list(self), (t2) => field(t1, "port") === field(t2, "port"))),
            },
          ],
        },
      },
    },
  },
};

export const GATEWAY_SCHEMA: ObjectSchema = {
  type: "object",
  required: ["spec"],
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object", properties: {} },
    spec: {
      type: "object",
      required: ["gatewayClassName", "listeners"],
      properties: {
        gatewayClassName: { type: "string", minLength: 1, maxLength: 253 },
        listeners: LISTENERS,
        addresses: {
          type: "array",
          maxItems: 16,
          items: ADDRESS,
          rules: [uniqueAddressValues("IPAddress"), uniqueAddressValues("Hostname")],
        },
        infrastructure: {
          type: "object",
          properties: {
            labels: INFRASTRUCTURE_LABELS,
            annotations: INFRASTRUCTURE_ANNOTATIONS,
            parametersRef: {
              type: "object",
              required: ["group", "kind", "name"],
              properties: {
                group: { type: "string", maxLength: 253, pattern: GROUP },
                kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
                name: { type: "string", minLength: 1, maxLength: 253 },
              },
            },
          },
        },
        allowedListeners: {
          type: "object",
          properties: {
            namespaces: {
              type: "object",
              default: { from: "None" },
              properties: {
                from: { type: "string", default: "None", enum: ["All", "Selector", "Same", "None"] },
                selector: LABEL_SELECTOR,
              },
            },
          },
        },
        tls: GATEWAY_TLS,
        defaultScope: { type: "string", enum: ["All", "None"] },
      },
    },
  },
};

/**
 * The address items' `oneOf`: an IPAddress-typed address needs an IPv4/IPv6 value; other types
 * anything. The API server reports the failed oneOf and anyOf without a field, plus the first
 * format's type error (which, like any type error, stops CEL).
 */
export function gatewayAddressFormatErrors(addresses: unknown): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  if (!Array.isArray(addresses)) return errs;
  addresses.forEach((a, i) => {
    if (!isObj(a) || isUnknown(a["value"]) || isUnknown(a["type"])) return;
    const type = a["type"] ?? "IPAddress";
    const value = a["value"];
    if (type !== "IPAddress" || typeof value !== "string") return;
    if (parseIP(value) !== undefined && (value.includes(".") || value.includes(":"))) return;
    const p = index("spec.addresses", i);
    const vp = child(p, "value");
    errs.push(fieldError.invalid(NO_FIELD, "", `"${p}" must validate one and only one schema (oneOf). Found none valid`));
    errs.push(fieldError.invalid(NO_FIELD, "", `"${vp}" must validate at least one schema (anyOf)`));
    errs.push(fieldError.invalid(vp, value, `${vp} in body must be of type ipv4: ${JSON.stringify(value)}`));
  });
  return errs;
}

/** How the API server names a composite schema error that has no field path. */
const NO_FIELD = "<nil>";
