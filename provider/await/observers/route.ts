/**
 * HTTPRoute / GRPCRoute: for each spec.parentRefs entry, the status.parents entry written by
 * one of our Gateway controllers must be Accepted and ResolvedRefs. Entries of other
 * controllers are ignored: a route can be attached to Gateways of several implementations.
 */
import { checkAll, readConditions, type ConditionRule } from "../conditions";
import { metaGeneration, num, path, str } from "../json";
import { combine, pending, READY, within, type Observer, type Readiness } from "../readiness";
import { asArray, asObj, type Obj } from "../../core/json";

const GATEWAY_GROUP = "gateway.networking.k8s.io";

const RULES: readonly ConditionRule[] = [
  {
    type: "Accepted",
    terminalReasons: new Set(["NotAllowedByListeners", "NoMatchingListenerHostname", "NoMatchingParent", "UnsupportedValue", "IncompatibleFilters", "Invalid"]),
  },
  // BackendNotFound stays pending: the backend may be applied after the route, and the
  // controller re-evaluates when it appears.
  { type: "ResolvedRefs", terminalReasons: new Set(["RefNotPermitted", "InvalidKind", "UnsupportedProtocol"]) },
  // Envoy Gateway (v1.8.1, seen live) adds BackendsAvailable=False/EndpointsNotFound while it knows
  // no endpoints of a backend Service (e.g. its EndpointSlice is not seen yet): Envoy would answer
  // 503, so that is pending. The condition is dropped once endpoints exist.
  { type: "BackendsAvailable", whenMissing: "ok" },
];

interface ParentKey {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly sectionName: string | undefined;
  readonly port: number | undefined;
}

function parentKey(p: Obj, routeNamespace: string): ParentKey {
  return {
    group: str(p["group"]) ?? GATEWAY_GROUP,
    kind: str(p["kind"]) ?? "Gateway",
    namespace: str(p["namespace"]) ?? routeNamespace,
    name: str(p["name"]) ?? "",
    sectionName: str(p["sectionName"]),
    port: num(p["port"]),
  };
}

function sameParent(a: ParentKey, b: ParentKey): boolean {
  return a.group === b.group && a.kind === b.kind && a.namespace === b.namespace && a.name === b.name && a.sectionName === b.sectionName && a.port === b.port;
}

function parentText(p: ParentKey): string {
  const section = p.sectionName !== undefined ? `/${p.sectionName}` : p.port !== undefined ? `:${p.port}` : "";
  return `parent ${p.kind} ${p.namespace}/${p.name}${section}`;
}

export const routeObserver: Observer = (o, ctx) => {
  const generation = metaGeneration(o);
  const ns = str(path(o, "metadata", "namespace")) ?? "";
  const refs = asArray(path(o, "spec", "parentRefs")).map((p) => parentKey(asObj(p), ns));
  if (refs.length === 0) return READY;
  const entries = asArray(path(o, "status", "parents"))
    .map(asObj)
    .filter((e) => ctx.controllerNames.includes(str(e["controllerName"]) ?? ""));
  const answers: Readiness[] = refs.map((ref) => {
    const entry = entries.find((e) => sameParent(parentKey(asObj(e["parentRef"]), ns), ref));
    if (entry === undefined) return pending(`${parentText(ref)}: no status from the Gateway controller yet`);
    return within(parentText(ref), combine(checkAll(readConditions(entry["conditions"]), RULES, generation)));
  });
  return combine(answers);
};
