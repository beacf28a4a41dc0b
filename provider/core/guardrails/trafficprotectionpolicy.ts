import type { KindGuardrails } from "../validation/pipeline";

export const trafficProtectionPolicyGuardrails: KindGuardrails = {
  kind: "TrafficProtectionPolicy",
  apiVersions: ["networking.datumapis.com/v1alpha"],
};
