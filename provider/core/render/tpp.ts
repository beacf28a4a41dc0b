import {
  HTTP_LISTENER,
  HTTP_ROUTE_CONFIG,
  HTTPS_LISTENER,
  httpsRouteConfigName,
  LISTENER_TYPE,
  patch,
  renderEnvoyPatchPolicy,
  resourceCondition,
  ROUTE_CONFIGURATION_TYPE,
  type JsonPatch,
} from "./envoypatch";
import { DEFAULT_HTTP_LISTENER, DEFAULT_HTTPS_LISTENER } from "./gateway";
import { joinName, subdomainName } from "./names";
import type { Target } from "./object";
import type { RenderSettings, WafSettings } from "./settings";
import type { ListenerRef, RenderContext, RenderedObject } from "./types";
import { asArray, asObj } from "../json";

/**
 * TrafficProtectionPolicy → Coraza WAF (docs/spec/compile.md §7), in NSO's EPP mode: per targeted Gateway
 * an EnvoyPatchPolicy `tpp-<policy>-<gateway>` that installs a (disabled) Coraza golang HTTP
 * filter on the Gateway's listeners and enables it, with the policy's directives, on the routes
 * the policy covers.
 *
 * NSO writes one EPP per Gateway for all its policies and resolves overlaps (first claim wins,
 * the rest are Conflicted). Rendering one policy at a time cannot see the others, so each policy
 * installs its own filter instance, named `<waf.filterName>-<policy>`: policies on different
 * routes of one Gateway compose, and two policies on the same route both run.
 */

const GOLANG_CONFIG = "type.googleapis.com/envoy.extensions.filters.http.golang.v3alpha.Config";
const GOLANG_PER_ROUTE = "type.googleapis.com/envoy.extensions.filters.http.golang.v3alpha.ConfigsPerRoute";
const TYPED_STRUCT = "type.googleapis.com/xds.type.v3.TypedStruct";

