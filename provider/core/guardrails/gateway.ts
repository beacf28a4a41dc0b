import type { KindGuardrails } from "../validation/pipeline";

/** Gateway admission guardrails (being filled in). */
export const gatewayGuardrails: KindGuardrails = {
  kind: "Gateway",
  apiVersions: ["gateway.networking.k8s.io/v1"],
};
