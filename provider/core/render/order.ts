import type { RenderedObject } from "./types";

/**
 * The order objects are applied in (deleted in reverse): what a route points at exists before the
 * route, certificates before the listeners need them, HTTPRouteFilters before the rules that
 * reference them, and policies and patches once the Gateway and routes they target exist.
 */
const ORDER: readonly (readonly string[])[] = [
  ["Service", "EndpointSlice", "Backend"],
  ["Gateway"],
  ["Certificate"],
  ["HTTPRouteFilter"],
  ["HTTPRoute", "GRPCRoute"],
  ["BackendTLSPolicy", "SecurityPolicy", "BackendTrafficPolicy"],
  ["EnvoyPatchPolicy"],
  ["DNSEndpoint"],
];

const RANK = new Map<string, number>(ORDER.flatMap((kinds, rank) => kinds.map((k) => [k, rank] as const)));

/** Lower ranks are applied first; kinds the renderer never produces come last. */
export function applyOrder(kind: string): number {
  return RANK.get(kind) ?? ORDER.length;
}

/** A stable sort by apply order: objects of one rank keep the order they were rendered in. */
export function sortForApply(objects: readonly RenderedObject[]): RenderedObject[] {
  return objects
    .map((o, i) => ({ o, i, r: applyOrder(o.kind) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .map((x) => x.o);
}
