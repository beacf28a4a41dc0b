/**
 * An HTTPProxy's status as NSO reports it (docs/render.md "Status"): one entry per hostname —
 * verified (by which Domain), available (claimed by this stack or in use elsewhere), its listeners
 * programmed, its DNS record programmed (dnsIntegration), its certificate ready — and the aggregate
 * conditions Accepted, Programmed, HostnamesVerified, HostnamesInUse, CertificatesReady.
 *
 * Computed from what the provider rendered (the Gateway's listeners name each hostname's listeners
 * and certificate Secrets) and the live objects the controllers gave status to.
 */
import type { RenderedObject } from "../../core/render";
import type { KubeObject } from "../../kube";
import type { RefusedHostname } from "./hostnames";
import { asArray, asObj } from "../../core/json";
import { findCondition, readConditions, type Condition } from "../../await/conditions";

export interface StatusCondition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
}

export interface HostnameStatus {
  readonly hostname: string;
  readonly conditions: readonly StatusCondition[];
}

export interface ProxyStatus {
  readonly hostnameStatuses: readonly HostnameStatus[];
  readonly conditions: readonly StatusCondition[];
}

export interface ProxyStatusInput {
  readonly canonical: string;
  /** spec.hostnames, normalised, in spec order. */
  readonly customHostnames: readonly string[];
  /** How each admitted custom hostname was verified; absent when not known (a refresh). */
  readonly verifiedBy?: ReadonlyMap<string, string>;
  readonly refused: readonly RefusedHostname[];
  readonly rendered: readonly RenderedObject[];
  readonly live: readonly KubeObject[];
  readonly dnsIntegration: boolean;
  /** ACME mode: hostnames whose certificate the provider holds (undefined in cert-manager mode). */
  readonly acmeIssued?: ReadonlySet<string>;
}

const cond = (type: string, status: StatusCondition["status"], reason: string, message: string): StatusCondition => ({ type, status, reason, message });

interface Listener {
  readonly name: string;
  readonly hostname: string;
  readonly protocol: string;
  readonly secret: string | undefined;
}

function renderedListeners(rendered: readonly RenderedObject[]): Listener[] {
  const gw = rendered.find((o) => o.kind === "Gateway");
  return asArray(asObj(gw?.["spec"])["listeners"]).flatMap((l) => {
    const r = asObj(l);
    const ref = asObj(asArray(asObj(r["tls"])["certificateRefs"])[0]);
    return typeof r["name"] === "string" && typeof r["hostname"] === "string"
      ? [{ name: r["name"], hostname: r["hostname"], protocol: String(r["protocol"] ?? ""), secret: typeof ref["name"] === "string" ? ref["name"] : undefined }]
      : [];
  });
}

/** A condition of an object's status (the readiness observers' reader). */
function condition(status: unknown, type: string): Condition | undefined {
  return findCondition(readConditions(asObj(status)["conditions"]), type);
}

function listenerProgrammed(hostname: string, listeners: readonly Listener[], gateway: KubeObject | undefined): StatusCondition {
  const mine = listeners.filter((l) => l.hostname === hostname);
  const statuses = new Map(asArray(asObj(gateway?.["status"])["listeners"]).map((s) => [String(asObj(s)["name"]), condition(s, "Programmed")] as const));
  for (const l of mine) {
    const p = statuses.get(l.name);
    if (p?.status !== "True") return cond("Programmed", "False", p?.reason || "Pending", `listener ${l.name}: ${p?.message || "no status from the Gateway controller yet"}`);
  }
  return cond("Programmed", "True", "Programmed", `listeners ${mine.map((l) => l.name).join(", ")} are programmed`);
}

function certificateReady(hostname: string, listeners: readonly Listener[], live: readonly KubeObject[], acmeIssued: ReadonlySet<string> | undefined): StatusCondition | undefined {
  const https = listeners.find((l) => l.hostname === hostname && l.protocol === "HTTPS");
  if (https?.secret === undefined) return undefined;
  if (acmeIssued !== undefined) {
    return acmeIssued.has(hostname) ? cond("CertificateReady", "True", "CertificateIssued", "Certificate is ready") : cond("CertificateReady", "False", "Pending", "Certificate status not yet available");
  }
  const cert = live.find((o) => o.kind === "Certificate" && o.metadata.name === https.secret);
  if (cert === undefined) {
    // No Certificate of ours for the listener: it uses the shared wildcard Secret (defaultListenerTLSSecretName).
    return cond("CertificateReady", "True", "CertificateIssued", "Using shared wildcard TLS certificate");
  }
  const ready = condition(cert["status"], "Ready");
  if (ready?.status === "True") return cond("CertificateReady", "True", "CertificateIssued", "Certificate is ready");
  const failed = ready?.reason === "InvalidCertificate" || ready?.reason === "CertificateRequestFailed";
  return cond("CertificateReady", "False", failed ? "ProvisioningFailed" : "Pending", ready?.message || "Certificate status not yet available");
}

