/**
 * What to install when a kind is not served. The versions are the ones the renderer targets;
 * callers with other pins pass their own table to the client.
 */

export interface InstallHint {
  /** API group, "" for the core group. */
  readonly group: string;
  readonly install: string;
}

export const DEFAULT_INSTALL_HINTS: readonly InstallHint[] = [
  { group: "gateway.networking.k8s.io", install: "install the Gateway API CRDs v1.5.1" },
  { group: "gateway.envoyproxy.io", install: "install the Envoy Gateway CRDs v1.8.1" },
  { group: "cert-manager.io", install: "install cert-manager v1.19.2 (its CRDs)" },
  { group: "acme.cert-manager.io", install: "install cert-manager v1.19.2 (its CRDs)" },
  { group: "externaldns.k8s.io", install: "install the external-dns DNSEndpoint CRD v0.20.0" },
  { group: "networking.datumapis.com", install: "install Datum's network-services-operator CRDs" },
  { group: "dns.networking.miloapis.com", install: "install Datum's dns-operator CRDs" },
];

export function installHintFor(group: string, hints: readonly InstallHint[] = DEFAULT_INSTALL_HINTS): string {
  const h = hints.find((x) => x.group === group);
  if (h !== undefined) return h.install;
  if (group === "" || !group.includes(".") || group.endsWith(".k8s.io")) {
    return "this Kubernetes version does not serve it; use a cluster version that does";
  }
  return `install the CRD that defines it (API group ${group})`;
}
