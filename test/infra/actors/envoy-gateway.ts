// Status actors that play Envoy Gateway (v1.8-style status) for GatewayClass, Gateway,
// HTTPRoute/GRPCRoute, the EG policies, BackendTLSPolicy and Backend.
// HTTPRouteFilter has no status in EG, so nothing plays it.
import type { Condition, KObject } from "../kube.ts";
import { cond, keepTransitionTimes, type ActorDefinition, type ReconcileContext, type Step } from "./common.ts";

export const EG_CONTROLLER = "gateway.envoyproxy.io/gatewayclass-controller";
const GW_GROUP = "gateway.networking.k8s.io";
/** Documentation address (RFC 5737); status data only, nothing connects to it. */
export const GATEWAY_ADDRESS = "192.0.2.10";

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const asArr = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(asObj) : []);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

function prevConds(obj: KObject): Condition[] | undefined {
  const c = obj.status?.["conditions"];
  return Array.isArray(c) ? (c as Condition[]) : undefined;
}

/** Pending status then final, if a delay was requested. */
function withDelay(ctx: ReconcileContext, pending: Record<string, unknown>, final: Record<string, unknown>): Step[] {
  if (ctx.behaviour.delayMs > 0) {
    return [
      { afterMs: 0, status: pending },
      { afterMs: ctx.behaviour.delayMs, status: final },
    ];
  }
  return [{ afterMs: 0, status: final }];
}

export const gatewayClassActor: ActorDefinition = {
  name: "eg-gatewayclass",
  apiVersion: `${GW_GROUP}/v1`,
  kind: "GatewayClass",
  namespaced: false,
  async plan(obj, ctx) {
    if (str(obj.spec?.["controllerName"]) !== EG_CONTROLLER) return [];
    const g = obj.metadata.generation;
    const b = ctx.behaviour;
    if (b.mode === "never") return [];
    const accepted =
      b.mode === "invalid"
        ? cond("Accepted", "False", b.reason ?? "InvalidParameters", b.message ?? "Invalid parametersRef", g, ctx.now())
        : cond("Accepted", "True", "Accepted", "Valid GatewayClass", g, ctx.now());
    return [{ afterMs: 0, status: { conditions: keepTransitionTimes(prevConds(obj), [accepted]) } }];
  },
};

function listenerStatus(l: Obj, mode: string, attached: number, g: number | undefined, now: string, reason?: string, message?: string): Obj {
  const protocol = str(l["protocol"]) ?? "HTTP";
  const kinds = protocol === "TLS" ? ["TLSRoute"] : ["HTTPRoute", "GRPCRoute"];
  const ok = mode !== "invalid" && mode !== "not-programmed";
  const conditions = ok
    ? [
        cond("Programmed", "True", "Programmed", "Sending translated listener configuration to the data plane", g, now),
        cond("Accepted", "True", "Accepted", "Listener has been successfully translated", g, now),
        cond("ResolvedRefs", "True", "ResolvedRefs", "Listener references have been resolved", g, now),
      ]
    : mode === "invalid"
      ? [
          cond("Programmed", "False", "Invalid", "Listener is invalid, see other Conditions for details.", g, now),
          cond("Accepted", "False", reason ?? "UnsupportedValue", message ?? "Listener is not valid", g, now),
          cond("ResolvedRefs", "True", "ResolvedRefs", "Listener references have been resolved", g, now),
        ]
      : [
          cond("Programmed", "False", "Pending", "Listener is not yet programmed", g, now),
          cond("Accepted", "True", "Accepted", "Listener has been successfully translated", g, now),
          cond("ResolvedRefs", "True", "ResolvedRefs", "Listener references have been resolved", g, now),
        ];
  return {
    name: str(l["name"]) ?? "",
    supportedKinds: kinds.map((kind) => ({ group: GW_GROUP, kind })),
    attachedRoutes: attached,
    conditions,
  };
}

