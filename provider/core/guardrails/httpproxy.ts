import type { KindGuardrails } from "../validation/pipeline";
import { HTTPPROXY_API_VERSION } from "../models/httpproxy";

/** HTTPProxy admission guardrails (being filled in). */
export const httpProxyGuardrails: KindGuardrails = {
  kind: "HTTPProxy",
  apiVersions: [HTTPPROXY_API_VERSION],
};
