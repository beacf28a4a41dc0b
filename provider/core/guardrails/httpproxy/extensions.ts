import type { GuardrailConfig } from "../../config";
import { fieldError, type ScopedFieldError } from "../../errors";
import { isObj, type Obj } from "../../json";
import { child, index } from "../../path";
import { certHostname, endpointTarget } from "../../render/endpoint";
import { containsUnknown, isUnknown } from "../../unknown";
import { parseGoDuration } from "../../validation/duration";
import { BACKEND_REQUEST_WITHIN_REQUEST, DURATION_STRING } from "../gatewayapi/httproute-crd";
import { durationLimitErrors } from "../envoy/limits";
import type { FieldWarning } from "../../validation/pipeline";
import type { SchemaAdditions } from "./schema";
import { endpointErrors } from "./webhook";

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

/** A rule's mirror: an endpoint as a backend's, and Gateway API's RequestMirror percent. */
const MIRROR = {
  type: "object",
  required: ["endpoint"],
  properties: { endpoint: { type: "string" }, percent: { type: "integer", minimum: 1, maximum: 100 } },
} as const;

/** Backend protocol hints and the Service appProtocol each becomes (Gateway API's standard values). */
export const BACKEND_PROTOCOLS = { h2c: "kubernetes.io/h2c", websocket: "kubernetes.io/ws" } as const;

/** The schema additions of the enabled switches. */
export function schemaAdditions(ext: Extensions): SchemaAdditions {
  return {
    rule: {
      ...(ext.routeTimeouts && { timeouts: TIMEOUTS }),
      ...(ext.requestMirroring && { mirror: MIRROR }),
    },
    backend: {
      ...(ext.backendProtocols && { protocol: { type: "string", enum: Object.keys(BACKEND_PROTOCOLS) } }),
      // Gateway API's backendRef weight; the configured maximum is checked with its setting named.
      ...(ext.weightedBackends && { weight: { type: "integer", minimum: 0, maximum: 1_000_000 } }),
    },
    // Gateway API's backendRefs limit; the configured maximum is checked with its setting named.
    ...(ext.weightedBackends && { maxBackends: 16 }),
  };
}

