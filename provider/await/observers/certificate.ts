/**
 * cert-manager Certificate: Ready=True for the current generation. An issuance failure
 * (Issuing=False with status.lastFailureTime) is terminal once failedIssuanceAttempts reaches
 * the budget; cert-manager itself would only retry after an hour-scale backoff. NSO's reading
 * of Ready=False/CertificateRequestFailed as "provisioning failed" counts as one attempt.
 */
import { checkCondition, findCondition, readConditions } from "../conditions";
import { metaGeneration, num, path, str } from "../json";
import { failed, pending, READY, type Observer } from "../readiness";
import { asObj } from "../../core/json";

export const certificateObserver: Observer = (o, ctx) => {
  const generation = metaGeneration(o);
  const status = asObj(path(o, "status"));
  const conds = readConditions(status["conditions"]);
  const ready = checkCondition(conds, { type: "Ready" }, generation);
  if (ready === undefined) return READY;
  const readyCond = findCondition(conds, "Ready");
  const issuing = findCondition(conds, "Issuing");
  const stale = (c: { observedGeneration?: number } | undefined): boolean =>
    generation !== undefined && c?.observedGeneration !== undefined && c.observedGeneration < generation;
  const lastFailure = str(status["lastFailureTime"]);
  const attempts = num(status["failedIssuanceAttempts"]) ?? (lastFailure !== undefined ? 1 : 0);
  if (issuing !== undefined && !stale(issuing) && issuing.status === "False" && lastFailure !== undefined && attempts >= ctx.certificateFailureBudget) {
    return failed(`Issuing=False (${issuing.reason || "Failed"}) after ${attempts} failed issuance attempt(s): ${issuing.message}`);
  }
  if (readyCond !== undefined && !stale(readyCond) && readyCond.status === "False" && readyCond.reason === "CertificateRequestFailed" && Math.max(attempts, 1) >= ctx.certificateFailureBudget) {
    return failed(`Ready=False (CertificateRequestFailed): ${readyCond.message}`);
  }
  if (issuing !== undefined && issuing.status === "True" && !stale(issuing)) {
    return pending(`Issuing=True (${issuing.reason})`, issuing.message);
  }
  return ready.state === "pending" ? pending(ready.message, ready.detail) : ready;
};
