import type { GuardrailConfig } from "../../config";
import { fieldError, type ScopedFieldError } from "../../errors";
import { isObj, type Obj } from "../../json";
import { child, index } from "../../path";
import { parseGoDuration } from "../../validation/duration";
import { BACKEND_REQUEST_WITHIN_REQUEST, DURATION_STRING } from "../gatewayapi/httproute-crd";
import { durationLimitErrors } from "../envoy/limits";
import type { SchemaAdditions } from "./schema";

/**
 * HTTPProxy beyond NSO (issue #16): what each switch of `guardrails.extensions` adds to NSO's schema,
 * and the checks of those additions that a schema cannot express (limits from the configuration).
 * With every switch off nothing is added, so NSO's schema and messages apply unchanged (an added
 * field is then `unknown field "spec.rules[0].timeouts"`).
 */

type Extensions = GuardrailConfig["extensions"];

/** Per-rule timeouts: Gateway API's HTTPRoute rule `timeouts`, plus a streaming profile. */
const TIMEOUTS = {
  type: "object",
  properties: {
    request: DURATION_STRING,
    backendRequest: DURATION_STRING,
    streaming: {
      type: "object",
      required: ["maxDuration"],
      properties: { idleTimeout: DURATION_STRING, maxDuration: DURATION_STRING },
    },
  },
  rules: [BACKEND_REQUEST_WITHIN_REQUEST],
} as const;

/** The schema additions of the enabled switches. */
export function schemaAdditions(ext: Extensions): SchemaAdditions {
  return {
    ...(ext.routeTimeouts && { rule: { timeouts: TIMEOUTS } }),
  };
}

/** One key per distinct set of additions, to compile each schema once. */
export function additionsKey(ext: Extensions): string {
  return ext.routeTimeouts ? "timeouts" : "";
}

/** The smaller of two limits (the extension's own cap and the BackendTrafficPolicy cap it may not exceed). */
function smaller(a: string, b: string): string {
  const x = parseGoDuration(a);
  const y = parseGoDuration(b);
  if (!x.ok) return b;
  if (!y.ok) return a;
  return x.nanos <= y.nanos ? a : b;
}

/** A zero duration disables the deadline in Gateway API; here a deadline is always bounded. */
function zeroErrors(path: string, v: unknown, what: string): ScopedFieldError[] {
  if (typeof v !== "string") return [];
  const d = parseGoDuration(v);
  return d.ok && d.nanos === 0n ? [fieldError.invalid(path, v, `must be greater than 0s; ${what}`)] : [];
}

function timeoutErrors(rulePath: string, rule: Obj, config: GuardrailConfig): ScopedFieldError[] {
  const t = rule["timeouts"];
  if (!isObj(t)) return [];
  const path = child(rulePath, "timeouts");
  const limits = config.extensions.routeTimeoutLimits;
  const cluster = config.gateway.extensionAPIValidationOptions.backendTrafficPolicies.ClusterSettings;
  const maxRequest = smaller(limits.maxRequest, cluster.HTTPMaxRequestTimeout);
  const errs: ScopedFieldError[] = [];
  for (const k of ["request", "backendRequest"] as const) {
    const p = child(path, k);
    errs.push(...zeroErrors(p, t[k], "a rule without a deadline is a streaming rule: set timeouts.streaming instead"));
    errs.push(...durationLimitErrors(p, t[k], { max: maxRequest }));
  }
  const streaming = t["streaming"];
  if (!isObj(streaming)) return errs;
  const sp = child(path, "streaming");
  for (const k of ["request", "backendRequest"] as const) {
    if (t[k] !== undefined) errs.push(fieldError.forbidden(child(path, k), "a streaming rule has no whole-request deadline (its bounds are streaming.idleTimeout and streaming.maxDuration); remove it or remove timeouts.streaming"));
  }
  if (typeof rule["name"] !== "string" || rule["name"] === "") {
    errs.push(fieldError.required(child(rulePath, "name"), "a streaming rule needs a name: its BackendTrafficPolicy targets the HTTPRoute rule by name (sectionName)"));
  }
  const idle = child(sp, "idleTimeout");
  errs.push(...zeroErrors(idle, streaming["idleTimeout"], "leave idleTimeout out for Envoy's default"));
  errs.push(...durationLimitErrors(idle, streaming["idleTimeout"], { max: smaller(limits.maxStreamIdle, cluster.HTTPMaxConnectionIdleTimeout) }));
  const max = child(sp, "maxDuration");
  errs.push(...zeroErrors(max, streaming["maxDuration"], "a stream is always bounded"));
  errs.push(...durationLimitErrors(max, streaming["maxDuration"], { max: smaller(limits.maxStreamDuration, cluster.HTTPMaxConnectionDuration) }));
  return errs;
}

/** The checks of the enabled extensions, per rule, after NSO's webhook rules. */
export function extensionErrors(obj: Obj, config: GuardrailConfig): ScopedFieldError[] {
  const ext = config.extensions;
  if (!ext.routeTimeouts) return [];
  const spec = obj["spec"];
  const rules = isObj(spec) && Array.isArray(spec["rules"]) ? spec["rules"] : [];
  return rules.flatMap((r, i) => (isObj(r) ? timeoutErrors(index("spec.rules", i), r, config) : []));
}