async function attachedRoutes(ctx: ReconcileContext, gw: KObject): Promise<number> {
  const ns = gw.metadata.namespace;
  const routes = await ctx.k.list(`${GW_GROUP}/v1`, "HTTPRoute", ns);
  return routes.filter((r) =>
    asArr(r.spec?.["parentRefs"]).some(
      (p) => str(p["name"]) === gw.metadata.name && (str(p["namespace"]) ?? r.metadata.namespace) === ns && (str(p["kind"]) ?? "Gateway") === "Gateway",
    ),
  ).length;
}

export const gatewayActor: ActorDefinition = {
  name: "eg-gateway",
  apiVersion: `${GW_GROUP}/v1`,
  kind: "Gateway",
  namespaced: true,
  async plan(obj, ctx) {
    const b = ctx.behaviour;
    if (b.mode === "never") return [];
    const g = obj.metadata.generation;
    const now = ctx.now();
    const listeners = asArr(obj.spec?.["listeners"]);
    const attached = await attachedRoutes(ctx, obj).catch(() => 0);
    const prev = prevConds(obj);
    const pending = {
      conditions: keepTransitionTimes(prev, [
        cond("Accepted", "False", "Pending", "Waiting for controller", g, now),
        cond("Programmed", "False", "Pending", "Waiting for controller", g, now),
      ]),
    };
    if (b.mode === "pending") return [{ afterMs: 0, status: pending }];
    let conditions: Condition[];
    let addresses: Obj[] = [{ type: "IPAddress", value: GATEWAY_ADDRESS }];
    let mode: string = b.mode;
    switch (b.mode) {
      case "invalid":
        conditions = [
          cond("Accepted", "False", b.reason ?? "ListenersNotValid", b.message ?? "All listeners are invalid", g, now),
          cond("Programmed", "False", "Invalid", "The Gateway is not accepted", g, now),
        ];
        break;
      case "not-programmed":
        conditions = [
          cond("Accepted", "True", "Accepted", "The Gateway has been scheduled by Envoy Gateway", g, now),
          cond("Programmed", "False", b.reason ?? "AddressNotAssigned", b.message ?? "No addresses have been assigned to the Gateway", g, now),
        ];
        addresses = [];
        break;
      case "fail-then-ready": {
        const bad = {
          conditions: keepTransitionTimes(prev, [
            cond("Accepted", "True", "Accepted", "The Gateway has been scheduled by Envoy Gateway", g, now),
            cond("Programmed", "False", "NoResources", "Envoy replicas unavailable", g, now),
          ]),
          listeners: listeners.map((l) => listenerStatus(l, "not-programmed", attached, g, now)),
        };
        const good = readyGateway(listeners, attached, g, now);
        return [
          { afterMs: 0, status: bad },
          { afterMs: b.delayMs || 500, status: good },
        ];
      }
      default:
        mode = "ready";
        return withDelay(ctx, pending, readyGateway(listeners, attached, g, now));
    }
    return withDelay(ctx, pending, {
      addresses,
      conditions: keepTransitionTimes(prev, conditions),
      listeners: listeners.map((l) => listenerStatus(l, mode, attached, g, now, b.reason, b.message)),
    });
  },
};

function readyGateway(listeners: Obj[], attached: number, g: number | undefined, now: string): Record<string, unknown> {
  return {
    addresses: [{ type: "IPAddress", value: GATEWAY_ADDRESS }],
    conditions: [
      cond("Accepted", "True", "Accepted", "The Gateway has been scheduled by Envoy Gateway", g, now),
      cond("Programmed", "True", "Programmed", "Address assigned to the Gateway, 1/1 envoy replicas available", g, now),
    ],
    listeners: listeners.map((l) => listenerStatus(l, "ready", attached, g, now)),
  };
}

function normaliseParentRef(p: Obj): Obj {
  const out: Obj = { group: str(p["group"]) ?? GW_GROUP, kind: str(p["kind"]) ?? "Gateway", name: str(p["name"]) ?? "" };
  for (const k of ["namespace", "sectionName", "port"]) if (p[k] !== undefined) out[k] = p[k];
  return out;
}

