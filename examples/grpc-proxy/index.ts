// A gRPC edge proxy (README, "Beyond NSO" → GRPCProxy). The default provider reads the switch from
// stack config: `pulumi config set --path 'datum:extensions.grpcProxy' true`; without it, preview
// fails naming that setting.
import * as pulumi from "@pulumi/pulumi";
import * as datum from "@pulumi-datum/datum";

const config = new pulumi.Config();
const hostname = config.get("hostname");
// grpc:// is HTTP/2 cleartext (h2c); grpcs:// is TLS, verified against the endpoint's name.
const catalogBackend = config.get("catalogBackend") ?? "grpc://catalog.example.com:50051";
const billingBackend = config.get("billingBackend") ?? "grpcs://billing.example.com";

const api = new datum.networking.GRPCProxy("api", {
  metadata: { name: "api" },
  spec: {
    ...(hostname !== undefined && { hostnames: [hostname] }),
    rules: [
      {
        // Every method of one service, by exact name; the edge adds a header and marks its answers.
        name: "catalog",
        matches: [{ method: { service: "shop.Catalog" } }],
        filters: [
          { type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "x-edge", value: "datum" }] } },
          { type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "x-served-by", value: "edge" }] } },
        ],
        backends: [{ endpoint: catalogBackend }],
      },
      {
        // Every service of a package, by regular expression, for callers that send the tenant header.
        name: "billing",
        matches: [{ method: { type: "RegularExpression", service: "shop\\.billing\\..*" }, headers: [{ name: "x-tenant", value: "acme" }] }],
        backends: [{ endpoint: billingBackend }],
      },
    ],
  },
});

export const canonicalHostname = api.canonicalHostname;
export const hostnames = api.hostnames;
export const ready = api.ready;
