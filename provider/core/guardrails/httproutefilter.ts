import type { KindGuardrails } from "../validation/pipeline";

export const httpRouteFilterGuardrails: KindGuardrails = {
  kind: "HTTPRouteFilter",
  apiVersions: ["gateway.envoyproxy.io/v1alpha1"],
};
