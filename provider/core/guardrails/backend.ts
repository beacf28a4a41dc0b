import type { KindGuardrails } from "../validation/pipeline";

export const backendGuardrails: KindGuardrails = {
  kind: "Backend",
  apiVersions: ["gateway.envoyproxy.io/v1alpha1"],
};
