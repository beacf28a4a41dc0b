import type { KindGuardrails } from "../validation/pipeline";

export const backendTrafficPolicyGuardrails: KindGuardrails = {
  kind: "BackendTrafficPolicy",
  apiVersions: ["gateway.envoyproxy.io/v1alpha1"],
};
