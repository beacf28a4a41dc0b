import type { KindGuardrails } from "../validation/pipeline";

export const backendTLSPolicyGuardrails: KindGuardrails = {
  kind: "BackendTLSPolicy",
  apiVersions: ["gateway.networking.k8s.io/v1"],
};
