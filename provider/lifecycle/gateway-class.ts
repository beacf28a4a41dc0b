import { DEFAULT_OBSERVE_CONTEXT } from "../await/readiness";
import { path, str } from "../await/json";
import { isForbidden, isNotFound, type KubeClient, type KubeObject } from "../kube";
import { asArray, asObj } from "../core/json";

/**
 * Which controllers answer for the Gateways being applied, read from the cluster's GatewayClasses
 * (not assumed): their `controllerName`s are the ones whose route-parent and policy-ancestor status
 * counts. A Gateway whose class does not exist, or whose controller refused the class, will never be
 * programmed: that is an error now, naming the class, instead of a wait until the timeout.
 */
export interface GatewayClassCheck {
  readonly controllerNames: readonly string[];
  /** Set when a Gateway cannot be programmed by any controller; says what to change. */
  readonly problem?: string;
}

const GATEWAY_CLASS = { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass" } as const;

function refusal(cls: KubeObject): string | undefined {
  const accepted = asArray(path(cls, "status", "conditions")).map(asObj).find((c) => c["type"] === "Accepted");
  if (accepted === undefined || accepted["status"] !== "False") return undefined;
  return `${str(accepted["reason"]) ?? "NotAccepted"}: ${str(accepted["message"]) ?? ""}`.trim();
}

export async function checkGatewayClasses(client: KubeClient, objects: readonly KubeObject[], signal?: AbortSignal): Promise<GatewayClassCheck> {
  const gateways = objects.filter((o) => o.kind === "Gateway" && o.apiVersion.startsWith("gateway.networking.k8s.io/"));
  let items: readonly KubeObject[];
  try {
    items = (await client.list({ ...GATEWAY_CLASS }, signal ? { signal } : {})).items;
  } catch (e) {
    // Credentials limited to namespaces cannot read classes, and a cluster without Gateway API has
    // none: nothing to check then; the readiness wait still reports what the Gateway says.
    if (isForbidden(e) || isNotFound(e)) return { controllerNames: DEFAULT_OBSERVE_CONTEXT.controllerNames };
    throw e;
  }
  const byName = new Map(items.map((c) => [c.metadata.name, c] as const));
  const names = [...new Set(items.map((c) => str(path(c, "spec", "controllerName"))).filter((n): n is string => n !== undefined))];
  const problems: string[] = [];
  for (const gw of gateways) {
    const className = str(path(gw, "spec", "gatewayClassName")) ?? "";
    const where = `Gateway ${gw.metadata.namespace}/${gw.metadata.name}`;
    const cls = byName.get(className);
    if (cls === undefined) {
      const have = [...byName.keys()];
      problems.push(
        `${where}: GatewayClass "${className}" does not exist on this cluster, so no controller will program it; ` +
          `create that GatewayClass (e.g. install Envoy Gateway and its GatewayClass) or set datum:gatewayClassName to one the cluster has` +
          (have.length ? ` (${have.map((n) => `"${n}"`).join(", ")})` : " (it has none)"),
      );
      continue;
    }
    const refused = refusal(cls);
    if (refused !== undefined) {
      problems.push(`${where}: GatewayClass "${className}" was not accepted by its controller ${str(path(cls, "spec", "controllerName")) ?? "?"} (${refused})`);
    }
  }
  return {
    controllerNames: names.length ? names : DEFAULT_OBSERVE_CONTEXT.controllerNames,
    ...(problems.length ? { problem: problems.join("; ") } : {}),
  };
}
