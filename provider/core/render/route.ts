import { certHostname, endpointTarget, rewriteHostname, type EndpointTarget } from "./endpoint";
import { findHostOverride, firstRewriteHost, stripHost, withRewriteHost } from "./filters";
import { GATEWAY_API } from "./gateway";
import { compact } from "./json";
import { backendPortName, backendResourceName, joinName, labelName } from "./names";
import { makeObject, type Target } from "./object";
import { routeRuleTimeouts } from "./timeouts";
import { BACKEND_PROTOCOLS } from "../guardrails/httpproxy/extensions";
import type { RenderedObject } from "./types";
import { asArray, asObj, isObj } from "../json";

/**
 * The HTTPRoute of one HTTPProxy and, per endpoint backend, the headless Service + EndpointSlice
 * (+ BackendTLSPolicy for HTTPS) it routes to. NSO writes an upstream EndpointSlice that its
 * Gateway controller turns into these objects downstream; flattened, the route points at the
 * Service directly.
 */

const ENDPOINT_SLICE_MANAGER = "pulumi-datum.io";

interface BackendOut {
  ref: Record<string, unknown>;
  objects: RenderedObject[];
}

/** The Service + EndpointSlice (+ BackendTLSPolicy) of one endpoint backend; GRPCProxy passes its own `appProtocol`. */
export function endpointBackendObjects(
  name: string,
  port: string,
  t: EndpointTarget,
  tlsPolicyHostname: string | undefined,
  target: Target,
  appProtocol: string = t.appProtocol,
): RenderedObject[] {
  const servicePort = { name: port, protocol: "TCP", appProtocol, port: t.port };
  const objects = [
    makeObject("v1", "Service", name, target, {
      spec: {
        type: "ClusterIP",
        clusterIP: "None",
        ports: [servicePort],
        internalTrafficPolicy: "Cluster",
        trafficDistribution: "PreferClose",
      },
    }),
    makeObject(
      "discovery.k8s.io/v1",
      "EndpointSlice",
      name,
      target,
      {
        addressType: t.addressType,
        endpoints: [{ addresses: [t.address], conditions: { ready: true, serving: true, terminating: false } }],
        ports: [servicePort],
      },
      // A selector-less Service only uses slices that name it; managed-by tells Kubernetes'
      // EndpointSlice controller that the slice is not its own.
      { "kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": ENDPOINT_SLICE_MANAGER },
    ),
  ];
  if (tlsPolicyHostname !== undefined) {
    objects.push(
      makeObject(GATEWAY_API, "BackendTLSPolicy", name, target, {
        spec: {
          targetRefs: [{ group: "", kind: "Service", name, sectionName: port }],
          validation: { wellKnownCACertificates: "System", hostname: tlsPolicyHostname },
        },
      }),
    );
  }
  return objects;
}

interface RuleOut {
  rule: Record<string, unknown>;
  objects: RenderedObject[];
}

function renderRule(route: string, ruleIndex: number, rule: Record<string, unknown>, target: Target): RuleOut {
  let ruleFilters = asArray(rule["filters"]);
  const objects: RenderedObject[] = [];
  const backendRefs: Record<string, unknown>[] = [];

  asArray(rule["backends"]).forEach((raw, backendIndex) => {
    const out = renderBackend(route, ruleIndex, backendIndex, asObj(raw), ruleFilters, target);
    if (!out) return;
    ruleFilters = out.ruleFilters;
    backendRefs.push(out.backend.ref);
    objects.push(...out.backend.objects);
  });

  const mirror = renderMirror(route, ruleIndex, rule, target);
  if (mirror) {
    ruleFilters = [...ruleFilters, mirror.filter];
    objects.push(...mirror.objects);
  }

  return {
    rule: compact({
      name: typeof rule["name"] === "string" ? rule["name"] : undefined,
      matches: Array.isArray(rule["matches"]) ? rule["matches"] : undefined,
      filters: ruleFilters,
      backendRefs,
      timeouts: routeRuleTimeouts(rule),
    }),
    objects,
  };
}

/**
 * A rule's `mirror` (beyond NSO, requestMirroring): the endpoint becomes a Service + EndpointSlice
 * (+ BackendTLSPolicy) like a backend's, which Gateway API's RequestMirror filter names.
 */
