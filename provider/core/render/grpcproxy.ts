import type { GRPCProxy } from "../models/grpcproxy";
import { isUnknown } from "../unknown";
import { renderDNSEndpoint } from "./dns";
import { certHostname, endpointTarget } from "./endpoint";
import { GATEWAY_API, plannedListeners, renderCertificates, renderGateway } from "./gateway";
import { canonicalHostname } from "./hostname";
import { servedHostnames } from "./httpproxy";
import { compact } from "./json";
import { backendPortName, backendResourceName } from "./names";
import { makeObject, targetOf, type Target } from "./object";
import { sortForApply } from "./order";
import { endpointBackendObjects } from "./route";
import { DEFAULT_RENDER_SETTINGS, type RenderSettings } from "./settings";
import type { RenderContext, RenderedObject } from "./types";
import { asArray, asObj } from "../json";

/**
 * One GRPCProxy → its downstream objects: the same Gateway, listeners, certificates and DNS record
 * as an HTTPProxy with these hostnames, and a GRPCRoute whose rules keep the proxy's matches and
 * filters and send each rule to its backend's Service.
 *
 * A `grpc://` backend is an `http://` one spoken as HTTP/2 cleartext: its Service port says so
 * with appProtocol `kubernetes.io/h2c`. A `grpcs://` backend is an `https://` one: HTTP/2 over TLS,
 * verified by a BackendTLSPolicy against the endpoint's FQDN (or `tls.hostname` for an IP).
 */

export const H2C_APP_PROTOCOL = "kubernetes.io/h2c";

/** `grpc(s)://…` as the `http(s)://…` endpoint it is on the wire (same host, port and TLS). */
function asHttpEndpoint(endpoint: unknown): unknown {
  return typeof endpoint === "string" ? endpoint.replace(/^grpc(s?):/i, "http$1:") : endpoint;
}

function renderBackend(route: string, ruleIndex: number, backendIndex: number, backend: Record<string, unknown>, target: Target): { ref: Record<string, unknown>; objects: RenderedObject[] } | undefined {
  const t = endpointTarget(asHttpEndpoint(backend["endpoint"]), false);
  if (!t) return undefined;
  const name = backendResourceName(route, ruleIndex, backendIndex);
  const port = backendPortName(ruleIndex, backendIndex);
  const tls = t.appProtocol === "https";
  const tlsPolicyHostname = tls ? certHostname(t, asObj(backend["tls"])["hostname"]) : undefined;
  // An unknown scheme (preview) keeps the unknown; otherwise h2c for cleartext, https for TLS.
  const appProtocol = isUnknown(t.appProtocol) ? t.appProtocol : tls ? "https" : H2C_APP_PROTOCOL;
  const objects = endpointBackendObjects(name, port, t, tlsPolicyHostname, target, appProtocol);
  return { ref: { group: "", kind: "Service", name, port: t.port }, objects };
}

function renderGRPCRoute(name: string, rules: readonly unknown[], target: Target): { route: RenderedObject; backendObjects: RenderedObject[] } {
  const backendObjects: RenderedObject[] = [];
  const routeRules = rules.map((raw, ruleIndex) => {
    const rule = asObj(raw);
    const backendRefs: Record<string, unknown>[] = [];
    asArray(rule["backends"]).forEach((b, backendIndex) => {
      const out = renderBackend(name, ruleIndex, backendIndex, asObj(b), target);
      if (!out) return;
      backendRefs.push(out.ref);
      backendObjects.push(...out.objects);
    });
    return compact({
      name: typeof rule["name"] === "string" ? rule["name"] : undefined,
      matches: Array.isArray(rule["matches"]) ? rule["matches"] : undefined,
      filters: Array.isArray(rule["filters"]) ? rule["filters"] : undefined,
      backendRefs,
    });
  });
  const route = makeObject(GATEWAY_API, "GRPCRoute", name, target, { spec: { parentRefs: [{ name }], rules: routeRules } });
  return { route, backendObjects };
}

/** Expects a validated, defaulted object (see `render`); any JSON is tolerated without throwing. */
export function renderGRPCProxy(proxy: GRPCProxy, settings: RenderSettings = DEFAULT_RENDER_SETTINGS, context: RenderContext = {}): RenderedObject[] {
  const obj = proxy as unknown as Record<string, unknown>;
  const target = targetOf(obj, settings);
  const { namespace, name } = target.source;
  const spec = asObj(obj["spec"]);
  const hostnames = servedHostnames(asArray(spec["hostnames"]), context.unservedHostnames?.[`${namespace}/${name}`]);
  const canonical = canonicalHostname(namespace, name, settings.targetDomain);
  const listeners = plannedListeners(canonical, hostnames);
  const { route, backendObjects } = renderGRPCRoute(name, asArray(spec["rules"]), target);
  const objects = [...backendObjects, renderGateway(name, listeners, target, settings), ...renderCertificates(name, listeners, target, settings), route];
  if (settings.dnsIntegration) objects.push(renderDNSEndpoint(name, canonical, hostnames, context.gatewayAddresses?.[`${namespace}/${name}`] ?? [], target));
  return sortForApply(objects);
}
