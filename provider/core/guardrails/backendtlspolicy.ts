import { fieldError, type ScopedFieldError } from "../errors";
import { BACKEND_TLS_POLICY_API_VERSIONS } from "../models/backendtlspolicy";
import { child, index } from "../path";
import type { KindGuardrails } from "../validation/pipeline";
import { WELL_KNOWN_CA } from "./backend";
import { crdLayer } from "./envoy/crd-layer";
import { GROUP, HOSTNAME, KIND, PRECISE_HOSTNAME } from "./gatewayapi/patterns";
import { existsOne, field, has, list, re, type CelRule, type ObjectSchema } from "./gatewayapi/structural";
import { isObj, type Obj } from "../json";

/**
 * BackendTLSPolicy (`gateway.networking.k8s.io/v1`, Gateway API v1.5.1): TLS from Envoy to a backend.
 * Gateway API's CRD plus NSO's webhook (docs/spec/guardrails.md §7, T1–T2), which only lets the policy attach
 * to Envoy Gateway Backends. v1alpha3 is still served and, under the webhook's default
 * `matchPolicy: Equivalent`, reaches the same webhook.
 */

// ---------------------------------------------------------------------------------------------
// CRD schema and CEL
// ---------------------------------------------------------------------------------------------

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

const emptyOrAbsent = (o: unknown, k: string): boolean => !has(o, k) || field(o, k) === "";
const sameTarget = (a: unknown, b: unknown): boolean =>
  field(a, "group") === field(b, "group") && field(a, "kind") === field(b, "kind") && field(a, "name") === field(b, "name");

const targetRefs = {
  type: "array",
  minItems: 1,
  maxItems: 16,
  listType: "atomic",
  items: {
    type: "object",
    required: ["group", "kind", "name"],
    properties: {
      group: { type: "string", maxLength: 253, pattern: GROUP },
      kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
      name: { type: "string", minLength: 1, maxLength: 253 },
      sectionName: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
    },
  },
  rules: [
    {
      message: "sectionName must be specified when targetRefs includes 2 or more references to the same target",
      holds: (self: unknown) => {
        const refs = list(self);
        return refs.every((p1) => refs.every((p2) => !sameTarget(p1, p2) || emptyOrAbsent(p1, "sectionName") === emptyOrAbsent(p2, "sectionName")));
      },
    },
    {
      message: "sectionName must be unique when targetRefs includes 2 or more references to the same target",
      holds: (self: unknown) => {
        const refs = list(self);
        return refs.every((p1) =>
          existsOne(
            refs,
            (p2) =>
              sameTarget(p1, p2) &&
              ((emptyOrAbsent(p1, "sectionName") && emptyOrAbsent(p2, "sectionName")) ||
                (has(p1, "sectionName") && has(p2, "sectionName") && field(p1, "sectionName") === field(p2, "sectionName"))),
          ),
        );
      },
    },
  ],
} as const;

const SAN_URI = re("^(([^:/?#]+):)(//([^/?#]*))([^?#]*)(\\?([^#]*))?(#(.*))?");

const validation: ObjectSchema = {
  type: "object",
  required: ["hostname"],
  properties: {
    hostname: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
    wellKnownCACertificates: { type: "string", minLength: 1, maxLength: 253, pattern: WELL_KNOWN_CA },
    caCertificateRefs: {
      type: "array",
      maxItems: 8,
      listType: "atomic",
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
    subjectAltNames: {
      type: "array",
      maxItems: 5,
      listType: "atomic",
      items: {
        type: "object",
        required: ["type"],
        properties: {
          type: { type: "string", enum: ["Hostname", "URI"] },
          hostname: { type: "string", minLength: 1, maxLength: 253, pattern: HOSTNAME },
          uri: { type: "string", minLength: 1, maxLength: 253, pattern: SAN_URI },
        },
        rules: [
          rule("SubjectAltName element must contain Hostname, if Type is set to Hostname", (s) => !(s["type"] === "Hostname" && emptyOrAbsent(s, "hostname"))),
          rule("SubjectAltName element must not contain Hostname, if Type is not set to Hostname", (s) => !(s["type"] !== "Hostname" && !emptyOrAbsent(s, "hostname"))),
          rule("SubjectAltName element must contain URI, if Type is set to URI", (s) => !(s["type"] === "URI" && emptyOrAbsent(s, "uri"))),
          rule("SubjectAltName element must not contain URI, if Type is not set to URI", (s) => !(s["type"] !== "URI" && !emptyOrAbsent(s, "uri"))),
        ],
      },
    },
  },
  rules: [
    rule(
      "must not contain both CACertificateRefs and WellKnownCACertificates",
      (s) => !(list(s["caCertificateRefs"]).length > 0 && !emptyOrAbsent(s, "wellKnownCACertificates")),
    ),
    rule(
      "must specify either CACertificateRefs or WellKnownCACertificates",
      (s) => list(s["caCertificateRefs"]).length > 0 || !emptyOrAbsent(s, "wellKnownCACertificates"),
    ),
  ],
};

const crd = crdLayer({
  type: "object",
  required: ["spec"],
  properties: {
    spec: {
      type: "object",
      required: ["targetRefs", "validation"],
      properties: {
        targetRefs,
        validation,
        options: { type: "map", maxProperties: 16, values: { type: "string", maxLength: 4096 } },
      },
    },
  },
});

// ---------------------------------------------------------------------------------------------
// NSO webhook (internal/validation/backendtlspolicy_validation.go)
// ---------------------------------------------------------------------------------------------

const ENVOY_GATEWAY_GROUP = "gateway.envoyproxy.io";

/** T1 group, T2 kind: TLS policies may only attach to Envoy Gateway Backends. */
function targetRefErrors(s: Obj): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  list(s["targetRefs"]).forEach((ref, i) => {
    const path = index("spec.targetRefs", i);
    const group = field(ref, "group") ?? "";
    const kind = field(ref, "kind") ?? "";
    if (group !== ENVOY_GATEWAY_GROUP) errs.push(fieldError.notSupported(child(path, "group"), group, [ENVOY_GATEWAY_GROUP]));
    if (kind !== "Backend") errs.push(fieldError.notSupported(child(path, "kind"), kind, ["Backend"]));
  });
  return errs;
}

export const backendTLSPolicyGuardrails: KindGuardrails = {
  kind: "BackendTLSPolicy",
  apiVersions: BACKEND_TLS_POLICY_API_VERSIONS,
  defaults: crd.defaults,
  schema: crd.schema,
  cel: crd.cel,
  undeclared: crd.undeclared,
  webhook: (obj) => (isObj(obj["spec"]) ? targetRefErrors(obj["spec"]) : []),
  webhookOnUpdate: true,
};
