// HTTPProxy beyond what NSO offers (README, "Beyond NSO"). Each capability is a switch of the
// provider's `extensions`, off by default; without it the fields below are refused as unknown,
// exactly as NSO refuses them.
import * as pulumi from "@pulumi/pulumi";
import * as datum from "@pulumi-datum/datum";

const config = new pulumi.Config();
const backend = config.get("backend") ?? "https://api.example.com";
const h2cBackend = config.get("h2cBackend") ?? "http://grpc-web.example.com:8080";
const canaryBackend = config.get("canaryBackend") ?? "https://api.example.com:8443";
const shadowBackend = config.get("shadowBackend") ?? "https://shadow.example.com";

const edge = new datum.Provider("edge", {
  kubeconfig: config.getSecret("kubeconfig"),
  namespace: config.get("namespace"),
  extensions: { routeTimeouts: true, backendProtocols: true, weightedBackends: true, requestMirroring: true },
});

const app = new datum.networking.HTTPProxy(
  "app",
  {
    metadata: { name: "app" },
    spec: {
      rules: [
        {
          // A request that takes longer than 10 s gets 504 from the edge; one attempt at the backend at most 4 s.
          // 10 % of the requests go to the canary (same host, another port: the rule's Host rewrite is shared).
          name: "api",
          matches: [{ path: { type: "PathPrefix", value: "/api" } }],
          timeouts: { request: "10s", backendRequest: "4s" },
          // A copy of 5 % of the requests goes to the shadow service (its answers are discarded).
          mirror: { endpoint: shadowBackend, percent: 5 },
          backends: [
            { endpoint: backend, weight: 90 },
            { endpoint: canaryBackend, weight: 10 },
          ],
        },
        {
          // Server-sent events: no whole-request deadline; closed after 5 min without data, or after 1 h.
          name: "events",
          matches: [{ path: { type: "PathPrefix", value: "/events" } }],
          timeouts: { streaming: { idleTimeout: "5m", maxDuration: "1h" } },
          backends: [{ endpoint: backend }],
        },
        {
          // An HTTP/2-only service without TLS: Envoy speaks h2c to it.
          name: "h2",
          matches: [{ path: { type: "PathPrefix", value: "/h2" } }],
          backends: [{ endpoint: h2cBackend, protocol: "h2c" }],
        },
      ],
    },
  },
  { provider: edge },
);

export const hostname = app.canonicalHostname;
export const ready = app.ready;
