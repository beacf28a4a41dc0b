/**
 * Loads the engine registry (`provider/lifecycle/index`) on first use. It pulls in the renderer,
 * the readiness observers and the Kubernetes client, none of which GetSchema or a cold start need.
 */
import type { EngineModule } from "./service";

let loaded: Promise<EngineModule> | undefined;

export function loadEngineModule(): Promise<EngineModule> {
  loaded ??= import("../lifecycle/index.js");
  return loaded;
}
