import { z } from "zod";
import type { ListenerCertificate } from "../../core/render";
import type { KubeClient, KubeObject } from "../../kube";
import type { AcmeCertificatesSettings } from "../../acme/settings";
import type { IssuedCertificate } from "../../acme/issue";
import type { ResourceState } from "../types";

/**
 * ACME mode (`certificates: {mode: "acme", …}`): the provider plays cert-manager for one
 * HTTPProxy. Every HTTPS listener gets a certificate for its hostname from the configured CA,
 * written into the TLS Secret the listener references. Certificates and keys live in the
 * resource's state (keys as Pulumi secrets), so an `up` with nothing due makes no ACME call and
 * re-applies the Secrets from state — which also repairs a Secret deleted by hand.
 */

/** One listener's certificate as kept in state (the `certificates` output; schema.json is generated from this). */
export const storedCertificateSchema = z.object({
  listener: z.string().describe("HTTPS listener of the Gateway"),
  hostname: z.string(),
  secretName: z.string().describe("kubernetes.io/tls Secret the listener uses"),
  directoryUrl: z.string().describe("ACME directory that issued it"),
  issuer: z.string(),
  notBefore: z.string(),
  notAfter: z.string().describe("expiry (ISO 8601); `up` renews when fewer than renewBeforeDays remain"),
  certificatePem: z.string().describe("leaf and intermediates"),
  privateKeyPem: z.string().describe("the certificate's private key (always a secret)"),
});

/** The ACME account in state (the `acmeAccount` output). */
export const storedAcmeAccountSchema = z.object({
  directoryUrl: z.string(),
  url: z.string(),
  keyPem: z.string().describe("account key (always a secret)"),
});

export type StoredCertificate = z.infer<typeof storedCertificateSchema>;
export type StoredAcmeAccount = z.infer<typeof storedAcmeAccountSchema>;

export { ACME_STATE_SECRET_PATHS } from "../secret-paths";

export function storedCertificatesOf(state: ResourceState | undefined): StoredCertificate[] {
  const list = state?.["certificates"];
  if (!Array.isArray(list)) return [];
  return list.flatMap((c) => {
    const parsed = storedCertificateSchema.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  });
}

export function storedAccountOf(state: ResourceState | undefined): StoredAcmeAccount | undefined {
  const parsed = storedAcmeAccountSchema.safeParse(state?.["acmeAccount"]);
  return parsed.success ? parsed.data : undefined;
}

export type CertificateAction = { listener: ListenerCertificate; issue: false; stored: StoredCertificate; reason: string } | { listener: ListenerCertificate; issue: true; reason: string };

/**
 * Per listener: keep the stored certificate, or why a new one is needed. Pure over (state, now),
 * so diff can say "renewal due" without any network call.
 */
export async function planCertificates(
  wanted: readonly ListenerCertificate[],
  stored: readonly StoredCertificate[],
  settings: Pick<AcmeCertificatesSettings, "directoryUrl" | "renewBeforeDays">,
  nowMs: number,
): Promise<CertificateAction[]> {
  const { renewalDue, coversExactly } = await import("../../acme/renewal.js");
  return wanted.map((listener) => {
    const prev = stored.find((s) => s.secretName === listener.secretName);
    if (prev === undefined) return { listener, issue: true, reason: `no certificate yet for ${listener.hostname}` };
    if (prev.hostname !== listener.hostname || !coversExactly(prev.certificatePem, [listener.hostname])) {
      return { listener, issue: true, reason: `hostname of listener ${listener.listener} changed to ${listener.hostname}` };
    }
    if (prev.directoryUrl !== settings.directoryUrl) return { listener, issue: true, reason: `ACME directory changed to ${settings.directoryUrl}` };
    const renewal = renewalDue(prev.certificatePem, nowMs, settings.renewBeforeDays);
    if (renewal.due) return { listener, issue: true, reason: renewal.message };
    return { listener, issue: false, stored: prev, reason: renewal.message };
  });
}

/** Raised when some certificates were obtained (and their Secrets written) before one failed. */
export class CertificateIssueError extends Error {
  constructor(
    message: string,
    readonly certificates: StoredCertificate[],
    readonly account: StoredAcmeAccount | undefined,
    readonly secrets: KubeObject[],
  ) {
    super(message);
    this.name = "CertificateIssueError";
  }
}

