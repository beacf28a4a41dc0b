/**
 * The render context as a document (`pulumi-datum render --context FILE`): what the engine reads
 * from a live cluster, written down so a PR check can render what `up` would — online connector
 * tunnels, DNS records for known Gateway addresses, patches for a class that merges Gateways.
 * Unknown keys are errors, like everywhere else in the inputs.
 */
import { z } from "zod";
import { parseIP } from "../validation/network";
import type { RenderContext } from "./types";

const sourceKey = z.string().regex(/^[^/\s]+\/[^/\s]+$/, "must be <namespace>/<name>");

export const renderContextSchema = z.strictObject({
  connectors: z
    .record(sourceKey, z.strictObject({ ready: z.boolean(), endpointId: z.string().min(1).optional() }))
    .optional()
    .describe('"<namespace>/<connector>": the Connector\'s Ready condition and status.connectionDetails.publicKey.id'),
  gatewayAddresses: z
    .record(sourceKey, z.array(z.string().refine((a) => parseIP(a) !== undefined, "must be an IPv4 or IPv6 address")))
    .optional()
    .describe('"<namespace>/<httpproxy>": the IP addresses in its Gateway\'s status.addresses'),
  mergedGateways: z.boolean().optional().describe("the GatewayClass's EnvoyProxy has mergeGateways: true"),
});

export interface ContextFileError {
  /** `connectors[team/laptop].ready` */
  readonly field: string;
  readonly message: string;
}

/** `connectors[team/laptop].ready`: the second segment is a map key, numbers are list indexes. */
function fieldOf(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (i === 0 ? String(p) : i === 1 || typeof p === "number" ? `[${String(p)}]` : `.${String(p)}`)).join("");
}

export function parseRenderContext(value: unknown): { ok: true; context: RenderContext } | { ok: false; errors: ContextFileError[] } {
  const r = renderContextSchema.safeParse(value);
  if (r.success) {
    const c = r.data;
    return {
      ok: true,
      context: {
        ...(c.connectors !== undefined && { connectors: Object.fromEntries(Object.entries(c.connectors).map(([k, v]) => [k, { ready: v.ready, ...(v.endpointId !== undefined && { endpointId: v.endpointId }) }])) }),
        ...(c.gatewayAddresses !== undefined && { gatewayAddresses: c.gatewayAddresses }),
        ...(c.mergedGateways !== undefined && { mergedGateways: c.mergedGateways }),
      },
    };
  }
  return {
    ok: false,
    errors: r.error.issues.flatMap((i) =>
      i.code === "unrecognized_keys"
        ? i.keys.map((k) => ({ field: fieldOf([...i.path, k]), message: `unknown field "${k}"; known: ${i.path.length === 0 ? "connectors, gatewayAddresses, mergedGateways" : "ready, endpointId"}` }))
        : [{ field: fieldOf(i.path), message: i.message }],
    ),
  };
}
