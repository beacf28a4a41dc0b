import { fieldError, type ScopedFieldError } from "../errors";
import { BACKEND_API_VERSION } from "../models/backend";
import { child, index } from "../path";
import { externalHostErrors } from "../validation/network";
import type { KindGuardrails } from "../validation/pipeline";
import { crdLayer } from "./envoy/crd-layer";
import { GROUP, KIND, PRECISE_HOSTNAME } from "./gatewayapi/patterns";
import { has, list, re, type CelRule, type ObjectSchema } from "./gatewayapi/structural";
import { isObj, type Obj } from "../json";

/**
 * Backend (`gateway.envoyproxy.io/v1alpha1`): an upstream Envoy dials on the tenant's behalf.
 * Envoy Gateway's CRD (v1.8.1) and NSO's webhook (docs/spec/guardrails.md §7, E1–E4), which keeps those
 * upstreams outside the platform (SSRF guard).
 */

// ---------------------------------------------------------------------------------------------
// CRD schema and CEL
// ---------------------------------------------------------------------------------------------

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

const IP_ADDRESS = re(
  "^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$|^(([0-9a-fA-F]{1,4}:){1,7}[0-9a-fA-F]{1,4}|::|(([0-9a-fA-F]{1,4}:){0,5})?(:[0-9a-fA-F]{1,4}){1,2})$",
);

/** Shared with BackendTLSPolicy's validation: `System` or `<domain>/<name>`. */
export const WELL_KNOWN_CA = re("^(System|([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]))$");

const port = { type: "integer", minimum: 0, maximum: 65535 } as const;

const endpoint: ObjectSchema = {
  type: "object",
  properties: {
    fqdn: {
      type: "object",
      required: ["hostname", "port"],
      properties: { hostname: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME }, port },
    },
    ip: {
      type: "object",
      required: ["address", "port"],
      properties: { address: { type: "string", minLength: 3, maxLength: 45, pattern: IP_ADDRESS }, port },
    },
    unix: {
      type: "object",
      required: ["path"],
      properties: {
        path: {
          type: "string",
          rules: [
            {
              message: "unix domain socket path must not exceed 108 characters",
              holds: (self) => typeof self !== "string" || [...self].length <= 108,
            },
          ],
        },
      },
    },
    hostname: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
    zone: { type: "string" },
  },
  rules: [
    rule("one of fqdn, ip or unix must be specified", (s) => has(s, "fqdn") || has(s, "ip") || has(s, "unix")),
    rule("only one of fqdn, ip or unix can be specified", (s) => [has(s, "fqdn"), has(s, "ip"), has(s, "unix")].filter(Boolean).length === 1),
  ],
};

const TLS_VERSION_ORDER_MIN: Readonly<Record<string, number>> = { Auto: 0, "1.0": 1, "1.1": 2, "1.2": 3, "1.3": 4 };
const TLS_VERSION_ORDER_MAX: Readonly<Record<string, number>> = { "1.0": 1, "1.1": 2, "1.2": 3, "1.3": 4, Auto: 5 };
const TLS_VERSIONS = ["Auto", "1.0", "1.1", "1.2", "1.3"];

function hasCAs(s: Obj): boolean {
  return list(s["caCertificateRefs"]).length > 0;
}
function hasWellKnown(s: Obj): boolean {
  return has(s, "wellKnownCACertificates") && s["wellKnownCACertificates"] !== "";
}

