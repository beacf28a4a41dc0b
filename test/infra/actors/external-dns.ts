// Status actor that plays external-dns for DNSEndpoint (externaldns.k8s.io/v1alpha1):
// external-dns only records status.observedGeneration once it has applied the endpoints.
// Modes: ready (default; honours actor-delay-ms), never / pending (status stays empty).
import type { ActorDefinition } from "./common.ts";

export const dnsEndpointActor: ActorDefinition = {
  name: "external-dns-dnsendpoint",
  apiVersion: "externaldns.k8s.io/v1alpha1",
  kind: "DNSEndpoint",
  namespaced: true,
  async plan(obj, ctx) {
    const b = ctx.behaviour;
    if (b.mode === "never" || b.mode === "pending") return [];
    return [{ afterMs: b.delayMs, status: { observedGeneration: obj.metadata.generation ?? 1 } }];
  },
};

export const externalDnsActors: readonly ActorDefinition[] = [dnsEndpointActor];
