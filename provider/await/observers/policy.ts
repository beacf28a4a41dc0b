/**
 * Policies reporting Gateway API PolicyStatus (status.ancestors[]): every ancestor entry of our
 * controllers must be Accepted (plus Programmed / ResolvedRefs where the kind reports them).
 * TargetNotFound stays pending: the controller rewrites the status when the target appears.
 */
import { checkAll, readConditions, type ConditionRule } from "../conditions";
import { metaGeneration, path, str } from "../json";
import { combine, pending, within, type Observer } from "../readiness";
import { asArray, asObj } from "../../core/json";

export interface PolicyObserverSpec {
  readonly acceptedTerminal: readonly string[];
  /** Extra per-ancestor conditions, e.g. Programmed for EnvoyPatchPolicy and TrafficProtectionPolicy. */
  readonly extra?: readonly ConditionRule[];
}

function ancestorText(a: unknown): string {
  const r = asObj(a);
  const ns = str(r["namespace"]);
  const section = str(r["sectionName"]);
  return `ancestor ${str(r["kind"]) ?? "Gateway"} ${ns ? `${ns}/` : ""}${str(r["name"]) ?? ""}${section ? `/${section}` : ""}`;
}

export function policyObserver(spec: PolicyObserverSpec): Observer {
  const rules: ConditionRule[] = [{ type: "Accepted", terminalReasons: new Set(spec.acceptedTerminal) }, ...(spec.extra ?? [])];
  return (o, ctx) => {
    const generation = metaGeneration(o);
    const ancestors = asArray(path(o, "status", "ancestors"))
      .map(asObj)
      .filter((a) => ctx.controllerNames.includes(str(a["controllerName"]) ?? ""));
    if (ancestors.length === 0) return pending("no ancestor status from the Gateway controller yet");
    return combine(ancestors.map((a) => within(ancestorText(a["ancestorRef"]), combine(checkAll(readConditions(a["conditions"]), rules, generation)))));
  };
}

export const envoyPolicyObserver = policyObserver({ acceptedTerminal: ["Invalid", "Conflicted"] });

export const envoyPatchPolicyObserver = policyObserver({
  // Disabled: Envoy Gateway's own configuration (extensionApis.enableEnvoyPatchPolicy) is off; only
  // its operator can change that (and restart it), so waiting out the timeout cannot help.
  acceptedTerminal: ["Invalid", "Conflicted", "Disabled"],
  extra: [{ type: "Programmed", terminalReasons: new Set(["Invalid"]) }],
});

export const backendTLSPolicyObserver = policyObserver({
  acceptedTerminal: ["Invalid", "Conflicted"],
  // InvalidCACertificateRef stays pending: the CA ConfigMap/Secret may still be on its way.
  extra: [{ type: "ResolvedRefs", whenMissing: "ok", terminalReasons: new Set(["InvalidKind"]) }],
});

/** Datum's TrafficProtectionPolicy (docs/spec/readiness.md §6): Accepted and Programmed per ancestor. */
export const trafficProtectionPolicyObserver = policyObserver({
  acceptedTerminal: ["Invalid", "Conflicted"],
  extra: [{ type: "Programmed" }],
});
