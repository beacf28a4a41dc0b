import { ENVOY_GATEWAY_API } from "./envoypatch";
import { GATEWAY_API } from "./gateway";
import { makeObject, targetOf } from "./object";
import { DEFAULT_RENDER_SETTINGS, type RenderSettings } from "./settings";
import { renderTrafficProtectionPolicy } from "./tpp";
import type { RenderContext, RenderedObject } from "./types";
import { isObj } from "../json";

/**
 * Policies NSO replicates downstream keep their kind, name and spec; only the namespace (target)
 * and the metadata change — NSO copies nothing else from the source's metadata, neither do we.
 * Their targetRefs name Gateways/HTTPRoutes by name, which works because an HTTPProxy's Gateway
 * and HTTPRoute carry the proxy's name.
 */
const REPLICATED: Readonly<Record<string, string>> = {
  SecurityPolicy: ENVOY_GATEWAY_API,
  BackendTrafficPolicy: ENVOY_GATEWAY_API,
  HTTPRouteFilter: ENVOY_GATEWAY_API,
  Backend: ENVOY_GATEWAY_API,
  // Accepted as v1alpha3 or v1; NSO writes the storage version, v1.
  BackendTLSPolicy: GATEWAY_API,
};

/** Kinds that validate but have no downstream object: a Domain only gates hostnames. */
const NOTHING_TO_RENDER = new Set(["Domain"]);

export const POLICY_KINDS: readonly string[] = [...Object.keys(REPLICATED), "TrafficProtectionPolicy"].sort();

export function isRenderedPolicyKind(kind: string): boolean {
  return kind in REPLICATED || kind === "TrafficProtectionPolicy" || NOTHING_TO_RENDER.has(kind);
}

/** Objects one (validated) policy becomes; [] for kinds that render nothing or are not policies. */
export function renderPolicy(obj: unknown, settings: RenderSettings = DEFAULT_RENDER_SETTINGS, context: RenderContext = {}): RenderedObject[] {
  if (!isObj(obj) || typeof obj["kind"] !== "string") return [];
  const kind = obj["kind"];
  const target = targetOf(obj, settings);
  if (kind === "TrafficProtectionPolicy") return renderTrafficProtectionPolicy(obj, target, settings, context);
  const apiVersion = REPLICATED[kind];
  if (apiVersion === undefined) return [];
  return [makeObject(apiVersion, kind, target.source.name, target, { spec: isObj(obj["spec"]) ? obj["spec"] : {} })];
}
