import type { HTTPProxy } from "../models/httpproxy";
import { renderConnectorPolicy } from "./connector";
import { renderDNSEndpoint } from "./dns";
import { listenerCertificates, plannedListeners, renderCertificates, renderGateway, type ListenerCertificate } from "./gateway";
import { canonicalHostname } from "./hostname";
import { normalizeHostname } from "../domain/coverage";
import { targetOf } from "./object";
import { sortForApply } from "./order";
import { renderRoute } from "./route";
import { renderStreamingPolicies } from "./timeouts";
import { DEFAULT_RENDER_SETTINGS, type RenderSettings } from "./settings";
import type { ListenerRef, RenderContext, RenderedObject } from "./types";
import { asArray, asObj } from "../json";

/**
 * One HTTPProxy → its downstream objects in one cluster. This plays NSO's HTTPProxy controller
 * and its Gateway controller at once: the Gateway and HTTPRoute carry the proxy's name, the
 * backends become Services/EndpointSlices directly, listeners reference their certificates.
 *
 * Expects a validated, defaulted object (see `render`); any JSON is tolerated without throwing.
 */
export function renderHTTPProxy(proxy: HTTPProxy, settings: RenderSettings = DEFAULT_RENDER_SETTINGS, context: RenderContext = {}): RenderedObject[] {
  const obj = proxy as unknown as Record<string, unknown>;
  const target = targetOf(obj, settings);
  const { namespace: sourceNamespace, name } = target.source;
  const spec = asObj(obj["spec"]);
  const hostnames = servedHostnames(asArray(spec["hostnames"]), context.unservedHostnames?.[`${sourceNamespace}/${name}`]);
  const rules = asArray(spec["rules"]);
  const canonical = canonicalHostname(sourceNamespace, name, settings.targetDomain);
  const listeners = plannedListeners(canonical, hostnames);
  const { route, backendObjects } = renderRoute(name, rules, target);
  const objects = [
    ...backendObjects,
    renderGateway(name, listeners, target, settings),
    ...renderCertificates(name, listeners, target, settings),
    route,
    ...renderStreamingPolicies(name, rules, target),
    ...renderConnectorPolicy(name, rules, listeners, context, target, settings),
  ];
  if (settings.dnsIntegration) {
    const addresses = context.gatewayAddresses?.[`${sourceNamespace}/${name}`] ?? [];
    objects.push(renderDNSEndpoint(name, canonical, hostnames, addresses, target));
  }
  return sortForApply(objects);
}

/**
 * spec.hostnames with the ones the cluster refused blanked out (null: no listener, certificate or
 * record). Positions are kept, so the other hostnames' listeners keep their names
 * (`http(s)-hostname-<i>`) when a refused one is admitted later.
 */
export function servedHostnames(hostnames: readonly unknown[], unserved: readonly string[] | undefined): unknown[] {
  if (!unserved?.length) return [...hostnames];
  const out = new Set(unserved.map(normalizeHostname));
  return hostnames.map((h) => (typeof h === "string" && out.has(normalizeHostname(h)) ? null : h));
}

/** The listeners of the proxy's Gateway, for rendering policies that target it. */
export function httpProxyListeners(proxy: HTTPProxy): ListenerRef[] {
  const spec = asObj((proxy as unknown as Record<string, unknown>)["spec"]);
  return plannedListeners("", asArray(spec["hostnames"])).map(({ name, protocol }) => ({ name, protocol }));
}

/** The certificates an HTTPProxy's HTTPS listeners need (the ACME client issues these in ACME mode). */
export function httpProxyCertificates(proxy: HTTPProxy, settings: RenderSettings = DEFAULT_RENDER_SETTINGS, context: RenderContext = {}): ListenerCertificate[] {
  const obj = proxy as unknown as Record<string, unknown>;
  const target = targetOf(obj, settings);
  const spec = asObj(obj["spec"]);
  const canonical = canonicalHostname(target.source.namespace, target.source.name, settings.targetDomain);
  const hostnames = servedHostnames(asArray(spec["hostnames"]), context.unservedHostnames?.[`${target.source.namespace}/${target.source.name}`]);
  return listenerCertificates(target.source.name, plannedListeners(canonical, hostnames), settings);
}
