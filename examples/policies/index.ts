// An API behind an HTTPProxy, with the Envoy Gateway policies a tenant attaches to it.
// Policies name their target the way Envoy Gateway does: the proxy's HTTPRoute (and Gateway)
// carry the proxy's name, so `targetRefs: [{kind: HTTPRoute, name: <proxy>}]`.
//
// This program uses the default provider: its settings come from stack config (`datum:*`).
import * as pulumi from "@pulumi/pulumi";
import * as datum from "@pulumi-datum/datum";

const config = new pulumi.Config();
const issuer = config.get("issuer") ?? "https://auth.example.com/";
const allowOrigin = config.get("allowOrigin") ?? "https://app.example.com";
const requestsPerSecond = config.getNumber("requestsPerSecond") ?? 20;

// Answers 503 with a fixed body; the proxy's `maintenance` rule points at it with ExtensionRef.
const maintenance = new datum.policy.HTTPRouteFilter("maintenance", {
  metadata: { name: "api-maintenance" },
  spec: {
    directResponse: {
      statusCode: 503,
      contentType: "application/json",
      body: { type: "Inline", inline: `{"error":"down for maintenance"}` },
    },
  },
});

const api = new datum.networking.HTTPProxy("api", {
  metadata: { name: "api" },
  spec: {
    rules: [
      {
        name: "maintenance",
        matches: [{ path: { type: "PathPrefix", value: "/v1/admin" } }],
        filters: [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: "api-maintenance" } }],
        backends: [{ endpoint: "https://api.example.net" }],
      },
      {
        name: "api",
        matches: [{ path: { type: "PathPrefix", value: "/v1" } }],
        backends: [{ endpoint: "https://api.example.net" }],
      },
    ],
  },
}, { dependsOn: [maintenance] });

const route = { group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "api" };

const auth = new datum.policy.SecurityPolicy("api-auth", {
  metadata: { name: "api-auth" },
  spec: {
    targetRefs: [route],
    jwt: {
      providers: [{
        name: "example",
        issuer,
        audiences: ["api.example.net"],
        remoteJWKS: { uri: `${issuer.replace(/\/$/, "")}/.well-known/jwks.json` },
        claimToHeaders: [{ claim: "sub", header: "x-user-id" }],
      }],
    },
    cors: {
      allowOrigins: [allowOrigin],
      allowMethods: ["GET", "POST", "OPTIONS"],
      allowHeaders: ["authorization", "content-type"],
      maxAge: "10m",
    },
  },
}, { dependsOn: [api] });

const traffic = new datum.policy.BackendTrafficPolicy("api-traffic", {
  metadata: { name: "api-traffic" },
  spec: {
    targetRefs: [route],
    rateLimit: {
      local: {
        rules: [{ limit: { requests: requestsPerSecond, unit: "Second" } }],
      },
    },
    timeout: {
      tcp: { connectTimeout: "5s" },
      http: { requestTimeout: "30s", connectionIdleTimeout: "60s" },
    },
  },
}, { dependsOn: [api] });

export const canonicalHostname = api.canonicalHostname;
export const ready = pulumi.all([api.ready, auth.ready, traffic.ready, maintenance.ready]).apply((r) => r.every(Boolean));
export const readiness = {
  api: api.readiness,
  auth: auth.readiness,
  traffic: traffic.readiness,
  maintenance: maintenance.readiness,
};
