/**
 * The output properties each resource publishes next to its inputs (schema.json `properties`,
 * the SDK's `Output` fields). The lifecycle's `ResourceState` carries them under these names;
 * at preview an output the lifecycle cannot compute yet is sent as unknown.
 */
import { z } from "zod";
import { storedAcmeAccountSchema, storedCertificateSchema } from "../lifecycle/httpproxy/acme-certificates";

export const downstreamRefSchema = z
  .object({
    apiVersion: z.string(),
    kind: z.string(),
    namespace: z.string().optional(),
    name: z.string(),
  })
  .describe("A Kubernetes object the provider manages for this resource");

const commonOutputs = {
  downstream: z.array(downstreamRefSchema).describe("The Gateway API / Envoy Gateway / cert-manager objects this resource became"),
  ready: z.boolean().describe("True once every downstream object is ready (false with skipAwait, or after a refresh that found drift)"),
  readiness: z.string().describe("What the last operation found: `ready`, what is still pending, or what failed, quoting the controller"),
  drift: z.array(z.string()).describe("Differences between the cluster and the rendered objects found by the last refresh; the next `up` repairs them"),
};

export const domainVerificationSchema = z
  .object({
    dnsRecord: z
      .object({ name: z.string(), type: z.string(), content: z.string() })
      .optional()
      .describe("TXT record that proves ownership: create it at your DNS provider"),
    httpToken: z.object({ url: z.string(), body: z.string() }).optional().describe("alternatively, serve `body` at `url` over plain HTTP"),
  })
  .describe("How to prove ownership: the TXT record (or HTTP token) to publish; kept after verification so DNS resources fed from it stay stable");

const statusConditionSchema = z
  .object({
    type: z.string(),
    status: z.enum(["True", "False", "Unknown"]),
    reason: z.string(),
    message: z.string(),
  })
  .describe("A condition as NSO reports it (metav1.Condition without times)");

export const hostnameStatusSchema = z
  .object({
    hostname: z.string(),
    conditions: z
      .array(statusConditionSchema)
      .describe(
        "Verified (by which Domain), Available (Claimed by this stack / InUse elsewhere), Programmed (its listeners), DNSRecordProgrammed (dnsIntegration), CertificateReady (HTTPS)",
      ),
  })
  .describe("One hostname's state: NSO's status.hostnameStatuses entry");

/** What a proxy (HTTPProxy, GRPCProxy) reports besides the common outputs. */
const proxyOutputs = {
  ...commonOutputs,
  canonicalHostname: z.string().optional().describe("Platform hostname of the proxy (`<word>-<word>-<5 chars>.<targetDomain>`); CNAME custom hostnames to it"),
  hostnames: z.array(z.string()).optional().describe("Every hostname the proxy answers on: the canonical hostname and the spec.hostnames that were admitted (see hostnameStatuses for the others)"),
  hostnameStatuses: z
    .array(hostnameStatusSchema)
    .optional()
    .describe("Per hostname (sorted), as NSO's status.hostnameStatuses: why each is or is not served; unverified or claimed-elsewhere hostnames are left out of the Gateway and reported here"),
  conditions: z
    .array(statusConditionSchema)
    .optional()
    .describe("NSO's aggregate conditions: Accepted, Programmed, HostnamesVerified, HostnamesInUse, CertificatesReady"),
  addresses: z.array(z.string()).optional().describe("IP addresses of the generated Gateway (empty until the data plane has them)"),
  certificates: z
    .array(storedCertificateSchema)
    .optional()
    .describe("ACME mode only: the certificate of each HTTPS listener, as issued by the provider"),
  acmeAccount: storedAcmeAccountSchema
    .optional()
    .describe("ACME mode only: the account the certificates were ordered with (absent when the provider config sets accountKeyPem)"),
};

/** Output properties per resource kind. */
export const RESOURCE_OUTPUTS = {
  HTTPProxy: proxyOutputs,
  GRPCProxy: proxyOutputs,
  Domain: {
    ...commonOutputs,
    verified: z.boolean().optional().describe("True once ownership of spec.domainName is proven"),
    verification: domainVerificationSchema.optional(),
    registrable: z.boolean().optional().describe("False when spec.domainName is a public suffix only (e.g. co.uk): it can never be verified"),
    status: z
      .object({ conditions: z.array(z.object({ type: z.string(), status: z.string(), reason: z.string().optional(), message: z.string().optional() }).passthrough()).optional() })
      .passthrough()
      .optional()
      .describe("NSO-shaped Domain status (Verified, ValidDomain… conditions) as recorded in the cluster"),
  },
  SecurityPolicy: commonOutputs,
  BackendTrafficPolicy: commonOutputs,
  HTTPRouteFilter: commonOutputs,
  TrafficProtectionPolicy: commonOutputs,
} as const satisfies Record<string, Record<string, z.ZodType>>;

export type ResourceKind = keyof typeof RESOURCE_OUTPUTS;
