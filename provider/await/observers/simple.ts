/**
 * Kinds with one top-level condition, and kinds that are usable as soon as they are stored.
 */
import { checkAll, readConditions } from "../conditions";
import { metaGeneration, num, obj, path } from "../json";
import { combine, READY, type Observer } from "../readiness";

/** EndpointSlice, Service, ConfigMap, Secret, HTTPRouteFilter, ReferenceGrant: no controller to wait for. */
export const immediatelyReady: Observer = () => READY;

/** Envoy Gateway Backend: top-level Accepted. */
export const backendObserver: Observer = (o) => {
  const status = obj(path(o, "status"));
  return combine(checkAll(readConditions(status["conditions"]), [{ type: "Accepted", terminalReasons: new Set(["Invalid"]) }], metaGeneration(o), num(status["observedGeneration"])));
};