function renderMirror(route: string, ruleIndex: number, rule: Record<string, unknown>, target: Target): { filter: Record<string, unknown>; objects: RenderedObject[] } | undefined {
  const mirror = rule["mirror"];
  if (!isObj(mirror)) return undefined;
  const t = endpointTarget(mirror["endpoint"], false);
  if (!t) return undefined;
  const name = labelName(joinName("route", route, "rule", ruleIndex, "mirror"));
  // Service port names are at most 15 characters.
  const port = `mirror-${ruleIndex}`;
  const objects = endpointBackendObjects(name, port, t, t.appProtocol === "https" ? certHostname(t, undefined) : undefined, target);
  const backendRef = { group: "", kind: "Service", name, port: t.port };
  return { filter: { type: "RequestMirror", requestMirror: compact({ backendRef, percent: mirror["percent"] }) }, objects };
}

function renderBackend(
  route: string,
  ruleIndex: number,
  backendIndex: number,
  backend: Record<string, unknown>,
  ruleFilters: unknown[],
  target: Target,
): { backend: BackendOut; ruleFilters: unknown[] } | undefined {
  let backendFilters = asArray(backend["filters"]);
  const instance = backend["instance"];
  if (isObj(instance)) {
    // The instance's EndpointSlice is published by the CNI; it is referenced, never synthesized.
    const ref = compact({ group: "discovery.k8s.io", kind: "EndpointSlice", name: instance["name"], port: instance["port"], weight: backend["weight"], filters: backendFilters });
    return { backend: { ref, objects: [] }, ruleFilters };
  }
  const t = endpointTarget(backend["endpoint"], isObj(backend["connector"]));
  if (!t) return undefined;

  const override = findHostOverride(ruleFilters) ?? findHostOverride(backendFilters);
  if (override !== undefined) {
    ruleFilters = stripHost(ruleFilters);
    backendFilters = stripHost(backendFilters);
  }
  const tlsHostname = asObj(backend["tls"])["hostname"];
  const rewrite = rewriteHostname(t, tlsHostname, override);
  if (rewrite !== undefined) ruleFilters = withRewriteHost(ruleFilters, rewrite);

  const name = backendResourceName(route, ruleIndex, backendIndex);
  const port = backendPortName(ruleIndex, backendIndex);
  // NSO's BackendTLSPolicy hostname: the certificate hostname, else the rule's URLRewrite
  // hostname. A connector backend has neither unless the user set a URLRewrite; NSO then fails
  // the reconcile, we leave the policy out (the tunnel replaces the cluster anyway).
  const tlsPolicyHostname = t.appProtocol === "https" ? (certHostname(t, tlsHostname) ?? firstRewriteHost(ruleFilters)) : undefined;
  const objects = endpointBackendObjects(name, port, t, tlsPolicyHostname, target, backendAppProtocol(backend, t));
  // weight: beyond NSO (weightedBackends); absent, Gateway API's default 1.
  const ref = compact({ group: "", kind: "Service", name, port: t.port, weight: backend["weight"], filters: backendFilters });
  return { backend: { ref, objects }, ruleFilters };
}

/** The Service port's appProtocol: the backend's protocol hint (beyond NSO, backendProtocols), else the endpoint's scheme. */
function backendAppProtocol(backend: Record<string, unknown>, t: EndpointTarget): string {
  const hint = backend["protocol"];
  return hint === "h2c" || hint === "websocket" ? BACKEND_PROTOCOLS[hint] : t.appProtocol;
}

export interface RouteOut {
  route: RenderedObject;
  backendObjects: RenderedObject[];
}

/** The HTTPRoute carries the proxy's name and attaches to all listeners of the proxy's Gateway. */
export function renderRoute(name: string, rules: readonly unknown[], target: Target): RouteOut {
  const outs = rules.map((r, i) => renderRule(name, i, asObj(r), target));
  const route = makeObject(GATEWAY_API, "HTTPRoute", name, target, {
    spec: { parentRefs: [{ name }], rules: outs.map((o) => o.rule) },
  });
  return { route, backendObjects: outs.flatMap((o) => o.objects) };
}