function routeActor(kind: "HTTPRoute" | "GRPCRoute"): ActorDefinition {
  return {
    name: `eg-${kind.toLowerCase()}`,
    apiVersion: `${GW_GROUP}/v1`,
    kind,
    namespaced: true,
    async plan(obj, ctx) {
      const b = ctx.behaviour;
      if (b.mode === "never") return [];
      const g = obj.metadata.generation;
      const now = ctx.now();
      const parentsFor = (mode: string): Obj[] =>
        asArr(obj.spec?.["parentRefs"]).map((p) => {
          let conditions: Condition[];
          switch (mode) {
            case "invalid":
              conditions = [
                cond("Accepted", "False", b.reason ?? "NotAllowedByListeners", b.message ?? "No listeners included by this parent ref allowed this attachment.", g, now),
                cond("ResolvedRefs", "True", "ResolvedRefs", "Resolved all the Object references for the Route", g, now),
              ];
              break;
            case "unresolved": {
              const be = asObj(asArr(asArr(obj.spec?.["rules"])[0]?.["backendRefs"])[0]);
              conditions = [
                cond("Accepted", "True", "Accepted", "Route is accepted", g, now),
                cond("ResolvedRefs", "False", b.reason ?? "BackendNotFound",
                  b.message ?? `Failed to process route rule 0 backendRef 0: service ${str(be["namespace"]) ?? obj.metadata.namespace}/${str(be["name"]) ?? "unknown"} not found.`, g, now),
              ];
              break;
            }
            case "pending":
              conditions = [cond("Accepted", "False", "Pending", "Waiting for controller", g, now)];
              break;
            default:
              conditions = [
                cond("Accepted", "True", "Accepted", "Route is accepted", g, now),
                cond("ResolvedRefs", "True", "ResolvedRefs", "Resolved all the Object references for the Route", g, now),
              ];
          }
          return { parentRef: normaliseParentRef(p), controllerName: EG_CONTROLLER, conditions };
        });
      if (b.mode === "fail-then-ready") {
        return [
          { afterMs: 0, status: { parents: parentsFor("invalid") } },
          { afterMs: b.delayMs || 500, status: { parents: parentsFor("ready") } },
        ];
      }
      return withDelay(ctx, { parents: parentsFor("pending") }, { parents: parentsFor(b.mode) });
    },
  };
}

export const httpRouteActor = routeActor("HTTPRoute");
export const grpcRouteActor = routeActor("GRPCRoute");

