import type { KindGuardrails } from "../validation/pipeline";

export const securityPolicyGuardrails: KindGuardrails = {
  kind: "SecurityPolicy",
  apiVersions: ["gateway.envoyproxy.io/v1alpha1"],
};
