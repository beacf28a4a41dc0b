/**
 * The render's live inputs, read from the cluster (core/render/types.ts `RenderContext`): the
 * addresses Envoy Gateway gave an HTTPProxy's Gateway (its DNSEndpoint's A/AAAA records), the
 * state of the Connectors its backends tunnel through (online: the CONNECT patch; offline: 503),
 * and whether the GatewayClass merges Gateways (what an EnvoyPatchPolicy must target).
 * `up`, `preview` (when the cluster is reachable) and `refresh` all render with what this reads.
 */
import type { ConnectorState, RenderContext, RenderedObject } from "../../core/render";
import { isProxyKind } from "../../core/render";
import { isForbidden, isNotFound, MissingKindError, type KubeClient, type KubeObject } from "../../kube";
import { sourceIdentity } from "../inputs";
import { asArray, asObj, isObj, type Obj } from "../../core/json";

/** NSO's Connector (networking.datumapis.com); a Datum Connect agent keeps it Ready. */
export const CONNECTOR_API_VERSION = "networking.datumapis.com/v1alpha1";

export interface LiveContext {
  readonly context: RenderContext;
  /** Why some connector backends answer 503 "Tunnel not online" (empty: none do). */
  readonly offlineConnectors: readonly string[];
}

/** The connector names an HTTPProxy's backends use, in order of first use. */
function connectorNames(source: Obj): string[] {
  const names = new Set<string>();
  for (const rule of asArray(asObj(source["spec"])["rules"])) {
    for (const b of asArray(asObj(rule)["backends"])) {
      const name = asObj(asObj(b)["connector"])["name"];
      if (typeof name === "string") names.add(name);
    }
  }
  return [...names];
}

/** A Connector's state as the render needs it: Ready=True and the tunnel's public key id. */
export function connectorStateOf(connector: KubeObject): ConnectorState {
  const status = asObj(connector["status"]);
  const ready = asArray(status["conditions"]).some((c) => isObj(c) && c["type"] === "Ready" && c["status"] === "True");
  const id = asObj(asObj(status["connectionDetails"])["publicKey"])["id"];
  return { ready, ...(typeof id === "string" && id !== "" ? { endpointId: id } : {}) };
}

/** The IP addresses in a Gateway's status (hostname-typed addresses cannot be A/AAAA targets). */
export function gatewayAddressesOf(gateway: KubeObject | undefined): string[] {
  return asArray(asObj(gateway?.["status"])["addresses"]).flatMap((a) => {
    const r = asObj(a);
    const type = r["type"] ?? "IPAddress";
    return type === "IPAddress" && typeof r["value"] === "string" ? [r["value"]] : [];
  });
}

/** Key of an HTTPProxy in the render context maps. */
export function contextKey(source: Obj): string {
  const { namespace, name } = sourceIdentity(source);
  return `${namespace}/${name}`;
}

/**
 * True when GatewayClass `className` has Envoy Gateway parameters (an EnvoyProxy) that merge its
 * Gateways. A class or EnvoyProxy this identity cannot read counts as not merging.
 */
export async function classMergesGateways(client: KubeClient, className: string, signal?: AbortSignal): Promise<boolean> {
  const opts = signal ? { signal } : {};
  try {
    const cls = await client.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", name: className }, opts);
    const ref = asObj(asObj(cls?.["spec"])["parametersRef"]);
    if (ref["group"] !== "gateway.envoyproxy.io" || ref["kind"] !== "EnvoyProxy" || typeof ref["name"] !== "string" || typeof ref["namespace"] !== "string") return false;
    const proxy = await client.get({ apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "EnvoyProxy", namespace: ref["namespace"], name: ref["name"] }, opts);
    return asObj(proxy?.["spec"])["mergeGateways"] === true;
  } catch (e) {
    if (e instanceof MissingKindError || isForbidden(e) || isNotFound(e)) return false;
    throw e;
  }
}

/**
 * Reads the live context of one source. For an HTTPProxy: its rendered Gateway's addresses (none
 * before Envoy Gateway programs it) and each Connector it uses — a cluster that does not serve
 * Connector has no tunnels: those backends are offline, and `offlineConnectors` says why. For
 * every kind: whether the GatewayClass merges Gateways.
 */
export async function readRenderContext(client: KubeClient, source: Obj, rendered: readonly RenderedObject[], gatewayClassName: string, signal?: AbortSignal): Promise<LiveContext> {
  const mergedGateways = await classMergesGateways(client, gatewayClassName, signal);
  if (!isProxyKind(source["kind"])) return { context: { mergedGateways }, offlineConnectors: [] };
  const opts = signal ? { signal } : {};
  const key = contextKey(source);
  const { namespace } = sourceIdentity(source);
  const gateway = rendered.find((o) => o.kind === "Gateway");
  const addresses = gateway ? gatewayAddressesOf(await client.get({ apiVersion: gateway.apiVersion, kind: gateway.kind, namespace: gateway.metadata.namespace, name: gateway.metadata.name }, opts)) : [];
  const connectors: Record<string, ConnectorState> = {};
  const offline: string[] = [];
  for (const name of connectorNames(source)) {
    let live: KubeObject | undefined;
    try {
      live = await client.get({ apiVersion: CONNECTOR_API_VERSION, kind: "Connector", namespace, name }, opts);
    } catch (e) {
      if (!(e instanceof MissingKindError)) throw e;
      offline.push(`connector ${name}: the cluster does not serve Connector (${CONNECTOR_API_VERSION}), so its backends answer 503 "Tunnel not online"`);
      continue;
    }
    if (live === undefined) {
      offline.push(`connector ${name}: no Connector ${namespace}/${name}; its backends answer 503 "Tunnel not online" until one is Ready`);
      continue;
    }
    const state = connectorStateOf(live);
    connectors[`${namespace}/${name}`] = state;
    if (!state.ready || state.endpointId === undefined) offline.push(`connector ${name}: not Ready with a tunnel key yet; its backends answer 503 "Tunnel not online" until it is`);
  }
  return { context: { ...(addresses.length ? { gatewayAddresses: { [key]: addresses } } : {}), connectors, mergedGateways }, offlineConnectors: offline };
}
