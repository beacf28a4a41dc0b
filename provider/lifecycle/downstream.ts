import type { RenderedObject } from "../core/render";
import type { DownstreamRef } from "./types";
import { encodeSourceAnnotation } from "./source-annotation";
import { asObj, isObj } from "../core/json";

/** Every kind the renderer can produce, with its apiVersion: what prune and delete look for. */
export const DOWNSTREAM_KINDS: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: "v1", kind: "Service" },
  { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice" },
  { apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "Backend" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway" },
  { apiVersion: "cert-manager.io/v1", kind: "Certificate" },
  { apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "HTTPRouteFilter" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute" },
  { apiVersion: "gateway.networking.k8s.io/v1", kind: "BackendTLSPolicy" },
  { apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "SecurityPolicy" },
  { apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "BackendTrafficPolicy" },
  { apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "EnvoyPatchPolicy" },
  { apiVersion: "externaldns.k8s.io/v1alpha1", kind: "DNSEndpoint" },
];

/**
 * The object that carries the source resource (as an annotation) so that refresh and import can
 * rebuild inputs from the cluster alone: the Gateway of an HTTPProxy, the replicated policy itself,
 * the EnvoyPatchPolicy of a TrafficProtectionPolicy.
 */
export const PRIMARY_KIND: Readonly<Record<string, string>> = {
  HTTPProxy: "Gateway",
  GRPCProxy: "Gateway",
  SecurityPolicy: "SecurityPolicy",
  BackendTrafficPolicy: "BackendTrafficPolicy",
  HTTPRouteFilter: "HTTPRouteFilter",
  TrafficProtectionPolicy: "EnvoyPatchPolicy",
};

export const SOURCE_ANNOTATION = "pulumi-datum.io/source";

export function refOf(o: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): DownstreamRef {
  return { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) };
}

export function refKey(r: DownstreamRef): string {
  return `${r.apiVersion}|${r.kind}|${r.namespace ?? ""}|${r.name}`;
}

/**
 * Marks the primary objects of a render with the source (metadata + spec) they came from, and
 * copies the source's own annotations to every downstream object, so that annotations such as
 * `pulumi.com/skipAwait` / `pulumi.com/timeoutSeconds` on an HTTPProxy govern all its objects.
 * `identity` (kind/namespace/name) keys the hashes that stand in for credential and `secrets` values.
 */
export function annotateSource(objects: readonly RenderedObject[], sourceKind: string, source: Record<string, unknown>, identity: string, secrets?: ReadonlySet<string>): RenderedObject[] {
  const primary = PRIMARY_KIND[sourceKind];
  const text = encodeSourceAnnotation(source, identity, secrets);
  const meta = source["metadata"];
  const raw = asObj(meta)["annotations"];
  const inherited: Record<string, string> = {};
  if (isObj(raw)) {
    for (const [k, v] of Object.entries(raw)) if (typeof v === "string" && k !== "pulumi.com/autonamed") inherited[k] = v;
  }
  return objects.map((o) => {
    const annotations = { ...inherited, ...(o.metadata.annotations ?? {}), ...(o.kind === primary ? { [SOURCE_ANNOTATION]: text } : {}) };
    return Object.keys(annotations).length ? { ...o, metadata: { ...o.metadata, annotations } } : o;
  });
}
