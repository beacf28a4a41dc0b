/**
 * Which observer judges which kind. Keyed by group and kind, not version: the status
 * contract of these kinds is the same across their served versions.
 */
import { certificateObserver } from "./observers/certificate";
import { domainObserver, httpProxyObserver } from "./observers/datum";
import { gatewayClassObserver, gatewayObserver } from "./observers/gateway";
import { backendTLSPolicyObserver, envoyPatchPolicyObserver, envoyPolicyObserver, trafficProtectionPolicyObserver } from "./observers/policy";
import { routeObserver } from "./observers/route";
import { backendObserver, dnsEndpointObserver, immediatelyReady } from "./observers/simple";
import type { Observer } from "./readiness";

const GW = "gateway.networking.k8s.io";
const EG = "gateway.envoyproxy.io";
const DATUM = "networking.datumapis.com";

const OBSERVERS: ReadonlyMap<string, Observer> = new Map<string, Observer>([
  [`${GW}/Gateway`, gatewayObserver],
  [`${GW}/GatewayClass`, gatewayClassObserver],
  [`${GW}/HTTPRoute`, routeObserver],
  [`${GW}/GRPCRoute`, routeObserver],
  [`${GW}/BackendTLSPolicy`, backendTLSPolicyObserver],
  [`${GW}/ReferenceGrant`, immediatelyReady],
  [`${EG}/SecurityPolicy`, envoyPolicyObserver],
  [`${EG}/BackendTrafficPolicy`, envoyPolicyObserver],
  [`${EG}/ClientTrafficPolicy`, envoyPolicyObserver],
  [`${EG}/EnvoyExtensionPolicy`, envoyPolicyObserver],
  [`${EG}/EnvoyPatchPolicy`, envoyPatchPolicyObserver],
  [`${EG}/Backend`, backendObserver],
  [`${EG}/HTTPRouteFilter`, immediatelyReady],
  ["cert-manager.io/Certificate", certificateObserver],
  ["externaldns.k8s.io/DNSEndpoint", dnsEndpointObserver],
  ["discovery.k8s.io/EndpointSlice", immediatelyReady],
  ["/Service", immediatelyReady],
  ["/ConfigMap", immediatelyReady],
  ["/Secret", immediatelyReady],
  ["/Namespace", immediatelyReady],
  [`${DATUM}/HTTPProxy`, httpProxyObserver],
  [`${DATUM}/Domain`, domainObserver],
  [`${DATUM}/TrafficProtectionPolicy`, trafficProtectionPolicyObserver],
]);

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf("/");
  return i < 0 ? "" : apiVersion.slice(0, i);
}

export type ObserverLookup = (apiVersion: string, kind: string) => Observer | undefined;

/**
 * The observer for a kind; undefined for kinds without a readiness rule (they are ready once
 * stored, like pulumi-kubernetes without PULUMI_K8S_AWAIT_ALL).
 */
export const observerFor: ObserverLookup = (apiVersion, kind) => OBSERVERS.get(`${groupOf(apiVersion)}/${kind}`);

export function knownKinds(): string[] {
  return [...OBSERVERS.keys()];
}