const tls: ObjectSchema = {
  type: "object",
  properties: {
    caCertificateRefs: {
      type: "array",
      maxItems: 8,
      items: {
        type: "object",
        required: ["group", "kind", "name"],
        properties: {
          group: { type: "string", maxLength: 253, pattern: GROUP },
          kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
          name: { type: "string", minLength: 1, maxLength: 253 },
        },
      },
    },
    wellKnownCACertificates: { type: "string", minLength: 1, maxLength: 253, pattern: WELL_KNOWN_CA },
    insecureSkipVerify: { type: "boolean", default: false },
    sni: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
    minVersion: { type: "string", enum: TLS_VERSIONS },
    maxVersion: { type: "string", enum: TLS_VERSIONS },
    ciphers: { type: "array", items: { type: "string" } },
    alpnProtocols: { type: "array", items: { type: "string" } },
    ecdhCurves: { type: "array", items: { type: "string" } },
    signatureAlgorithms: { type: "array", items: { type: "string" } },
    fingerprints: { type: "array", items: { type: "string" } },
    clientCertificateRef: { type: "object", properties: { group: { type: "string" }, kind: { type: "string" }, name: { type: "string" }, namespace: { type: "string" } } },
  },
  rules: [
    rule("must not contain both CACertificateRefs and WellKnownCACertificates", (s) => !(hasCAs(s) && hasWellKnown(s))),
    rule(
      "must not contain either CACertificateRefs or WellKnownCACertificates when InsecureSkipVerify is enabled",
      (s) => !(s["insecureSkipVerify"] === true && (hasCAs(s) || hasWellKnown(s))),
    ),
    rule("setting ciphers has no effect if the minimum possible TLS version is 1.3", (s) => s["minVersion"] !== "1.3" || !has(s, "ciphers")),
    rule("minVersion must be smaller or equal to maxVersion", (s) => {
      const max = TLS_VERSION_ORDER_MAX[String(s["maxVersion"])];
      if (has(s, "minVersion") && has(s, "maxVersion")) {
        const min = TLS_VERSION_ORDER_MIN[String(s["minVersion"])];
        return min === undefined || max === undefined || min <= max;
      }
      // Without minVersion the effective minimum is TLS 1.2.
      if (has(s, "maxVersion")) return max === undefined || 3 <= max;
      return true;
    }),
  ],
};

const crd = crdLayer({
  type: "object",
  required: ["spec"],
  properties: {
    spec: {
      type: "object",
      properties: {
        type: { type: "string", enum: ["Endpoints", "DynamicResolver"], default: "Endpoints" },
        endpoints: {
          type: "array",
          minItems: 1,
          maxItems: 256,
          items: endpoint,
          rules: [
            {
              message: "fqdn addresses cannot be mixed with other address types",
              holds: (self) => {
                const eps = list(self);
                return eps.every((e) => has(e, "fqdn")) || !eps.some((e) => has(e, "fqdn"));
              },
            },
          ],
        },
        appProtocols: { type: "array", items: { type: "string", enum: ["gateway.envoyproxy.io/h2c", "gateway.envoyproxy.io/ws", "gateway.envoyproxy.io/wss"] } },
        fallback: { type: "boolean" },
        tls,
      },
      rules: [rule("DynamicResolver type cannot have endpoints specified", (s) => s["type"] !== "DynamicResolver" || !has(s, "endpoints"))],
    },
  },
});

// ---------------------------------------------------------------------------------------------
// NSO webhook (internal/validation/backend_validation.go)
// ---------------------------------------------------------------------------------------------

/** E1: a DynamicResolver would let requests choose arbitrary upstream hosts. */
function typeErrors(s: Obj): ScopedFieldError[] {
  const t = s["type"] ?? "Endpoints";
  return t === "Endpoints" ? [] : [fieldError.notSupported("spec.type", t, ["Endpoints"])];
}

/** E2 unix sockets, E3 IP endpoints and E4 FQDN endpoints must point outside the platform. */
function endpointErrors(s: Obj): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  list(s["endpoints"]).forEach((e, i) => {
    if (!isObj(e)) return;
    const path = index("spec.endpoints", i);
    if (has(e, "unix")) errs.push(fieldError.forbidden(child(path, "unix"), "unix endpoints are not permitted"));
    const ip = e["ip"];
    if (isObj(ip)) errs.push(...externalHostErrors(child(child(path, "ip"), "address"), typeof ip["address"] === "string" ? ip["address"] : ""));
    const fqdn = e["fqdn"];
    if (isObj(fqdn)) errs.push(...externalHostErrors(child(child(path, "fqdn"), "hostname"), typeof fqdn["hostname"] === "string" ? fqdn["hostname"] : ""));
  });
  return errs;
}

function webhook(obj: Obj): ScopedFieldError[] {
  const s = obj["spec"];
  if (!isObj(s)) return [];
  return [...typeErrors(s), ...endpointErrors(s)];
}

export const backendGuardrails: KindGuardrails = {
  kind: "Backend",
  apiVersions: [BACKEND_API_VERSION],
  defaults: crd.defaults,
  schema: crd.schema,
  cel: crd.cel,
  undeclared: crd.undeclared,
  webhook,
  webhookOnUpdate: true,
};
