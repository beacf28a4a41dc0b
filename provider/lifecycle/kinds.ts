/** Pulumi type tokens of the provider's resources and the Kubernetes kinds behind them. */
export interface ResourceKind {
  token: string;
  kind: string;
  apiVersion: string;
}

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  { token: "datum:networking:HTTPProxy", kind: "HTTPProxy", apiVersion: "networking.datumapis.com/v1alpha" },
  { token: "datum:networking:GRPCProxy", kind: "GRPCProxy", apiVersion: "networking.datumapis.com/v1alpha" },
  { token: "datum:networking:Domain", kind: "Domain", apiVersion: "networking.datumapis.com/v1alpha" },
  { token: "datum:policy:SecurityPolicy", kind: "SecurityPolicy", apiVersion: "gateway.envoyproxy.io/v1alpha1" },
  { token: "datum:policy:BackendTrafficPolicy", kind: "BackendTrafficPolicy", apiVersion: "gateway.envoyproxy.io/v1alpha1" },
  { token: "datum:policy:HTTPRouteFilter", kind: "HTTPRouteFilter", apiVersion: "gateway.envoyproxy.io/v1alpha1" },
  { token: "datum:policy:TrafficProtectionPolicy", kind: "TrafficProtectionPolicy", apiVersion: "networking.datumapis.com/v1alpha" },
];

export function kindByToken(token: string): ResourceKind | undefined {
  return RESOURCE_KINDS.find((k) => k.token === token);
}