interface Attachment {
  gateway: string;
  /** Gateway listener (Gateway target with sectionName). */
  listener?: string;
  /** HTTPRoute target; its parent Gateway carries the same name (HTTPProxy). */
  route?: string;
  /** HTTPRoute rule (HTTPRoute target with sectionName). */
  rule?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

/** NSO attaches Gateways, then listeners, then routes, then rules, so later patches refine earlier ones. */
function specificity(a: Attachment): number {
  if (a.route === undefined) return a.listener === undefined ? 0 : 1;
  return a.rule === undefined ? 2 : 3;
}

function attachments(spec: Record<string, unknown>): Attachment[] {
  const out: Attachment[] = [];
  const seen = new Set<string>();
  for (const raw of asArray(spec["targetRefs"])) {
    const ref = asObj(raw);
    const name = str(ref["name"]);
    if (name === undefined) continue;
    const section = str(ref["sectionName"]);
    let a: Attachment;
    if (ref["kind"] === "Gateway") a = { gateway: name, ...(section !== undefined && { listener: section }) };
    else if (ref["kind"] === "HTTPRoute") a = { gateway: name, route: name, ...(section !== undefined && { rule: section }) };
    else continue;
    const key = JSON.stringify([a.gateway, a.listener, a.route, a.rule]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out.map((a, i) => ({ a, i })).sort((x, y) => specificity(x.a) - specificity(y.a) || x.i - y.i).map((x) => x.a);
}

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** The Coraza directives of a policy, in NSO's order; undefined without an OWASP rule set. */
export function corazaDirectives(spec: Record<string, unknown>, waf: WafSettings): string[] | undefined {
  // The CRD defaults used below are already applied by validation; repeating them keeps rendering total.
  const ruleSets = spec["ruleSets"] === undefined ? [{ type: "OWASPCoreRuleSet" }] : asArray(spec["ruleSets"]);
  const ruleSet = ruleSets.map(asObj).find((r) => r["type"] === "OWASPCoreRuleSet");
  if (!ruleSet) return undefined;
  const crs = asObj(ruleSet["owaspCoreRuleSet"]);
  const paranoia = asObj(crs["paranoiaLevels"]);
  const thresholds = asObj(crs["scoreThresholds"]);
  const engine = { Enforce: "On", Disabled: "Off" }[str(spec["mode"]) ?? ""] ?? "DetectionOnly";
  const sampling = num(spec["samplingPercentage"], 100);
  const directives = [
    ...waf.routeBaseDirectives,
    `SecRuleEngine ${engine}`,
    `SecAction "id:900110,phase:1,nolog,pass,t:none,setvar:tx.inbound_anomaly_score_threshold=${num(thresholds["inbound"], 5)},setvar:tx.outbound_anomaly_score_threshold=${num(thresholds["outbound"], 4)}"`,
    `SecAction "id:900000,phase:1,pass,t:none,nolog,tag:'OWASP_CRS',setvar:tx.blocking_paranoia_level=${num(paranoia["blocking"], 1)}"`,
    `SecAction "id:900001,phase:1,pass,t:none,nolog,tag:'OWASP_CRS',setvar:tx.detection_paranoia_level=${num(paranoia["detection"], 1)}"`,
  ];
  if (sampling < 100) directives.push(`SecAction "id:900400,phase:1,pass,nolog,setvar:tx.sampling_percentage=${sampling}"`);
  directives.push("Include @owasp_crs/*.conf");
  const exclusions = asObj(crs["ruleExclusions"]);
  for (const t of asArray(exclusions["tags"])) if (typeof t === "string") directives.push(`SecRuleRemoveByTag ${goQuote(t)}`);
  for (const id of asArray(exclusions["ids"])) if (typeof id === "number") directives.push(`SecRuleRemoveById ${id}`);
  for (const r of asArray(exclusions["idRanges"])) if (typeof r === "string") directives.push(`SecRuleRemoveById ${goQuote(r)}`);
  return directives;
}

function corazaPluginConfig(directives: readonly string[]): Record<string, unknown> {
  return {
    "@type": TYPED_STRUCT,
    value: { log_format: "json", directives: JSON.stringify({ coraza: { simple_directives: directives } }), default_directive: "coraza" },
  };
}

function listenerFilter(filterName: string, waf: WafSettings): Record<string, unknown> {
  return {
    name: filterName,
    disabled: true,
    typed_config: {
      "@type": GOLANG_CONFIG,
      library_id: waf.libraryID,
      library_path: waf.libraryPath,
      plugin_name: waf.pluginName,
      plugin_config: corazaPluginConfig(waf.listenerDirectives),
    },
  };
}

/**
 * Listeners of a Gateway no HTTPProxy in the render told us about: the ones an HTTPProxy Gateway
 * has by naming convention. A Gateway-wide policy then covers only the default listeners.
 */
function listenersByConvention(gateway: Attachment): ListenerRef[] {
  const out: ListenerRef[] = [
    { name: DEFAULT_HTTP_LISTENER, protocol: "HTTP" },
    { name: DEFAULT_HTTPS_LISTENER, protocol: "HTTPS" },
  ];
  const l = gateway.listener;
  if (l !== undefined && /^http-hostname-\d+$/.test(l)) out.push({ name: l, protocol: "HTTP" });
  if (l !== undefined && /^https-hostname-\d+$/.test(l)) out.push({ name: l, protocol: "HTTPS" });
  return out;
}

function gatewayPatches(
  policy: string,
  mode: string,
  target: Target,
  gateway: string,
  list: readonly Attachment[],
  listeners: readonly ListenerRef[],
  directives: readonly string[],
  waf: WafSettings,
): JsonPatch[] {
  const ns = target.namespace;
  const filterName = `${waf.filterName}-${policy}`;
  const metadata = { resources: [{ kind: "TrafficProtectionPolicy", namespace: target.source.namespace, name: policy, mode }] };
  const perRoute = { "@type": GOLANG_PER_ROUTE, plugins_config: { [waf.pluginName]: { config: corazaPluginConfig(directives) } } };
  const patches: JsonPatch[] = [];
  let httpUsed = false;
  const tlsChains = new Set<string>();
  for (const a of list) {
    let routeConfigs: string[];
    if (a.listener !== undefined) {
      const l = listeners.find((x) => x.name === a.listener);
      if (!l) continue;
      routeConfigs = [l.protocol === "HTTPS" ? httpsRouteConfigName(ns, gateway, l.name) : HTTP_ROUTE_CONFIG];
    } else {
      routeConfigs = [HTTP_ROUTE_CONFIG, ...listeners.filter((l) => l.protocol === "HTTPS").map((l) => httpsRouteConfigName(ns, gateway, l.name))];
    }
    const vhost = resourceCondition("Gateway", ns, gateway, a.listener);
    const routes = a.route === undefined ? "" : ` && ${resourceCondition("HTTPRoute", ns, a.route, a.rule)}`;
    // `!@.bogus` makes the JSONPath engine return a list even when one route matches.
    const jsonPath = `..virtual_hosts[?(${vhost})]..routes[?(!@.bogus${routes})]`;
    for (const rc of routeConfigs) {
      if (rc === HTTP_ROUTE_CONFIG) httpUsed = true;
      else tlsChains.add(rc);
      patches.push(patch(ROUTE_CONFIGURATION_TYPE, rc, "add", "/metadata/filter_metadata/datum-gateway", metadata, jsonPath));
      patches.push(patch(ROUTE_CONFIGURATION_TYPE, rc, "add", `/typed_per_filter_config/${filterName}`, perRoute, jsonPath));
    }
  }
  if (patches.length === 0) return [];
  const filter = listenerFilter(filterName, waf);
  if (httpUsed) patches.push(patch(LISTENER_TYPE, HTTP_LISTENER, "add", "/default_filter_chain/filters/0/typed_config/http_filters/0", filter));
  for (const chain of [...tlsChains].sort()) {
    patches.push(patch(LISTENER_TYPE, HTTPS_LISTENER, "add", "/filters/0/typed_config/http_filters/0", filter, `..filter_chains[?(@.name=="${chain}")]`));
  }
  return patches;
}

export function renderTrafficProtectionPolicy(
  obj: Record<string, unknown>,
  target: Target,
  settings: RenderSettings,
  context: RenderContext,
): RenderedObject[] {
  const spec = asObj(obj["spec"]);
  const directives = corazaDirectives(spec, settings.waf);
  if (!directives) return [];
  const policy = target.source.name;
  const mode = str(spec["mode"]) ?? "Observe";
  const byGateway = new Map<string, Attachment[]>();
  for (const a of attachments(spec)) byGateway.set(a.gateway, [...(byGateway.get(a.gateway) ?? []), a]);
  const out: RenderedObject[] = [];
  for (const gateway of [...byGateway.keys()].sort()) {
    const list = byGateway.get(gateway) as Attachment[];
    const known = context.gatewayListeners?.[`${target.source.namespace}/${gateway}`];
    const listeners = known ?? list.flatMap(listenersByConvention).filter((l, i, all) => all.findIndex((x) => x.name === l.name) === i);
    const patches = gatewayPatches(policy, mode, target, gateway, list, listeners, directives, settings.waf);
    if (patches.length === 0) continue;
    out.push(renderEnvoyPatchPolicy(subdomainName(joinName("tpp", policy, gateway)), gateway, patches, target, settings, context));
  }
  return out;
}