/** EG reports route-targeted policies against the route's parent Gateways. */
async function ancestorsFor(obj: KObject, ctx: ReconcileContext): Promise<Obj[]> {
  const ns = obj.metadata.namespace;
  const refs = [...asArr(obj.spec?.["targetRefs"]), ...(obj.spec?.["targetRef"] ? [asObj(obj.spec["targetRef"])] : [])];
  const out: Obj[] = [];
  for (const t of refs) {
    const kind = str(t["kind"]) ?? "Gateway";
    const name = str(t["name"]) ?? "";
    if (kind === "Gateway") {
      const a: Obj = { group: GW_GROUP, kind: "Gateway", namespace: ns, name };
      if (t["sectionName"] !== undefined) a["sectionName"] = t["sectionName"];
      out.push(a);
    } else if (kind === "HTTPRoute" || kind === "GRPCRoute") {
      const route = await ctx.k.get(`${GW_GROUP}/v1`, kind, ns, name).catch(() => undefined);
      const parents = route ? asArr(route.spec?.["parentRefs"]) : [];
      if (parents.length === 0) {
        out.push({ group: GW_GROUP, kind, namespace: ns, name });
      }
      for (const p of parents) {
        out.push({ group: GW_GROUP, kind: "Gateway", namespace: str(p["namespace"]) ?? ns, name: str(p["name"]) ?? "" });
      }
    } else {
      out.push({ group: str(t["group"]) ?? "", kind, namespace: ns, name });
    }
  }
  // de-duplicate
  const seen = new Set<string>();
  return out.filter((a) => {
    const k = JSON.stringify(a);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function policyActor(kind: string, apiVersion: string, extra: "programmed" | "resolvedRefs" | undefined): ActorDefinition {
  return {
    name: `eg-${kind.toLowerCase()}`,
    apiVersion,
    kind,
    namespaced: true,
    async plan(obj, ctx) {
      const b = ctx.behaviour;
      if (b.mode === "never") return [];
      const g = obj.metadata.generation;
      const now = ctx.now();
      const ancestors = await ancestorsFor(obj, ctx);
      const statusFor = (mode: string): Record<string, unknown> => ({
        ancestors: ancestors.map((ancestorRef) => {
          let conditions: Condition[];
          switch (mode) {
            case "invalid":
            case "fail":
              conditions = [cond("Accepted", "False", b.reason ?? "Invalid", b.message ?? `${kind} is invalid`, g, now)];
              break;
            case "target-not-found":
              conditions = [cond("Accepted", "False", "TargetNotFound", b.message ?? `Unable to find target ${String(ancestorRef["kind"])} ${String(ancestorRef["name"])}`, g, now)];
              break;
            case "conflicted":
              conditions = [cond("Accepted", "False", "Conflicted", b.message ?? `Unable to target ${String(ancestorRef["kind"])} ${String(ancestorRef["name"])}, another ${kind} has already attached to it`, g, now)];
              break;
            case "pending":
              conditions = [cond("Accepted", "False", "Pending", "Waiting for controller", g, now)];
              break;
            case "not-programmed":
              conditions = [
                cond("Accepted", "True", "Accepted", "Policy has been accepted.", g, now),
                cond("Programmed", "False", b.reason ?? "Invalid", b.message ?? "Unable to apply patches", g, now),
              ];
              break;
            default:
              conditions = [cond("Accepted", "True", "Accepted", "Policy has been accepted.", g, now)];
              if (extra === "programmed") conditions.push(cond("Programmed", "True", "Programmed", "Patches have been successfully applied.", g, now));
              if (extra === "resolvedRefs") conditions.push(cond("ResolvedRefs", "True", "ResolvedRefs", "Resolved all the Object references.", g, now));
          }
          return { ancestorRef, controllerName: EG_CONTROLLER, conditions };
        }),
      });
      if (b.mode === "fail-then-ready") {
        return [
          { afterMs: 0, status: statusFor("invalid") },
          { afterMs: b.delayMs || 500, status: statusFor("ready") },
        ];
      }
      return withDelay(ctx, statusFor("pending"), statusFor(b.mode));
    },
  };
}

const EG_V1A1 = "gateway.envoyproxy.io/v1alpha1";
export const securityPolicyActor = policyActor("SecurityPolicy", EG_V1A1, undefined);
export const backendTrafficPolicyActor = policyActor("BackendTrafficPolicy", EG_V1A1, undefined);
export const clientTrafficPolicyActor = policyActor("ClientTrafficPolicy", EG_V1A1, undefined);
export const envoyExtensionPolicyActor = policyActor("EnvoyExtensionPolicy", EG_V1A1, undefined);
export const envoyPatchPolicyActor = policyActor("EnvoyPatchPolicy", EG_V1A1, "programmed");
export const backendTLSPolicyActor = policyActor("BackendTLSPolicy", `${GW_GROUP}/v1`, "resolvedRefs");

export const backendActor: ActorDefinition = {
  name: "eg-backend",
  apiVersion: EG_V1A1,
  kind: "Backend",
  namespaced: true,
  async plan(obj, ctx) {
    const b = ctx.behaviour;
    if (b.mode === "never") return [];
    const g = obj.metadata.generation;
    const now = ctx.now();
    const c =
      b.mode === "invalid" || b.mode === "fail"
        ? cond("Accepted", "False", b.reason ?? "Invalid", b.message ?? "The Backend was not accepted", g, now)
        : cond("Accepted", "True", "Accepted", "The Backend was accepted", g, now);
    return withDelay(
      ctx,
      { conditions: [cond("Accepted", "False", "Pending", "Waiting for controller", g, now)] },
      { conditions: keepTransitionTimes(prevConds(obj), [c]) },
    );
  },
};

export const envoyGatewayActors: readonly ActorDefinition[] = [
  gatewayClassActor,
  gatewayActor,
  httpRouteActor,
  grpcRouteActor,
  securityPolicyActor,
  backendTrafficPolicyActor,
  clientTrafficPolicyActor,
  envoyExtensionPolicyActor,
  envoyPatchPolicyActor,
  backendTLSPolicyActor,
  backendActor,
];
