import { isUnknown } from "../unknown";
import { isUnderDomain } from "./hostname";
import { compact } from "./json";
import { sourceLabels } from "./labels";
import { listenerAcmeSecretName, listenerCertificateName } from "./names";
import { makeObject, type Target } from "./object";
import type { RenderSettings } from "./settings";
import type { ListenerRef, RenderedObject } from "./types";

/**
 * The Gateway of one HTTPProxy, as NSO's two controllers leave it downstream: default listeners
 * on the canonical hostname, an HTTP and an HTTPS listener per custom hostname, and every HTTPS
 * listener terminating TLS with the Secret its cert-manager Certificate fills.
 */

export const GATEWAY_API = "gateway.networking.k8s.io/v1";
export const CERT_MANAGER_API = "cert-manager.io/v1";

export const DEFAULT_HTTP_LISTENER = "default-http";
export const DEFAULT_HTTPS_LISTENER = "default-https";

export interface PlannedListener extends ListenerRef {
  hostname: string;
  port: 80 | 443;
}

/** NSO's listener order: the two defaults, then `http-hostname-<i>`, `https-hostname-<i>` per hostname. */
export function plannedListeners(canonical: string, hostnames: readonly unknown[]): PlannedListener[] {
  const out: PlannedListener[] = [
    { name: DEFAULT_HTTP_LISTENER, protocol: "HTTP", port: 80, hostname: canonical },
    { name: DEFAULT_HTTPS_LISTENER, protocol: "HTTPS", port: 443, hostname: canonical },
  ];
  hostnames.forEach((h, i) => {
    if (typeof h !== "string") return;
    out.push({ name: `http-hostname-${i}`, protocol: "HTTP", port: 80, hostname: h });
    out.push({ name: `https-hostname-${i}`, protocol: "HTTPS", port: 443, hostname: h });
  });
  return out;
}

/**
 * A listener under targetDomain uses the shared wildcard Secret when one is configured (NSO's
 * `defaultListenerTLSSecretName`); every other HTTPS listener gets its own Certificate.
 */
function usesSharedSecret(l: PlannedListener, settings: RenderSettings): boolean {
  return settings.defaultListenerTLSSecretName !== undefined && !isUnknown(l.hostname) && isUnderDomain(l.hostname, settings.targetDomain);
}

function secretName(gateway: string, l: PlannedListener, settings: RenderSettings): string {
  if (usesSharedSecret(l, settings)) return settings.defaultListenerTLSSecretName as string;
  return settings.certificates.mode === "acme" ? listenerAcmeSecretName(gateway, l.name) : listenerCertificateName(gateway, l.name);
}

/** An HTTPS listener whose certificate this proxy must obtain (not the shared wildcard). */
export interface ListenerCertificate {
  /** The HTTPS listener. */
  listener: string;
  hostname: string;
  /** The Secret the listener's `certificateRefs` name. */
  secretName: string;
  /** The HTTP listener on the same hostname (where an http-01 answer is served). */
  httpListener: string;
}

/** Certificates the listeners need, in listener order: what cert-manager or the provider's ACME client fills. */
export function listenerCertificates(gateway: string, listeners: readonly PlannedListener[], settings: RenderSettings): ListenerCertificate[] {
  return listeners
    .filter((l) => l.protocol === "HTTPS" && !usesSharedSecret(l, settings))
    .map((l) => ({
      listener: l.name,
      hostname: l.hostname,
      secretName: secretName(gateway, l, settings),
      httpListener: listeners.find((h) => h.protocol === "HTTP" && h.hostname === l.hostname)?.name ?? DEFAULT_HTTP_LISTENER,
    }));
}

export function renderGateway(gateway: string, listeners: readonly PlannedListener[], target: Target, settings: RenderSettings): RenderedObject {
  return makeObject(GATEWAY_API, "Gateway", gateway, target, {
    spec: {
      gatewayClassName: settings.gatewayClassName,
      listeners: listeners.map((l) =>
        compact({
          name: l.name,
          protocol: l.protocol,
          port: l.port,
          hostname: l.hostname,
          allowedRoutes: { namespaces: { from: "Same" } },
          tls:
            l.protocol === "HTTPS"
              ? { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: secretName(gateway, l, settings) }] }
              : undefined,
        }),
      ),
    },
  });
}

/**
 * One Certificate per HTTPS listener that does not use the shared wildcard Secret; none in ACME
 * mode, where the provider writes the listener Secrets itself (provider/lifecycle/httpproxy/acme-certificates.ts).
 */
export function renderCertificates(gateway: string, listeners: readonly PlannedListener[], target: Target, settings: RenderSettings): RenderedObject[] {
  if (settings.certificates.mode === "acme") return [];
  return listeners
    .filter((l) => l.protocol === "HTTPS" && !usesSharedSecret(l, settings))
    .map((l) => {
      const name = listenerCertificateName(gateway, l.name);
      return makeObject(CERT_MANAGER_API, "Certificate", name, target, {
        spec: {
          secretName: name,
          dnsNames: [l.hostname],
          issuerRef: { kind: "ClusterIssuer", name: settings.clusterIssuer },
          // Source labels without managed-by: the Secret is cert-manager's, prune must not select it.
          secretTemplate: { labels: sourceLabels(target.source) },
        },
      });
    });
}
