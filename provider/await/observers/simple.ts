/**
 * Kinds with one top-level condition, and kinds that are usable as soon as they are stored.
 */
import { checkAll, readConditions } from "../conditions";
import { metaGeneration, num, path } from "../json";
import { combine, failed, pending, READY, type Observer } from "../readiness";
import { asObj } from "../../core/json";

/** EndpointSlice, Service, ConfigMap, Secret, HTTPRouteFilter, ReferenceGrant: no controller to wait for. */
export const immediatelyReady: Observer = () => READY;

/**
 * Envoy Gateway Backend: top-level Accepted. Envoy Gateway (v1.8.1, seen live) writes a refusal as a
 * condition of type "Invalid" (status False, reason "Accepted": type and reason swapped) and leaves
 * the older Accepted=True in place, so a refusal for the current generation is terminal whatever
 * Accepted still says; one for an older generation is history once the spec changed.
 */
export const backendObserver: Observer = (o) => {
  const status = asObj(path(o, "status"));
  const conds = readConditions(status["conditions"]);
  const generation = metaGeneration(o);
  const refusal = conds.find((c) => c.type === "Invalid" && c.status !== "Unknown");
  const refusalGeneration = refusal?.observedGeneration ?? num(status["observedGeneration"]);
  if (refusal !== undefined && (generation === undefined || refusalGeneration === undefined || refusalGeneration >= generation)) {
    return failed(`not accepted by Envoy Gateway${refusal.message ? `: ${refusal.message}` : ""}`);
  }
  return combine(checkAll(conds, [{ type: "Accepted", terminalReasons: new Set(["Invalid"]) }], generation, num(status["observedGeneration"])));
};

/**
 * external-dns DNSEndpoint: no conditions. external-dns (v0.20.0, seen live) writes only
 * status.observedGeneration, when its source lists the object: in the sync that then pushes the
 * records, so before they reach the DNS server, and also for endpoints it skips (no matching zone,
 * a target ending in a dot). Ready means "taken up by external-dns"; `awaitDns` checks resolution.
 */
export const dnsEndpointObserver: Observer = (o) => {
  const generation = metaGeneration(o);
  const observed = num(path(o, "status", "observedGeneration"));
  if (observed === undefined) return pending("not yet applied by external-dns");
  if (generation !== undefined && observed < generation) {
    return pending(`external-dns applied generation ${observed}, waiting for generation ${generation}`);
  }
  return READY;
};
