import { isUnknown } from "../unknown";
import { endpointTarget } from "./endpoint";
import {
  CLUSTER_TYPE,
  httpsRouteConfigNames,
  patch,
  renderEnvoyPatchPolicy,
  ROUTE_CONFIGURATION_TYPE,
  routeClusterName,
  type JsonPatch,
} from "./envoypatch";
import { joinName, subdomainName } from "./names";
import type { Target } from "./object";
import type { RenderSettings } from "./settings";
import type { ConnectorState, ListenerRef, RenderContext, RenderedObject } from "./types";
import { asArray, asObj, isObj } from "../json";

/**
 * Connector backends (docs/spec/compile.md §5.2, EPP mode): the route keeps its placeholder backend, and an
 * EnvoyPatchPolicy `connector-<proxy>` rewrites Envoy's config around it.
 *
 * - Online (Connector Ready with a public-key id): each connector rule's cluster is replaced by a
 *   STATIC cluster whose endpoint is the internal tunnel listener, carrying the dial target and the
 *   agent's id as metadata; the targets join the HTTPS virtual hosts' domains and CONNECT routes
 *   are prepended.
 * - Offline (or state not known): a CONNECT route answering 503 "Tunnel not online" is prepended.
 *
 * Unlike NSO's EPP mode, an offline connector does not drop the rule's backend: the HTTPRoute's
 * shape then depends only on the spec, not on connector liveness (requests get a 503 either way).
 */

export const TUNNEL_OFFLINE_BODY = "Tunnel not online";

interface ConnectorBackend {
  ruleIndex: number;
  connector: string;
  /** `host:port` the agent dials (IPv6 in brackets). */
  dialAddress: string;
  host: string;
}

function collectConnectorBackends(rules: readonly unknown[]): ConnectorBackend[] {
  const out: ConnectorBackend[] = [];
  rules.forEach((rule, ruleIndex) => {
    for (const raw of asArray(asObj(rule)["backends"])) {
      const b = asObj(raw);
      if (!isObj(b["connector"])) continue;
      const t = endpointTarget(b["endpoint"], true);
      if (!t) continue;
      const connector = b["connector"]["name"];
      const host = t.host.includes(":") ? `[${t.host}]` : t.host;
      out.push({ ruleIndex, connector: typeof connector === "string" ? connector : "", dialAddress: `${host}:${t.port}`, host: t.host });
    }
  });
  return out;
}

function onlineId(state: ConnectorState | undefined): string | undefined {
  return state?.ready && typeof state.endpointId === "string" && state.endpointId !== "" ? state.endpointId : undefined;
}

const CONNECT_UPGRADE = [{ upgrade_type: "CONNECT", connect_config: {} }];

function tunnelCluster(name: string, tunnelListener: string, dialAddress: string, endpointId: string): Record<string, unknown> {
  return {
    name,
    type: "STATIC",
    connect_timeout: "5s",
    load_assignment: {
      cluster_name: name,
      endpoints: [
        {
          lb_endpoints: [
            {
              endpoint: { address: { envoy_internal_address: { server_listener_name: tunnelListener } } },
              metadata: { filter_metadata: { tunnel: { address: dialAddress, endpoint_id: endpointId } } },
            },
          ],
        },
      ],
    },
    transport_socket: {
      name: "envoy.transport_sockets.internal_upstream",
      typed_config: {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.internal_upstream.v3.InternalUpstreamTransport",
        passthrough_metadata: [{ kind: { host: {} }, name: "tunnel" }],
        transport_socket: {
          name: "envoy.transport_sockets.raw_buffer",
          typed_config: { "@type": "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer" },
        },
      },
    },
  };
}

/**
 * CONNECT routes: one per rule match that asks for CONNECT on a non-root Exact/PathPrefix path,
 * then the pure-CONNECT fallback to the first online rule (or to a rule matching CONNECT on "/").
 */
