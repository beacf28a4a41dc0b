import { HTTPPROXY_API_VERSION } from "../models/httpproxy";
import type { AdmissionContext, KindGuardrails } from "../validation/pipeline";
import { crdLayer } from "./gatewayapi/crd";
import { additionsKey, extensionErrors, extensionNotes, schemaAdditions } from "./httpproxy/extensions";
import { HTTPPROXY_SCHEMA, httpProxySchema } from "./httpproxy/schema";
import { httpProxyWebhookErrors } from "./httpproxy/webhook";

/**
 * HTTPProxy (`networking.datumapis.com/v1alpha`): NSO's CRD (schema, defaults, CEL; C1–C31 in
 * httpproxy/schema.ts and gatewayapi/) and its validating webhook (W1–W21 in httpproxy/webhook.ts),
 * which also runs on every spec-changing update. The beyond-NSO switches (httpproxy/extensions.ts)
 * widen the schema and add their own checks after NSO's; with all of them off, NSO's layers alone.
 */
const NSO_LAYER = crdLayer(HTTPPROXY_SCHEMA);
const layers = new Map<string, typeof NSO_LAYER>([["", NSO_LAYER]]);

/** The CRD layer under the context's switches, compiled once per distinct set of additions. */
function layerFor(ctx: AdmissionContext | undefined): typeof NSO_LAYER {
  if (ctx === undefined) return NSO_LAYER;
  const k = additionsKey(ctx.config.extensions);
  let layer = layers.get(k);
  if (layer === undefined) {
    layer = crdLayer(httpProxySchema(schemaAdditions(ctx.config.extensions)));
    layers.set(k, layer);
  }
  return layer;
}

export const httpProxyGuardrails: KindGuardrails = {
  kind: "HTTPProxy",
  apiVersions: [HTTPPROXY_API_VERSION],
  // The added fields carry no defaults, so NSO's defaulting is every layer's.
  defaults: NSO_LAYER.defaults,
  schema: (obj, ctx) => layerFor(ctx).schema(obj, ctx),
  cel: (obj, ctx) => layerFor(ctx).cel(obj, ctx),
  undeclared: (obj, ctx) => layerFor(ctx).undeclared(obj, ctx),
  webhook: (obj, ctx) => [...httpProxyWebhookErrors(obj), ...extensionErrors(obj, ctx.config)],
  webhookOnUpdate: true,
  notes: (obj, ctx) => extensionNotes(obj, ctx.config),
};
