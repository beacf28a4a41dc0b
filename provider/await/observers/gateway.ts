/**
 * Gateway (gateway.networking.k8s.io): Accepted and Programmed, then every listener in the
 * spec Accepted, ResolvedRefs, Programmed and not Conflicted. A listener waiting for its
 * certificate (InvalidCertificateRef) or for hostname verification is pending, not failed.
 */
import { checkAll, readConditions, type ConditionRule } from "../conditions";
import { metaGeneration, num, path, str } from "../json";
import { combine, pending, within, type Observer, type Readiness } from "../readiness";
import { asArray, asObj } from "../../core/json";

const ACCEPTED: ConditionRule = {
  type: "Accepted",
  terminalReasons: new Set(["Invalid", "InvalidParameters", "UnsupportedAddress"]),
};
// ListenersNotValid is left out on purpose: it also covers listeners that only wait for a
// certificate or a hostname verification; the listener checks decide.
const PROGRAMMED: ConditionRule = {
  type: "Programmed",
  terminalReasons: new Set(["Invalid", "AddressNotUsable"]),
};

const LISTENER_RULES: readonly ConditionRule[] = [
  { type: "Conflicted", want: "False", whenMissing: "ok", terminalReasons: new Set(["HostnameConflict", "ProtocolConflict"]) },
  // HostnameInUse is NSO's: another Gateway has claimed the hostname (fail fast per docs/spec/readiness.md §9).
  { type: "Accepted", terminalReasons: new Set(["PortUnavailable", "UnsupportedProtocol", "UnsupportedValue", "HostnameInUse"]) },
  { type: "ResolvedRefs", whenMissing: "ok", terminalReasons: new Set(["InvalidRouteKinds", "RefNotPermitted"]) },
  { type: "Programmed" },
];

export const gatewayObserver: Observer = (o) => {
  const generation = metaGeneration(o);
  const status = asObj(path(o, "status"));
  const conds = readConditions(status["conditions"]);
  const top = checkAll(conds, [ACCEPTED, PROGRAMMED], generation, num(status["observedGeneration"]));
  const listenerStatus = new Map<string, unknown>();
  for (const l of asArray(status["listeners"])) {
    const name = str(asObj(l)["name"]);
    if (name !== undefined) listenerStatus.set(name, l);
  }
  const listeners: Readiness[] = [];
  for (const l of asArray(path(o, "spec", "listeners"))) {
    const name = str(asObj(l)["name"]);
    if (name === undefined) continue;
    const s = listenerStatus.get(name);
    const where = `listener "${name}"`;
    if (s === undefined) {
      listeners.push(pending(`${where}: no status from the controller yet`));
      continue;
    }
    listeners.push(within(where, combine(checkAll(readConditions(asObj(s)["conditions"]), LISTENER_RULES, generation))));
  }
  // A listener's own reason says more than the Gateway's ListenersNotValid summary of it;
  // combine() still puts any failure before any pending answer.
  const summarisesListeners = top.some((r) => r.state !== "ready" && r.message.endsWith("(ListenersNotValid)"));
  return combine(summarisesListeners ? [...listeners, ...top] : [...top, ...listeners]);
};

/** GatewayClass: Accepted by its controller. */
export const gatewayClassObserver: Observer = (o) => {
  const status = asObj(path(o, "status"));
  return combine(
    checkAll(
      readConditions(status["conditions"]),
      [{ type: "Accepted", terminalReasons: new Set(["InvalidParameters", "Unsupported", "UnsupportedVersion"]) }],
      metaGeneration(o),
    ),
  );
};
