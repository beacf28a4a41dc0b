import { z } from "zod";
import { parseGoDuration } from "./validation/duration";

/** A positive Go duration limit. */
const cap = (d: string) =>
  z
    .string()
    .refine((v) => {
      const p = parseGoDuration(v);
      return p.ok && p.nanos > 0n;
    }, "must be a positive Go duration such as 30s, 10m or 1h")
    .default(d);

/**
 * What this provider does beyond NSO, because Envoy Gateway can (issue #16): each capability is off
 * by default, and while it is off the inputs that need it get NSO's own answers (unknown field,
 * unsupported scheme), so conformance with NSO is unchanged. One switch per capability, per
 * provider instance; each capability's limits sit next to its switch.
 */
export const extensionsSchema = z
  .object({
    grpcProxy: z.boolean().default(false).describe("the GRPCProxy resource (GRPCRoute with service/method matches, grpc:// and grpcs:// backends)"),
    routeTimeouts: z.boolean().default(false).describe("per-rule `timeouts` (request, backendRequest) and the streaming profile on HTTPProxy rules"),
    routeTimeoutLimits: z
      .object({
        maxRequest: cap("1h").describe("spec.rules[].timeouts.request and .backendRequest maximum (and at most ClusterSettings.HTTPMaxRequestTimeout)"),
        maxStreamIdle: cap("1h").describe("spec.rules[].timeouts.streaming.idleTimeout maximum (and at most ClusterSettings.HTTPMaxConnectionIdleTimeout)"),
        maxStreamDuration: cap("1h").describe("spec.rules[].timeouts.streaming.maxDuration maximum (and at most ClusterSettings.HTTPMaxConnectionDuration)"),
      })
      .strict()
      .prefault({}),
    weightedBackends: z.boolean().default(false).describe("several backends per HTTPProxy rule with integer `weight`s (canaries)"),
    weightedBackendLimits: z
      .object({
        maxBackends: z.number().int().min(2).max(16).default(2).describe("spec.rules[].backends maximum (2..16, Gateway API's backendRefs limit)"),
        maxWeight: z.number().int().min(1).max(1_000_000).default(1000).describe("spec.rules[].backends[].weight maximum (1..1000000, Gateway API's limit)"),
      })
      .strict()
      .prefault({}),
    requestMirroring: z.boolean().default(false).describe("HTTPProxy rule `mirror`: a copy of a percentage of the rule's requests to a second endpoint (Gateway API RequestMirror)"),
    requestMirroringLimits: z
      .object({ maxPercent: z.number().int().min(1).max(100).default(100).describe("spec.rules[].mirror.percent maximum (1..100)") })
      .strict()
      .prefault({}),
    backendProtocols: z.boolean().default(false).describe("HTTPProxy backend `protocol` hint: h2c or WebSocket (Service appProtocol)"),
  })
  .strict()
  .prefault({})
  .describe("beyond-NSO capabilities, all off by default (README, \"Beyond NSO\")");

