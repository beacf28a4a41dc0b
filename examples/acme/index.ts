// An HTTPProxy whose listener certificates the datum provider obtains itself, over ACME, instead of
// rendering cert-manager Certificates for a cert-manager in the cluster.
//
// The proxy answers on <hostname> and on its canonical hostname <word>-<word>-<5>.<targetDomain>.
// During `pulumi up` the provider orders one certificate per HTTPS listener from the ACME directory,
// answers the dns-01 challenges through the PowerDNS API, and writes each certificate into the
// kubernetes.io/tls Secret its Gateway listener references (`<proxy>-<listener>-acme`). Private
// keys (the certificates' and the ACME account's) stay in the stack's state as Pulumi secrets; an
// `up` re-orders a certificate only when fewer than `renewBeforeDays` (30) days remain.
import { existsSync, readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as datum from "@pulumi-datum/datum";

const config = new pulumi.Config();
const hostname = config.require("hostname");
const upstream = config.get("upstream") ?? "example.net";
const disableHostnameVerification = config.getBoolean("disableHostnameVerification") ?? false;

/** `acmeCaBundle` holds the PEM itself or the path of a PEM file. */
function pemFromConfig(value: string | undefined): string | undefined {
  if (value === undefined || value.includes("-----BEGIN")) return value;
  if (!existsSync(value)) throw new Error(`acmeCaBundle: neither PEM text nor an existing file: ${value}`);
  return readFileSync(value, "utf8");
}

const edge = new datum.Provider("edge", {
  kubeconfig: config.getSecret("kubeconfig"),
  context: config.get("context"),
  namespace: config.get("namespace") ?? "default",
  targetDomain: config.require("targetDomain"),
  timeoutSeconds: config.getNumber("timeoutSeconds") ?? 300,
  dnsServers: config.getObject<string[]>("dnsServers"),
  guardrails: disableHostnameVerification ? { gateway: { disableHostnameVerification: true } } : undefined,
  certificates: {
    mode: "acme",
    directoryUrl: config.get("acmeDirectoryUrl") ?? "https://acme-staging-v02.api.letsencrypt.org/directory",
    email: config.require("acmeEmail"),
    challenge: "dns-01",
    dns01: {
      powerdns: {
        apiUrl: config.require("powerdnsApiUrl"),
        // A secret config value stays a secret: the provider's inputs are stored encrypted.
        apiKey: config.requireSecret("powerdnsApiKey"),
        serverId: config.get("powerdnsServerId"),
      },
    },
    propagationResolvers: config.getObject<string[]>("propagationResolvers"),
    caBundle: pemFromConfig(config.get("acmeCaBundle")),
    renewBeforeDays: config.getNumber("renewBeforeDays"),
  },
});

// Datum's rule: a custom hostname is served only when a verified Domain in the same namespace
// covers it (publish the TXT record from the `domainVerification` output). Clusters whose operator
// disabled the check need no Domain.
const domain = disableHostnameVerification
  ? undefined
  : new datum.networking.Domain("app-domain", { metadata: { name: "app-domain" }, spec: { domainName: hostname } }, { provider: edge });

const proxy = new datum.networking.HTTPProxy("app", {
  metadata: { name: "app" },
  spec: {
    hostnames: [hostname],
    rules: [{ name: "web", backends: [{ endpoint: `https://www.${upstream}` }] }],
  },
}, { provider: edge, dependsOn: domain !== undefined ? [domain] : [] });

/** CNAME <hostname> to this name. */
export const canonicalHostname = proxy.canonicalHostname;
export const hostnames = proxy.hostnames;
export const ready = proxy.ready;
export const readiness = proxy.readiness;
/**
 * Per HTTPS listener: the hostname its certificate covers, the Secret holding it, and when it
 * expires. The provider's `certificates` output is secret as a whole because it carries each
 * private key; this projection leaves the keys out, so it can be shown in plain text.
 */
export const certificates = pulumi.unsecret(
  proxy.certificates.apply((list) =>
    (list ?? []).map((c) => ({ listener: c.listener, hostname: c.hostname, secretName: c.secretName, notAfter: c.notAfter, issuer: c.issuer })),
  ),
);
/** Publish this TXT record to verify the Domain. */
export const domainVerification = domain !== undefined ? domain.verification : "not needed: hostname verification is disabled";
