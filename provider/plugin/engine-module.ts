/**
 * Loads the engine registry (`provider/lifecycle/index`) on first use. It pulls in the renderer,
 * the readiness observers and the Kubernetes client, none of which GetSchema or a cold start need.
 * The module is required by path, so its shape is checked here, at the boundary.
 */
import type { EngineModule } from "./service";

let loaded: EngineModule | undefined;

export function loadEngineModule(): Promise<EngineModule> {
  if (!loaded) {
    const m = require("../lifecycle/index") as Partial<EngineModule>;
    if (typeof m.lifecycles !== "function") {
      return Promise.reject(new Error("provider/lifecycle/index does not export lifecycles(settings)"));
    }
    loaded = m as EngineModule;
  }
  return Promise.resolve(loaded);
}