/** One key per distinct set of additions, to compile each schema once. */
export function additionsKey(ext: Extensions): string {
  return [ext.routeTimeouts && "timeouts", ext.backendProtocols && "protocols", ext.weightedBackends && "weights", ext.requestMirroring && "mirror"].filter(Boolean).join(",");
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

/** A protocol hint names how Envoy speaks to an endpoint Service over cleartext. */
function protocolErrors(backendPath: string, backend: Obj): ScopedFieldError[] {
  const protocol = backend["protocol"];
  if (typeof protocol !== "string") return [];
  const p = child(backendPath, "protocol");
  if (backend["instance"] !== undefined) {
    return [fieldError.forbidden(p, "an instance backend routes to the instance's EndpointSlice: there is no Service port to carry a protocol; remove it")];
  }
  if (backend["connector"] !== undefined) {
    return [fieldError.forbidden(p, "not supported on connector backends (the connector tunnel is not proven with it); remove it or the connector")];
  }
  const endpoint = backend["endpoint"];
  // Go's url.Parse lowercases the scheme; an endpoint not known yet (preview) is checked at up.
  if (typeof endpoint === "string" && !isUnknown(endpoint) && !endpoint.toLowerCase().startsWith("http://")) {
    return [fieldError.invalid(p, protocol, `${protocol} is spoken over cleartext (Service appProtocol ${BACKEND_PROTOCOLS[protocol as keyof typeof BACKEND_PROTOCOLS] ?? protocol}): use an http:// endpoint, or remove the protocol (an https:// backend negotiates HTTP/2 by ALPN)`)];
  }
  return [];
}

/** The Host a backend's requests carry after the rule's rewrite (render's rule), or undefined for none. */
function backendHost(backend: Obj): string | undefined {
  const t = endpointTarget(backend["endpoint"], isObj(backend["connector"]));
  return t === undefined ? undefined : certHostname(t, isObj(backend["tls"]) ? backend["tls"]["hostname"] : undefined);
}

/** A rule with several backends splits its requests by weight (Gateway API backendRef weights). */
function weightErrors(rulePath: string, rule: Obj, config: GuardrailConfig): ScopedFieldError[] {
  const backends = Array.isArray(rule["backends"]) ? rule["backends"].filter(isObj) : [];
  const { maxBackends, maxWeight } = config.extensions.weightedBackendLimits;
  const path = child(rulePath, "backends");
  const errs: ScopedFieldError[] = [];
  if (backends.length > maxBackends) errs.push(fieldError.tooMany(path, backends.length, maxBackends));
  backends.forEach((b, j) => {
    const w = b["weight"];
    if (typeof w === "number" && w > maxWeight) {
      errs.push(fieldError.invalid(child(index(path, j), "weight"), w, `must be at most ${maxWeight} (datum:extensions.weightedBackendLimits.maxWeight)`));
    }
  });
  if (backends.length < 2) return errs;
  if (backends.every((b) => b["weight"] === 0)) {
    errs.push(fieldError.invalidWithoutValue(path, "every backend has weight 0, so the rule would answer 500 to every request; give at least one a weight above 0"));
  }
  const first = backendHost(backends[0] as Obj);
  backends.forEach((b, j) => {
    if (isObj(b["connector"])) {
      errs.push(fieldError.forbidden(child(index(path, j), "connector"), "a rule with several backends cannot use a connector (not proven through the tunnel); give the connector backend a rule of its own"));
    } else if (!containsUnknown(b) && backendHost(b) !== first) {
      errs.push(
        fieldError.invalid(
          child(index(path, j), "endpoint"),
          b["endpoint"],
          `the backends of one rule share the rule's Host rewrite (${first ?? "none"} for backends[0]), so each must be reached under that name${first === undefined ? " (an http:// IP literal)" : ""}; split them into rules of their own otherwise`,
        ),
      );
    }
  });
  return errs;
}

/** The mirror endpoint gets a backend endpoint's checks (NSO's W9–W18); its percent the configured cap. */
function mirrorErrors(rulePath: string, rule: Obj, config: GuardrailConfig): ScopedFieldError[] {
  const mirror = rule["mirror"];
  if (!isObj(mirror)) return [];
  const path = child(rulePath, "mirror");
  const errs = endpointErrors(mirror, path, undefined);
  const percent = mirror["percent"];
  const max = config.extensions.requestMirroringLimits.maxPercent;
  if (typeof percent === "number" && percent > max) {
    errs.push(fieldError.invalid(child(path, "percent"), percent, `must be at most ${max} (datum:extensions.requestMirroringLimits.maxPercent)`));
  }
  return errs;
}

/** The checks of the enabled extensions, per rule, after NSO's webhook rules. */
export function extensionErrors(obj: Obj, config: GuardrailConfig): ScopedFieldError[] {
  const ext = config.extensions;
  const spec = obj["spec"];
  const rules = isObj(spec) && Array.isArray(spec["rules"]) ? spec["rules"] : [];
  return rules.flatMap((r, i) => {
    if (!isObj(r)) return [];
    const path = index("spec.rules", i);
    const backends = Array.isArray(r["backends"]) ? r["backends"] : [];
    return [
      ...(ext.routeTimeouts ? timeoutErrors(path, r, config) : []),
      ...(ext.backendProtocols ? backends.flatMap((b, j) => (isObj(b) ? protocolErrors(index(child(path, "backends"), j), b) : [])) : []),
      ...(ext.weightedBackends ? weightErrors(path, r, config) : []),
      ...(ext.requestMirroring ? mirrorErrors(path, r, config) : []),
    ];
  });
}

/** `90 % → backends[0] (http://stable:8080), 10 % → backends[1] (…)`: each backend's share of the rule's requests. */
function splitText(backends: readonly Obj[]): string | undefined {
  const weights = backends.map((b) => (typeof b["weight"] === "number" ? b["weight"] : 1));
  const total = weights.reduce((a, w) => a + w, 0);
  if (total <= 0 || backends.some(containsUnknown)) return undefined;
  const share = (w: number): string => `${Math.round((1000 * w) / total) / 10} %`;
  return backends.map((b, j) => `${share(weights[j] as number)} → backends[${j}] (${String(b["endpoint"] ?? "instance")})`).join(", ");
}

/** What the enabled extensions make an admitted proxy do that preview and `validate` show: weighted splits. */
export function extensionNotes(obj: Obj, config: GuardrailConfig): FieldWarning[] {
  if (!config.extensions.weightedBackends) return [];
  const spec = obj["spec"];
  const rules = isObj(spec) && Array.isArray(spec["rules"]) ? spec["rules"] : [];
  return rules.flatMap((r, i) => {
    const backends = isObj(r) && Array.isArray(r["backends"]) ? r["backends"].filter(isObj) : [];
    const text = backends.length > 1 ? splitText(backends) : undefined;
    return text === undefined ? [] : [{ field: child(index("spec.rules", i), "backends"), message: `splits requests ${text}` }];
  });
}