function connectRoutes(proxy: string, namespace: string, rules: readonly unknown[], onlineRules: ReadonlySet<number>, firstOnline: number): unknown[] {
  const routes: unknown[] = [];
  let fallbackRule = firstOnline;
  rules.forEach((rule, ruleIndex) => {
    if (!onlineRules.has(ruleIndex)) return;
    for (const raw of asArray(asObj(rule)["matches"])) {
      const match = asObj(raw);
      if (match["method"] !== "CONNECT") continue;
      const path = asObj(match["path"]);
      const value = path["value"];
      if (typeof value !== "string") continue;
      if (value === "" || value === "/") {
        fallbackRule = ruleIndex;
        continue;
      }
      const type = path["type"] ?? "PathPrefix";
      if (type !== "PathPrefix" && type !== "Exact") continue;
      routes.push({
        name: `connector-connect-${proxy}-rule-${ruleIndex}`,
        match: {
          headers: [{ name: ":method", string_match: { exact: "CONNECT" } }],
          ...(type === "PathPrefix" ? { prefix: value } : { path: value }),
        },
        route: { cluster: routeClusterName(namespace, proxy, ruleIndex), upgrade_configs: CONNECT_UPGRADE },
      });
    }
  });
  routes.push({
    name: `connector-connect-${proxy}`,
    match: { connect_matcher: {} },
    route: { cluster: routeClusterName(namespace, proxy, fallbackRule), upgrade_configs: CONNECT_UPGRADE },
  });
  return routes;
}

function onlinePatches(
  proxy: string,
  namespace: string,
  rules: readonly unknown[],
  online: readonly (ConnectorBackend & { endpointId: string })[],
  routeConfigs: readonly string[],
  settings: RenderSettings,
): JsonPatch[] {
  const patches: JsonPatch[] = [];
  const replaced = new Set<number>();
  for (const b of online) {
    if (replaced.has(b.ruleIndex)) continue;
    replaced.add(b.ruleIndex);
    const cluster = routeClusterName(namespace, proxy, b.ruleIndex);
    patches.push(patch(CLUSTER_TYPE, cluster, "replace", "", tunnelCluster(cluster, settings.connectorTunnelListenerName, b.dialAddress, b.endpointId)));
  }
  // CONNECT requests carry the dial target as :authority, so it must match the virtual host.
  const seen = new Set<string>();
  for (const b of online) {
    for (const rc of routeConfigs) {
      const key = `${b.host}|${rc}`;
      if (seen.has(key)) continue;
      seen.add(key);
      patches.push(patch(ROUTE_CONFIGURATION_TYPE, rc, "add", "/virtual_hosts/0/domains/-", b.host));
    }
  }
  const first = online[0] as ConnectorBackend;
  for (const route of connectRoutes(proxy, namespace, rules, replaced, first.ruleIndex)) {
    for (const rc of routeConfigs) patches.push(patch(ROUTE_CONFIGURATION_TYPE, rc, "add", "/virtual_hosts/0/routes/0", route));
  }
  return patches;
}

function offlinePatches(proxy: string, routeConfigs: readonly string[]): JsonPatch[] {
  const route = {
    name: `connector-offline-${proxy}`,
    match: { connect_matcher: {} },
    direct_response: { status: 503, body: { inline_string: TUNNEL_OFFLINE_BODY } },
  };
  return routeConfigs.map((rc) => patch(ROUTE_CONFIGURATION_TYPE, rc, "add", "/virtual_hosts/0/routes/0", route));
}

/** The connector EnvoyPatchPolicy of one HTTPProxy, or nothing when no backend uses a connector. */
export function renderConnectorPolicy(
  proxy: string,
  rules: readonly unknown[],
  listeners: readonly ListenerRef[],
  context: RenderContext,
  target: Target,
  settings: RenderSettings,
): RenderedObject[] {
  const connectors = context.connectors ?? {};
  const backends = collectConnectorBackends(rules);
  if (backends.length === 0) return [];
  const routeConfigs = httpsRouteConfigNames(target.namespace, proxy, listeners);
  const online = backends.flatMap((b) => {
    const endpointId = onlineId(connectors[`${target.source.namespace}/${b.connector}`]);
    return endpointId !== undefined && !isUnknown(b.host) ? [{ ...b, endpointId }] : [];
  });
  const patches = online.length ? onlinePatches(proxy, target.namespace, rules, online, routeConfigs, settings) : offlinePatches(proxy, routeConfigs);
  return [renderEnvoyPatchPolicy(subdomainName(joinName("connector", proxy)), proxy, patches, target, settings, context)];
}
