import { z } from "zod";
import { ENVOY_GATEWAY_API_VERSION } from "./envoygateway";
import { objectMetaSchema } from "./meta";

/**
 * Backend (`gateway.envoyproxy.io/v1alpha1`): an upstream outside Kubernetes, addressed by FQDN or IP,
 * that routes and policies can reference. The guardrails only admit `Endpoints` backends on external
 * hosts. The model stays open (`z.looseObject`), so any other valid Envoy Gateway field passes as is.
 */

export const BACKEND_API_VERSION = ENVOY_GATEWAY_API_VERSION;

export const backendEndpointSchema = z.looseObject({
  fqdn: z
    .looseObject({ hostname: z.string().describe("lowercase DNS name with at least two labels"), port: z.number().int().describe("0–65535") })
    .optional(),
  ip: z
    .looseObject({
      address: z.string().describe("IPv4 or IPv6; not unspecified, loopback or link-local (private ranges are allowed)"),
      port: z.number().int().describe("0–65535"),
    })
    .optional(),
  unix: z.looseObject({ path: z.string() }).optional().describe("rejected by the guardrails"),
  zone: z.string().optional(),
});

export const backendSpecSchema = z.looseObject({
  type: z.enum(["Endpoints", "DynamicResolver"]).optional().describe("default Endpoints (the only type admitted)"),
  endpoints: z.array(backendEndpointSchema).optional().describe("1–256 endpoints, each exactly one of fqdn, ip or unix; fqdn endpoints cannot be mixed with others"),
  appProtocols: z.array(z.enum(["gateway.envoyproxy.io/h2c", "gateway.envoyproxy.io/ws", "gateway.envoyproxy.io/wss"])).optional(),
  fallback: z.boolean().optional(),
  tls: z
    .looseObject({
      sni: z.string().optional(),
      wellKnownCACertificates: z.string().optional().describe("System"),
      caCertificateRefs: z.array(z.looseObject({ group: z.string(), kind: z.string(), name: z.string() })).optional(),
      insecureSkipVerify: z.boolean().optional(),
      minVersion: z.enum(["Auto", "1.0", "1.1", "1.2", "1.3"]).optional(),
      maxVersion: z.enum(["Auto", "1.0", "1.1", "1.2", "1.3"]).optional(),
    })
    .optional()
    .describe("TLS towards the backend"),
});

export const backendSchema = z.looseObject({
  apiVersion: z.literal(BACKEND_API_VERSION),
  kind: z.literal("Backend"),
  metadata: objectMetaSchema,
  spec: backendSpecSchema,
});

export type Backend = z.infer<typeof backendSchema>;
