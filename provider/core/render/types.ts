import type { FieldError } from "../errors";

/** A Kubernetes object ready for server-side apply: plain JSON, keys sorted, every list in a stable order. */
export interface RenderedObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

/** What a Connector looks like right now; `endpointId` is `status.connectionDetails.publicKey.id`. */
export interface ConnectorState {
  ready: boolean;
  endpointId?: string;
}

/** A listener as policies see it: its name and whether it terminates TLS. */
export interface ListenerRef {
  name: string;
  protocol: "HTTP" | "HTTPS";
}

/**
 * Facts that live in the cluster, not in the specs. The renderer stays pure: the engine reads
 * these and passes them in, and rendering without them yields the "not known yet" shape
 * (connector offline, no A/AAAA records). Keys are `<source namespace>/<name>`.
 */
export interface RenderContext {
  /** Connectors referenced by HTTPProxy backends. Missing = not ready. */
  connectors?: Readonly<Record<string, ConnectorState>>;
  /** IP addresses from a generated Gateway's `status.addresses`, keyed by the HTTPProxy. */
  gatewayAddresses?: Readonly<Record<string, readonly string[]>>;
  /**
   * The GatewayClass merges its Gateways into one Envoy fleet (EnvoyProxy `mergeGateways`). Envoy
   * Gateway then takes an EnvoyPatchPolicy only when it targets the GatewayClass, and ignores one
   * that targets a Gateway: the connector and WAF patches follow.
   */
  mergedGateways?: boolean;
  /**
   * Custom hostnames of an HTTPProxy the cluster refused (unverified, or claimed by another owner),
   * keyed by the HTTPProxy: as NSO does, they get no listener, route hostname, certificate or DNS
   * record, and the other hostnames are programmed.
   */
  unservedHostnames?: Readonly<Record<string, readonly string[]>>;
  /** Listeners of the Gateways policies target, keyed by the HTTPProxy. `render()` fills this from the proxies it renders. */
  gatewayListeners?: Readonly<Record<string, readonly ListenerRef[]>>;
}

/** Why one input object produced nothing; `index` is its position in the input list. */
export interface RenderError {
  index: number;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  errors: FieldError[];
}

export interface RenderResult {
  /** Empty whenever `errors` is not: a set renders completely or not at all. */
  objects: RenderedObject[];
  errors: RenderError[];
  /**
   * True when some input value was Pulumi's unknown sentinel: the objects are a preview whose
   * unknown-derived fields (and, for an unknown endpoint, the presence of a BackendTLSPolicy)
   * are not final.
   */
  unknown: boolean;
}
