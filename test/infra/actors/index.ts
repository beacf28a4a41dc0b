// Start every status actor (Envoy Gateway, cert-manager) against a control plane. external-dns is
// not played: the real one runs (test/infra/external-dns.ts).
//
//   const actors = startActors(cp.kc, { namespace: ns });
//   ...
//   actors.stop();
import type { KubeConfig } from "@kubernetes/client-node";
import { certManagerActors } from "./cert-manager.ts";
import { startActor, type ActorDefinition, type ActorOptions, type RunningActor } from "./common.ts";
import { envoyGatewayActors } from "./envoy-gateway.ts";

export * from "./common.ts";
export * from "./envoy-gateway.ts";
export * from "./cert-manager.ts";

export const allActors: readonly ActorDefinition[] = [...envoyGatewayActors, ...certManagerActors];

export interface ActorGroup {
  readonly actors: readonly RunningActor[];
  writes(): number;
  errors(): string[];
  stop(): void;
}

export function startActors(kc: KubeConfig, opts: ActorOptions & { only?: readonly ActorDefinition[] } = {}): ActorGroup {
  const defs = opts.only ?? allActors;
  const actors = defs.map((d) => startActor(kc, d, opts));
  return {
    actors,
    writes: () => actors.reduce((n, a) => n + a.writes(), 0),
    errors: () => actors.flatMap((a) => [...a.errors()]),
    stop: () => {
      for (const a of actors) a.stop();
    },
  };
}
