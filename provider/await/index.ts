/**
 * provider/await — readiness of applied objects (no Pulumi imports).
 *
 * Observers are pure functions of an object's JSON (`observerFor(apiVersion, kind)`), each
 * answering ready / pending(message) / failed(message) and only trusting conditions written
 * for the current metadata.generation. `awaitReady(objects, { client, ... })` watches the
 * objects that are not ready yet and returns a value: ready, failed (terminal condition),
 * timeout, aborted or error, always with the objects' last seen state.
 */
export * from "./readiness";
export * from "./conditions";
export * from "./annotations";
export * from "./registry";
export * from "./await-ready";
export { gatewayObserver, gatewayClassObserver } from "./observers/gateway";
export { routeObserver } from "./observers/route";
export { policyObserver, envoyPolicyObserver, envoyPatchPolicyObserver, backendTLSPolicyObserver, trafficProtectionPolicyObserver } from "./observers/policy";
export { certificateObserver } from "./observers/certificate";
export { backendObserver, dnsEndpointObserver, immediatelyReady } from "./observers/simple";
export { httpProxyObserver, domainObserver } from "./observers/datum";
