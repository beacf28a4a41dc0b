import { makeObject, type Target } from "./object";
import type { RenderSettings } from "./settings";
import type { ListenerRef, RenderContext, RenderedObject } from "./types";

/**
 * EnvoyPatchPolicy plumbing shared by connector and WAF rendering. Both follow NSO's EPP mode,
 * the one that needs no NSO extension server. The policy targets the GatewayClass when the class
 * merges its Gateways (as NSO's does; Envoy Gateway then accepts no other target), and its own
 * Gateway otherwise (Envoy Gateway then accepts no other target either).
 *
 * xDS names are Envoy Gateway's as NSO relies on them: listeners `tcp-<port>`, the shared HTTP
 * RouteConfiguration `http-80`, one RouteConfiguration and filter chain per HTTPS listener
 * `<namespace>/<gateway>/<listener>`, and route clusters `httproute/<ns>/<route>/rule/<i>`.
 */

export const ENVOY_GATEWAY_API = "gateway.envoyproxy.io/v1alpha1";
export const ROUTE_CONFIGURATION_TYPE = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
export const LISTENER_TYPE = "type.googleapis.com/envoy.config.listener.v3.Listener";
export const CLUSTER_TYPE = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

export const HTTP_ROUTE_CONFIG = "http-80";
export const HTTP_LISTENER = "tcp-80";
export const HTTPS_LISTENER = "tcp-443";

export interface JsonPatch {
  type: string;
  name: string;
  operation: { op: "add" | "replace"; path: string; jsonPath?: string; value: unknown };
}

export function patch(type: string, name: string, op: "add" | "replace", path: string, value: unknown, jsonPath?: string): JsonPatch {
  return { type, name, operation: { op, path, value, ...(jsonPath !== undefined && { jsonPath }) } };
}

/** The RouteConfiguration (and TLS filter chain) of one HTTPS listener. */
export function httpsRouteConfigName(namespace: string, gateway: string, listener: string): string {
  return `${namespace}/${gateway}/${listener}`;
}

export function httpsRouteConfigNames(namespace: string, gateway: string, listeners: readonly ListenerRef[]): string[] {
  return listeners.filter((l) => l.protocol === "HTTPS").map((l) => httpsRouteConfigName(namespace, gateway, l.name));
}

export function routeClusterName(namespace: string, route: string, ruleIndex: number): string {
  return `httproute/${namespace}/${route}/rule/${ruleIndex}`;
}

export function renderEnvoyPatchPolicy(name: string, gateway: string, patches: readonly JsonPatch[], target: Target, settings: RenderSettings, context: RenderContext): RenderedObject {
  const targetRef = context.mergedGateways ? { kind: "GatewayClass", name: settings.gatewayClassName } : { kind: "Gateway", name: gateway };
  return makeObject(ENVOY_GATEWAY_API, "EnvoyPatchPolicy", name, target, {
    spec: {
      targetRef: { group: "gateway.networking.k8s.io", ...targetRef },
      type: "JSONPatch",
      jsonPatches: patches,
    },
  });
}

const ENVOY_GATEWAY_METADATA = `@.metadata.filter_metadata["envoy-gateway"].resources[0]`;

/** JSONPath condition on Envoy Gateway's resource metadata of a virtual host or route. */
export function resourceCondition(kind: string, namespace: string, name: string, sectionName?: string): string {
  const m = ENVOY_GATEWAY_METADATA;
  let c = `${m}.kind=="${kind}" && ${m}.namespace=="${namespace}" && ${m}.name=="${name}"`;
  if (sectionName !== undefined) c += ` && ${m}.sectionName=="${sectionName}"`;
  return c;
}
