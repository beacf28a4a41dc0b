import { HTTPPROXY_API_VERSION } from "../models/httpproxy";
import type { KindGuardrails } from "../validation/pipeline";
import { crdLayer } from "./gatewayapi/crd";
import { HTTPPROXY_SCHEMA } from "./httpproxy/schema";
import { httpProxyWebhookErrors } from "./httpproxy/webhook";

/**
 * HTTPProxy (`networking.datumapis.com/v1alpha`): NSO's CRD (schema, defaults, CEL; C1–C31 in
 * httpproxy/schema.ts and gatewayapi/) and its validating webhook (W1–W21 in httpproxy/webhook.ts),
 * which also runs on every spec-changing update.
 */
export const httpProxyGuardrails: KindGuardrails = {
  kind: "HTTPProxy",
  apiVersions: [HTTPPROXY_API_VERSION],
  ...crdLayer(HTTPPROXY_SCHEMA),
  webhook: httpProxyWebhookErrors,
  webhookOnUpdate: true,
};
