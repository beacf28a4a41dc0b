/**
 * Datum's own kinds when the provider targets an NSO-managed control plane (docs/spec/readiness.md §9):
 * HTTPProxy and Domain.
 */
import { checkAll, checkCondition, findCondition, readConditions, type ConditionRule } from "../conditions";
import { metaGeneration, path, str } from "../json";
import { combine, failed, pending, READY, type Observer, type Readiness } from "../readiness";
import { asArray, asObj } from "../../core/json";

const HTTPPROXY_RULES: readonly ConditionRule[] = [
  { type: "Accepted", terminalReasons: new Set(["Invalid"]) },
  // InstanceBackendNotFound is retryable: the instance may appear within the deadline.
  { type: "Programmed", terminalReasons: new Set(["Conflict"]) },
];

export const httpProxyObserver: Observer = (o) => {
  const generation = metaGeneration(o);
  const conds = readConditions(path(o, "status", "conditions"));
  const answers: Readiness[] = checkAll(conds, HTTPPROXY_RULES, generation);
  if (asArray(path(o, "spec", "hostnames")).length > 0) {
    const inUse = findCondition(conds, "HostnamesInUse");
    if (inUse !== undefined && inUse.status === "True") {
      answers.unshift(failed(`HostnamesInUse=True (${inUse.reason}): ${inUse.message}`));
    }
    // HostnamesVerified is refreshed without its own generation bookkeeping; take it as written.
    const verified = checkCondition(conds, { type: "HostnamesVerified" }, undefined);
    if (verified !== undefined) answers.push(verified);
  }
  const certs = findCondition(conds, "CertificatesReady");
  if (certs !== undefined && certs.status !== "True") {
    answers.push(pending(`CertificatesReady=${certs.status} (${certs.reason})`, certs.message));
  }
  return combine(answers);
};

export const domainObserver: Observer = (o) => {
  const generation = metaGeneration(o);
  const status = asObj(path(o, "status"));
  const conds = readConditions(status["conditions"]);
  const valid = findCondition(conds, "ValidDomain");
  if (valid !== undefined && valid.status === "False") {
    return failed(`ValidDomain=False (${valid.reason}): ${valid.message}`);
  }
  const verified = checkCondition(conds, { type: "Verified" }, generation);
  if (verified === undefined) return READY;
  if (verified.state !== "pending") return verified;
  // The user has to act: say what to publish.
  const rec = asObj(path(status, "verification", "dnsRecord"));
  const name = str(rec["name"]);
  const content = str(rec["content"]);
  const token = asObj(path(status, "verification", "httpToken"));
  const hints: string[] = [];
  if (name && content) hints.push(`publish TXT ${name} "${content}"`);
  if (str(token["url"])) hints.push(`or serve ${str(token["url"])}`);
  return hints.length > 0 ? pending(`${verified.message}: ${hints.join(" ")}`, verified.detail) : verified;
};
