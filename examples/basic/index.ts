// A Domain and an HTTPProxy on one cluster, through the datum resource plugin.
//
// The proxy answers on shop.<domain> and www.shop.<domain> (plus its canonical hostname):
//   /api with header `x-api-version: 2`  → https://api.<upstream>, Host rewritten, a header added
//   /docs                                → 301 to docs.<domain>
//   everything else                      → https://www.<upstream> (or config webEndpoint)
//
// Custom hostnames must be covered by a verified Domain in the same namespace (Datum's rule).
// `pulumi preview` already shows the TXT record to publish (output `domainVerification`); `pulumi up`
// waits until the record resolves, then programs the proxy.
import * as pulumi from "@pulumi/pulumi";
import * as datum from "@pulumi-datum/datum";

const config = new pulumi.Config();
const domainName = config.get("domain") ?? "example.com";
const upstream = config.get("upstream") ?? "example.net";
const webEndpoint = config.get("webEndpoint") ?? `https://www.${upstream}`;

const edge = new datum.Provider("edge", {
  kubeconfig: config.getSecret("kubeconfig"),
  context: config.get("context"),
  namespace: config.get("namespace") ?? "default",
  timeoutSeconds: config.getNumber("timeoutSeconds") ?? 300,
  dnsServers: config.getObject<string[]>("dnsServers"),
  // The cert-manager ClusterIssuer of the HTTPS listeners' certificates (default datum-acme).
  clusterIssuer: config.get("clusterIssuer"),
  // An external-dns DNSEndpoint per proxy: its hostnames appear in DNS (default off).
  dnsIntegration: config.getBoolean("dnsIntegration"),
});

const domain = new datum.networking.Domain("shop-domain", {
  metadata: { name: "shop-domain" },
  spec: { domainName },
}, { provider: edge });

const proxy = new datum.networking.HTTPProxy("shop", {
  metadata: {
    name: "shop",
    // Copied to every downstream object (e.g. tooling or controller annotations).
    annotations: config.getObject<Record<string, string>>("proxyAnnotations"),
  },
  spec: {
    hostnames: [`shop.${domainName}`, `www.shop.${domainName}`],
    rules: [
      {
        name: "api",
        matches: [{ path: { type: "PathPrefix", value: "/api" }, headers: [{ name: "x-api-version", value: "2" }] }],
        filters: [{
          type: "RequestHeaderModifier",
          requestHeaderModifier: {
            set: [{ name: "Host", value: `api.${upstream}` }],
            add: [{ name: "x-forwarded-by", value: "datum-edge" }],
          },
        }],
        backends: [{ endpoint: `https://api.${upstream}` }],
      },
      {
        name: "old-docs",
        matches: [{ path: { type: "PathPrefix", value: "/docs" } }],
        filters: [{ type: "RequestRedirect", requestRedirect: { hostname: `docs.${domainName}`, statusCode: 301 } }],
      },
      {
        name: "web",
        backends: [{ endpoint: webEndpoint }],
      },
    ],
  },
}, { provider: edge, dependsOn: [domain] });

/** CNAME shop.<domain> and www.shop.<domain> to this name. */
export const canonicalHostname = proxy.canonicalHostname;
export const hostnames = proxy.hostnames;
export const ready = proxy.ready;
export const readiness = proxy.readiness;
/** The Gateway API / Envoy Gateway / cert-manager objects the proxy became. */
export const downstream = proxy.downstream;
export const domainVerified = domain.verified;
/** Publish this TXT record (or serve the HTTP token) to verify the Domain. */
export const domainVerification = domain.verification;