export interface EnsureCertificatesRequest {
  readonly client: KubeClient;
  readonly settings: AcmeCertificatesSettings;
  /** DNS servers for the http-01 self-check and dns-01 propagation (engine `dnsServers`). */
  readonly dnsServers?: readonly string[];
  /** The proxy's Gateway (http-01 routes attach to it) and the namespace of its Secrets. */
  readonly gateway: { readonly name: string; readonly namespace: string };
  readonly wanted: readonly ListenerCertificate[];
  readonly previous: ResourceState | undefined;
  /** Labels of the Secrets: the proxy's owned labels, so prune and delete find them. */
  readonly labels: Record<string, string>;
  /** Adds the stack's ownership mark (ownership.ts), so only this stack deletes the Secrets. */
  readonly markOwned: (obj: KubeObject) => KubeObject;
  readonly nowMs: number;
  readonly deadlineMs: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

export interface EnsuredCertificates {
  certificates: StoredCertificate[];
  /** The account the orders used (the engine decides whether it belongs in state). */
  account: StoredAcmeAccount | undefined;
  /** The TLS Secrets as applied (one per listener). */
  secrets: KubeObject[];
  /** How many new certificates the CA issued in this call. */
  issued: number;
}

export async function ensureCertificates(req: EnsureCertificatesRequest): Promise<EnsuredCertificates> {
  const acme = await import("../../acme/index.js");
  const plan = await planCertificates(req.wanted, storedCertificatesOf(req.previous), req.settings, req.nowMs);
  const previousAccount = storedAccountOf(req.previous);
  let account: StoredAcmeAccount | undefined =
    req.settings.accountKeyPem !== undefined
      ? undefined // the configured key wins; its URL is learnt on the first order
      : previousAccount?.directoryUrl === req.settings.directoryUrl
        ? previousAccount
        : undefined;
  const accountKey = (): { keyPem: string; url?: string } | undefined => {
    if (req.settings.accountKeyPem !== undefined) return { keyPem: req.settings.accountKeyPem, ...(account?.url !== undefined && { url: account.url }) };
    return account;
  };
  const certificates: StoredCertificate[] = [];
  const secrets: KubeObject[] = [];
  let issued = 0;
  const callOpts = req.signal ? { signal: req.signal } : {};

  const dns = await import("../../await/dns/index.js");
  const resolver = req.dnsServers !== undefined && req.dnsServers.length > 0 ? dns.createResolver({ servers: [...req.dnsServers] }) : undefined;

  for (const action of plan) {
    const { listener } = action;
    let cert: StoredCertificate;
    if (!action.issue) {
      cert = action.stored;
    } else {
      req.onProgress?.(`certificate for ${listener.hostname} (listener ${listener.listener}): ${action.reason}; ordering from ${req.settings.directoryUrl}`);
      const built = acme.solverFromSettings(req.settings, {
        gateway: { name: req.gateway.name, namespace: req.gateway.namespace, sectionName: listener.httpListener },
        writer: {
          apply: async (obj, signal) => {
            await req.client.apply({ ...obj, metadata: { ...obj.metadata, labels: { ...obj.metadata.labels, ...req.labels } } } as unknown as KubeObject, signal ? { signal } : {});
          },
          delete: async (ref, signal) => {
            await req.client.delete(ref, signal ? { signal } : {});
          },
        },
        selfCheck: dns.createHttpGet(resolver !== undefined ? { resolver } : {}),
      });
      if (!built.ok) throw new CertificateIssueError(`certificates: ${built.error}`, certificates, account, secrets);
      let result: IssuedCertificate;
      try {
        const known = accountKey();
        result = await acme.issueCertificate({
          settings: req.settings,
          hostnames: [listener.hostname],
          solver: built.solver,
          ...(known !== undefined && { account: known }),
          timeoutMs: Math.max(1_000, req.deadlineMs - Date.now()),
          ...(req.signal && { signal: req.signal }),
          ...(req.onProgress && { onProgress: req.onProgress }),
        });
      } catch (e) {
        const step = e instanceof acme.AcmeIssueError ? ` (${e.step})` : "";
        throw new CertificateIssueError(
          `ACME certificate for ${listener.hostname} (listener ${listener.listener}) failed${step}: ${e instanceof Error ? e.message : String(e)}`,
          certificates,
          account,
          secrets,
        );
      }
      issued++;
      account = { directoryUrl: req.settings.directoryUrl, url: result.accountUrl, keyPem: result.secrets.accountKeyPem };
      cert = {
        listener: listener.listener,
        hostname: listener.hostname,
        secretName: listener.secretName,
        directoryUrl: req.settings.directoryUrl,
        issuer: result.issuer.replace(/\n/g, ", "),
        notBefore: result.notBefore,
        notAfter: result.notAfter,
        certificatePem: result.certificatePem,
        privateKeyPem: result.secrets.privateKeyPem,
      };
    }
    const secret = acme.tlsSecretObject({
      name: cert.secretName,
      namespace: req.gateway.namespace,
      certificatePem: cert.certificatePem,
      privateKeyPem: cert.privateKeyPem,
      labels: req.labels,
      notAfter: cert.notAfter,
      directoryUrl: cert.directoryUrl,
    });
    // Recorded first: a Secret whose write answer was lost may still exist, and state must keep the key.
    certificates.push(cert);
    try {
      secrets.push(await req.client.apply(req.markOwned(secret as unknown as KubeObject), callOpts));
    } catch (e) {
      throw new CertificateIssueError(`writing TLS Secret ${req.gateway.namespace}/${cert.secretName} failed: ${e instanceof Error ? e.message : String(e)}`, certificates, account, secrets);
    }
  }
  return { certificates, account, secrets, issued };
}

/** The "renewal due" lines diff shows (empty when nothing is due or the mode is not ACME). */
export async function renewalNotes(
  wanted: readonly ListenerCertificate[],
  state: ResourceState,
  settings: Pick<AcmeCertificatesSettings, "directoryUrl" | "renewBeforeDays">,
  nowMs: number,
): Promise<{ listener: string; message: string }[]> {
  const stored = storedCertificatesOf(state);
  if (stored.length === 0) return [];
  const plan = await planCertificates(wanted, stored, settings, nowMs);
  return plan.filter((a) => a.issue && stored.some((s) => s.secretName === a.listener.secretName)).map((a) => ({ listener: a.listener.listener, message: a.reason }));
}