function dnsRecordProgrammed(hostname: string, live: readonly KubeObject[]): StatusCondition {
  const de = live.find((o) => o.kind === "DNSEndpoint");
  const has = asArray(asObj(de?.["spec"])["endpoints"]).some((e) => asObj(e)["dnsName"] === hostname);
  const published = de !== undefined && asObj(de["status"])["observedGeneration"] === de.metadata.generation;
  return has && published ? cond("DNSRecordProgrammed", "True", "RecordCreated", "DNS record is programmed") : cond("DNSRecordProgrammed", "False", "Pending", "DNS record is pending");
}

export function proxyStatus(input: ProxyStatusInput): ProxyStatus {
  const listeners = renderedListeners(input.rendered);
  const gateway = input.live.find((o) => o.kind === "Gateway");
  const refusedBy = new Map(input.refused.map((r) => [r.hostname, r] as const));
  const statuses: HostnameStatus[] = [];
  for (const hostname of [input.canonical, ...new Set(input.customHostnames)]) {
    const conditions: StatusCondition[] = [];
    const refused = refusedBy.get(hostname);
    if (hostname === input.canonical) {
      conditions.push(cond("Verified", "True", "CanonicalHostname", "the platform hostname needs no Domain"));
      conditions.push(cond("Available", "True", "Claimed", "Hostname successfully claimed"));
    } else if (refused?.reason === "UnverifiedHostnamesPresent") {
      conditions.push(cond("Verified", "False", "UnverifiedHostnamesPresent", refused.message));
    } else {
      const how = input.verifiedBy?.get(hostname);
      conditions.push(cond("Verified", "True", "HostnamesVerified", how ?? "served by this stack's Gateway"));
      conditions.push(refused ? cond("Available", "False", "InUse", refused.message) : cond("Available", "True", "Claimed", "Hostname successfully claimed"));
    }
    if (refused) {
      conditions.push(cond("Programmed", "False", refused.reason, "not served: the Gateway has no listener for it until the reason above is resolved"));
    } else {
      conditions.push(listenerProgrammed(hostname, listeners, gateway));
      if (input.dnsIntegration) conditions.push(dnsRecordProgrammed(hostname, input.live));
      const cert = certificateReady(hostname, listeners, input.live, input.acmeIssued);
      if (cert) conditions.push(cert);
    }
    statuses.push({ hostname, conditions });
  }
  statuses.sort((a, b) => (a.hostname < b.hostname ? -1 : a.hostname > b.hostname ? 1 : 0));
  return { hostnameStatuses: statuses, conditions: aggregate(input, statuses, gateway) };
}

function aggregate(input: ProxyStatusInput, statuses: readonly HostnameStatus[], gateway: KubeObject | undefined): StatusCondition[] {
  const out: StatusCondition[] = [];
  const accepted = condition(gateway?.["status"], "Accepted");
  out.push(accepted?.status === "True" ? cond("Accepted", "True", "Accepted", "The HTTPProxy has been scheduled") : cond("Accepted", "False", accepted?.reason || "Pending", "The HTTPProxy has not been scheduled"));
  const programmed = condition(gateway?.["status"], "Programmed");
  if (input.refused.length > 0) out.push(cond("Programmed", "False", "ListenersNotValid", "One or more listeners could not be programmed. See the per-hostname status for the reason."));
  else if (programmed?.status === "True") out.push(cond("Programmed", "True", "Programmed", "The HTTPProxy has been programmed"));
  else out.push(cond("Programmed", "False", programmed?.reason || "Pending", "The HTTPProxy has not been programmed"));
  if (input.customHostnames.length > 0) {
    const unverified = input.refused.filter((r) => r.reason === "UnverifiedHostnamesPresent").map((r) => r.hostname).sort();
    out.push(
      unverified.length
        ? cond("HostnamesVerified", "False", "UnverifiedHostnamesPresent", `unverified hostnames present, check status of Domains in the same namespace: ${unverified.join(",")}`)
        : cond("HostnamesVerified", "True", "HostnamesVerified", "All hostnames have been accepted and programmed"),
    );
    const inUse = input.refused.filter((r) => r.reason === "HostnameInUse").map((r) => r.hostname).sort();
    if (inUse.length) out.push(cond("HostnamesInUse", "True", "HostnameInUse", `Hostnames are already attached to another resource: ${inUse.join(",")}`));
  }
  const certs = statuses.flatMap((s) => s.conditions.filter((c) => c.type === "CertificateReady"));
  if (certs.length) {
    if (certs.some((c) => c.reason === "ProvisioningFailed")) out.push(cond("CertificatesReady", "False", "CertificatesFailed", "One or more certificates failed to provision"));
    else if (certs.some((c) => c.status !== "True")) out.push(cond("CertificatesReady", "False", "CertificatesPending", "One or more certificates are pending or in progress"));
    else out.push(cond("CertificatesReady", "True", "AllCertificatesReady", "All certificates are ready"));
  }
  return out;
}
