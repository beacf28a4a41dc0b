import { TRAFFIC_PROTECTION_POLICY_API_VERSION } from "../models/trafficprotectionpolicy";
import type { KindGuardrails } from "../validation/pipeline";
import { fieldError } from "../errors";
import { type Errors } from "../validation/schema";
import { crdLayer } from "./envoy/crd-layer";
import { GROUP, KIND, PRECISE_HOSTNAME } from "./gatewayapi/patterns";
import { field, has, list, re, type CelOutcome, type CelRule, type ObjectSchema } from "./gatewayapi/structural";
import { isObj, type Obj } from "../json";

/**
 * TrafficProtectionPolicy (`networking.datumapis.com/v1alpha`): NSO's WAF policy. It has no webhook,
 * so everything here is NSO's CRD (docs/spec/guardrails.md §8, P1–P15), defaults included: mode Observe,
 * samplingPercentage 100, one OWASP Core Rule Set with paranoia levels 1/1 and anomaly-score
 * thresholds 5 (inbound) / 4 (outbound).
 */

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

const GATEWAY_API_GROUP = "gateway.networking.k8s.io";

/** P4: a Gateway API LocalPolicyTargetReferenceWithSectionName. */
const targetRef: ObjectSchema = {
  type: "object",
  required: ["group", "kind", "name"],
  properties: {
    group: { type: "string", maxLength: 253, pattern: GROUP },
    kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
    name: { type: "string", minLength: 1, maxLength: 253 },
    sectionName: { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME },
  },
};

/** P15: CEL `int(self.split('-')[1]) > int(self.split('-')[0])`, which errors (not fails) on malformed input. */
function idRangeIncreasing(self: unknown): CelOutcome {
  if (typeof self !== "string") return true;
  const parts = self.split("-");
  if (parts.length < 2) return { evalError: `index out of bounds: 1` };
  const bounds = parts.slice(0, 2).map((p) => (/^[+-]?\d+$/.test(p) ? Number(p) : Number.NaN));
  const [min, max] = bounds as [number, number];
  if (Number.isNaN(min) || Number.isNaN(max)) return { evalError: "type conversion error" };
  return max > min;
}

const owaspCoreRuleSet: ObjectSchema = {
  type: "object",
  properties: {
    paranoiaLevels: {
      type: "object",
      default: { blocking: 1, detection: 1 },
      properties: {
        // P10
        blocking: { type: "integer", minimum: 1, maximum: 4, default: 1 },
        detection: { type: "integer", minimum: 1, maximum: 4, default: 1 },
      },
      rules: [
        // P11: blocking at a higher level than detection would block on rules that never run.
        rule("detection paranoia level must be greater than or equal to blocking paranoia level", (s) => {
          const d = s["detection"];
          const b = s["blocking"];
          return typeof d !== "number" || typeof b !== "number" || d >= b;
        }),
      ],
    },
    // P12
    scoreThresholds: {
      type: "object",
      default: {},
      properties: {
        inbound: { type: "integer", minimum: 1, maximum: 10000, default: 5 },
        outbound: { type: "integer", minimum: 1, maximum: 10000, default: 4 },
      },
    },
    // P13–P15
    ruleExclusions: {
      type: "object",
      properties: {
        tags: { type: "array", maxItems: 100, items: { type: "string", pattern: re("^[a-zA-Z0-9_\\-/]+$") } },
        ids: { type: "array", maxItems: 100, items: { type: "integer" } },
        idRanges: {
          type: "array",
          maxItems: 100,
          items: {
            type: "string",
            maxLength: 21,
            pattern: re("^\\d{1,10}-\\d{1,10}$"),
            rules: [{ message: "Max must be greater than min", holds: idRangeIncreasing }],
          },
        },
      },
    },
  },
};

const spec: ObjectSchema = {
  type: "object",
  required: ["ruleSets", "targetRefs"],
  properties: {
    // P1
    targetRefs: { type: "array", minItems: 1, items: targetRef },
    // P5
    mode: { type: "string", enum: ["Observe", "Enforce", "Disabled"], default: "Observe" },
    // P6
    samplingPercentage: { type: "integer", minimum: 1, maximum: 100, default: 100 },
    // P7
    ruleSets: {
      type: "array",
      minItems: 1,
      maxItems: 16,
      listType: "map",
      mapKeys: ["type"],
      default: [{ type: "OWASPCoreRuleSet", owaspCoreRuleSet: {} }],
      items: {
        type: "object",
        required: ["type"],
        // P9
        properties: { type: { type: "string", enum: ["OWASPCoreRuleSet"] }, owaspCoreRuleSet },
      },
      rules: [
        // P8
        {
          message: "OWASPCoreRuleSet filter cannot be repeated",
          holds: (self) => list(self).filter((r) => field(r, "type") === "OWASPCoreRuleSet").length <= 1,
        },
      ],
    },
  },
};

/**
 * P2/P3, the spec-level CEL rules on targets. They are written out here rather than declared on the
 * spec node so that their errors carry `spec.targetRefs` as scope: at preview an unknown value
 * elsewhere in the spec must not hold back a verdict about the targets.
 */
function targetRuleErrors(errs: Errors, obj: Obj): void {
  const s = field(obj, "spec");
  if (!has(s, "targetRefs")) return;
  const refs = list(field(s, "targetRefs"));
  if (!refs.every((r) => field(r, "group") === GATEWAY_API_GROUP)) {
    errs.push(fieldError.invalidWithoutValue("spec", "this policy can only have a targetRefs[*].group of gateway.networking.k8s.io", "spec.targetRefs"));
  }
  if (!refs.every((r) => ["Gateway", "HTTPRoute"].includes(String(field(r, "kind"))))) {
    errs.push(fieldError.invalidWithoutValue("spec", "this policy can only have a targetRefs[*].kind of Gateway/HTTPRoute", "spec.targetRefs"));
  }
}

const crd = crdLayer({ type: "object", required: ["spec"], properties: { spec } }, { cel: targetRuleErrors });

export const trafficProtectionPolicyGuardrails: KindGuardrails = {
  kind: "TrafficProtectionPolicy",
  apiVersions: [TRAFFIC_PROTECTION_POLICY_API_VERSION],
  defaults: crd.defaults,
  schema: crd.schema,
  cel: crd.cel,
  undeclared: crd.undeclared,
};
