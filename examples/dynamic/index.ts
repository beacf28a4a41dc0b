// The zero-install dynamic adapter: the same resource classes as the native SDK, implemented over
// pulumi.dynamic, so a TypeScript program needs nothing but `npm install @pulumi-datum/datum`.
//
// Cluster settings travel with each resource (`settings`, stored as a secret); keys not given
// there come from stack config (`pulumi config set --secret datum:kubeconfig ~/.kube/config`).
// See sdk/dynamic/README.md for what the dynamic variant cannot do (import, provider-side preview,
// detailed diffs, Ctrl-C delivery).
import * as pulumi from "@pulumi/pulumi";
import * as datum from "@pulumi-datum/datum/dynamic";
import type { DynamicSettings } from "@pulumi-datum/datum/dynamic";

const config = new pulumi.Config();
const settings: DynamicSettings = {
  namespace: config.get("namespace") ?? "default",
  timeoutSeconds: config.getNumber("timeoutSeconds") ?? 120,
};

const web = new datum.networking.HTTPProxy("web", {
  metadata: { name: "web" },
  spec: {
    rules: [
      {
        name: "static",
        matches: [{ path: { type: "PathPrefix", value: "/static" } }],
        filters: [{ type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "cache-control", value: "public, max-age=86400" }] } }],
        backends: [{ endpoint: "https://cdn.example.net" }],
      },
      {
        name: "app",
        backends: [{ endpoint: "https://app.example.net" }],
      },
    ],
  },
  settings,
});

const cors = new datum.policy.SecurityPolicy("web-cors", {
  metadata: { name: "web-cors" },
  spec: {
    targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "web" }],
    cors: { allowOrigins: [config.get("allowOrigin") ?? "https://www.example.com"], allowMethods: ["GET"] },
  },
  settings,
}, { dependsOn: [web] });

export const canonicalHostname = web.canonicalHostname;
export const ready = pulumi.all([web.ready, cors.ready]).apply((r) => r.every(Boolean));
export const readiness = web.readiness;
