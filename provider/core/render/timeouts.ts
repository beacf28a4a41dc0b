import { asObj } from "../json";
import { ENVOY_GATEWAY_API } from "./envoypatch";
import { compact } from "./json";
import { joinName, subdomainName } from "./names";
import { makeObject, type Target } from "./object";
import type { RenderedObject } from "./types";

/**
 * A rule's `timeouts` (beyond NSO, datum:extensions.routeTimeouts). Deadlines go to the HTTPRoute
 * rule as Gateway API defines them. A streaming rule gets no whole-request deadline (`0s`: Envoy's
 * route timeout would otherwise cut an SSE stream at its default 15 s) and a BackendTrafficPolicy
 * on that rule alone (`sectionName` = the rule's name) with the stream idle timeout and maximum
 * stream duration Envoy enforces.
 */

/** The HTTPRoute rule's `timeouts`, or undefined when the rule sets none. */
export function routeRuleTimeouts(rule: Record<string, unknown>): Record<string, unknown> | undefined {
  const t = rule["timeouts"];
  if (t === undefined || t === null) return undefined;
  const timeouts = asObj(t);
  if (timeouts["streaming"] !== undefined) return { request: "0s" };
  return compact({ request: timeouts["request"], backendRequest: timeouts["backendRequest"] });
}

const GATEWAY_API_GROUP = "gateway.networking.k8s.io";

/** `<route>-stream-<rule index>`: one BackendTrafficPolicy per streaming rule. */
export function streamingPolicyName(route: string, ruleIndex: number): string {
  return subdomainName(joinName(route, "stream", ruleIndex));
}

/** The BackendTrafficPolicies of the route's streaming rules. */
export function renderStreamingPolicies(route: string, rules: readonly unknown[], target: Target): RenderedObject[] {
  return rules.flatMap((raw, i) => {
    const rule = asObj(raw);
    const streaming = asObj(rule["timeouts"])["streaming"];
    if (streaming === undefined || streaming === null) return [];
    const { idleTimeout, maxDuration } = asObj(streaming);
    return [
      makeObject(ENVOY_GATEWAY_API, "BackendTrafficPolicy", streamingPolicyName(route, i), target, {
        spec: {
          targetRefs: [{ group: GATEWAY_API_GROUP, kind: "HTTPRoute", name: route, sectionName: rule["name"] }],
          timeout: { http: compact({ streamIdleTimeout: idleTimeout, maxStreamDuration: maxDuration }) },
        },
      }),
    ];
  });
}
