import type { GuardrailConfig } from "../config";
import { fieldError, type ScopedFieldError } from "../errors";
import { GATEWAY_API_GROUP, GATEWAY_API_VERSIONS } from "../models/gateway";
import { child, index } from "../path";
import { isUnknown } from "../unknown";
import type { AdmissionContext, KindGuardrails } from "../validation/pipeline";
import { EXTENSION_FILTER_GROUP, SUPPORTED_BACKEND_FILTERS, SUPPORTED_RULE_FILTERS, filterPolicyErrors } from "./gatewayapi/filterpolicy";
import { HTTPROUTE_SCHEMA } from "./gatewayapi/httproute-crd";
import { crdLayer } from "./gatewayapi/crd";
import { asArray, isObj, present, type Obj } from "../json";

/**
 * HTTPRoute (`gateway.networking.k8s.io/v1`): the upstream CRD (gatewayapi/httproute-crd.ts) and
 * NSO's validating webhook (R1–R11, `internal/validation/httproute_validation.go`), docs/spec/guardrails.md §4.
 */

/** R1–R3: routes attach only to Gateways in their own namespace. */
function parentRefErrors(ref: unknown, p: string, namespace: string): ScopedFieldError[] {
  if (!isObj(ref)) return [];
  const errs: ScopedFieldError[] = [];
  const group = ref["group"];
  if (present(group) && group !== GATEWAY_API_GROUP) {
    errs.push(fieldError.invalid(child(p, "group"), group, `group must be unspecified or equal "${GATEWAY_API_GROUP}"`));
  }
  const kind = ref["kind"];
  // NSO's message really lacks the "be".
  if (present(kind) && kind !== "Gateway") errs.push(fieldError.invalid(child(p, "kind"), kind, `kind must unspecified or equal "Gateway"`));
  const ns = ref["namespace"];
  if (present(ns) && ns !== namespace) {
    errs.push(fieldError.invalid(child(p, "namespace"), ns, "namespace must be unspecified or the same as the HTTPRoute's namespace"));
  }
  return errs;
}

/** R8/R9: backend groups and the kinds allowed in each; Services only when the operator opts in. */
function allowedKindsByGroup(config: GuardrailConfig): Map<string, readonly string[]> {
  const m = new Map<string, readonly string[]>([
    ["discovery.k8s.io", ["EndpointSlice"]],
    [EXTENSION_FILTER_GROUP, ["Backend"]],
  ]);
  if (config.gateway.httpRoutes.allowServiceBackends) m.set("", ["Service"]);
  return m;
}

/** R8–R11 for one backendRef (the CRD has already defaulted group "" and kind Service). */
function backendRefErrors(ref: Obj, p: string, ctx: AdmissionContext): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  const allowed = allowedKindsByGroup(ctx.config);
  const groups = [...allowed.keys()].sort();
  const groupValue = ref["group"];
  const group = typeof groupValue === "string" ? groupValue : "";
  const allowedKinds = allowed.get(group);
  let groupAllowed = false;
  if (!present(groupValue)) {
    if (allowedKinds === undefined) errs.push(fieldError.required(child(p, "group"), "group is required"));
    else groupAllowed = true;
  } else if (allowedKinds === undefined) {
    errs.push(fieldError.invalid(child(p, "group"), groupValue, `group must be one of [${groups.join(", ")}]`));
  } else {
    groupAllowed = true;
  }
  const kindValue = ref["kind"];
  const kind = typeof kindValue === "string" ? kindValue : "";
  let kindAllowed = false;
  if (!present(kindValue)) {
    errs.push(fieldError.required(child(p, "kind"), "kind is required"));
  } else if (groupAllowed && allowedKinds) {
    if (allowedKinds.includes(kind)) {
      kindAllowed = true;
    } else {
      // The allowed kinds depend on the group as well.
      errs.push(
        fieldError.invalid(child(p, "kind"), kindValue, `kind must be one of [${[...allowedKinds].sort().join(", ")}] for group ${JSON.stringify(group)}`, p),
      );
    }
  }
  // R10
  const ns = ref["namespace"];
  if (present(ns) && ns !== ctx.namespace) {
    errs.push(fieldError.invalid(child(p, "namespace"), ns, "namespace must be unspecified or the same as the Route's namespace"));
  }
  // R11: an EndpointSlice has no port of its own to default to.
  if (groupAllowed && kindAllowed && group === "discovery.k8s.io" && kind === "EndpointSlice" && !present(ref["port"])) {
    errs.push(fieldError.required(child(p, "port"), "port is required", p));
  }
  return errs;
}

function webhook(obj: Obj, ctx: AdmissionContext): ScopedFieldError[] {
  const spec = isObj(obj["spec"]) ? obj["spec"] : {};
  const errs: ScopedFieldError[] = [];
  asArray(spec["parentRefs"]).forEach((r, i) => errs.push(...parentRefErrors(r, index("spec.parentRefs", i), ctx.namespace)));
  // R4: hostnames come from the parent Gateway's listeners.
  const hostnames = spec["hostnames"];
  if ((Array.isArray(hostnames) && hostnames.length > 0) || isUnknown(hostnames)) {
    errs.push(fieldError.forbidden("spec.hostnames", "hostnames are not permitted"));
  }
  asArray(spec["rules"]).forEach((rule, i) => {
    if (!isObj(rule)) return;
    const p = index("spec.rules", i);
    // R5, R7
    errs.push(...filterPolicyErrors(rule["filters"], SUPPORTED_RULE_FILTERS, child(p, "filters")));
    asArray(rule["backendRefs"]).forEach((ref, j) => {
      if (!isObj(ref)) return;
      const rp = index(child(p, "backendRefs"), j);
      errs.push(...backendRefErrors(ref, rp, ctx));
      // R6, R7
      errs.push(...filterPolicyErrors(ref["filters"], SUPPORTED_BACKEND_FILTERS, child(rp, "filters")));
    });
  });
  return errs;
}

export const httpRouteGuardrails: KindGuardrails = {
  kind: "HTTPRoute",
  apiVersions: GATEWAY_API_VERSIONS,
  ...crdLayer(HTTPROUTE_SCHEMA),
  webhook,
  webhookOnUpdate: true,
};
