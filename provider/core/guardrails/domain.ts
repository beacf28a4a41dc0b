import type { KindGuardrails } from "../validation/pipeline";

export const domainGuardrails: KindGuardrails = {
  kind: "Domain",
  apiVersions: ["networking.datumapis.com/v1alpha"],
};
