import type { KindGuardrails } from "../validation/pipeline";

/** HTTPRoute admission guardrails (being filled in). */
export const httpRouteGuardrails: KindGuardrails = {
  kind: "HTTPRoute",
  apiVersions: ["gateway.networking.k8s.io/v1"],
};
