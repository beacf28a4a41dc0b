import type { ClusterSettingsLimits } from "../../config";
import { fieldError, type ScopedFieldError } from "../../errors";
import { child, index } from "../../path";
import { type Errors } from "../../validation/schema";
import { field, has, list, type CelRule, type ObjectSchema, type Schema } from "../gatewayapi/structural";
import { clusterSettingsErrors, clusterSettingsProperties, clusterSettingsQuantityErrors, clusterSettingsRules } from "./cluster-settings";
import { backendObjectReference, namespaceForbiddenErrors, weightedBackendReference } from "./references";
import { isObj, type Obj } from "../../json";

/**
 * Envoy Gateway `BackendCluster`: how a SecurityPolicy reaches a remote JWKS or OIDC provider
 * (`backendRef`, `backendRefs`, `backendSettings`). The fields sit inline in the owning node
 * (`remoteJWKS`, `oidc.provider`), so the CRD rules are reported at that node.
 */

export const backendSettingsSchema: ObjectSchema = {
  type: "object",
  properties: clusterSettingsProperties,
  rules: clusterSettingsRules,
};

/** The BackendCluster properties, spread into the owning node's schema. */
export const backendClusterProperties: Readonly<Record<string, Schema>> = {
  backendRef: backendObjectReference,
  backendRefs: { type: "array", maxItems: 16, items: weightedBackendReference },
  backendSettings: backendSettingsSchema,
};

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

/**
 * The owning node's CEL rules. The singular `backendRef` rule is the one tenants meet first: it
 * rejects the object at the CRD layer before NSO's own "backendRef is not permitted" (S8/S14) can
 * run (docs/spec/guardrails.md §11).
 */
export const backendClusterRules: readonly CelRule[] = [
  rule("BackendRefs must be used, backendRef is not supported.", (s) => !has(s, "backendRef")),
  rule("Retry timeout is not supported.", (s) => !has(field(field(s, "backendSettings"), "retry"), "perRetry") || !has(field(field(field(s, "backendSettings"), "retry"), "perRetry"), "timeout")),
  rule("HTTPStatusCodes is not supported.", (s) => !has(field(field(s, "backendSettings"), "retry"), "retryOn") || !has(field(field(field(s, "backendSettings"), "retry"), "retryOn"), "httpStatusCodes")),
];

/** CRD checks the structural interpreter cannot express (int-or-string quantities in backendSettings). */
export function backendClusterQuantityErrors(errs: Errors, ownerPath: string, owner: unknown): void {
  clusterSettingsQuantityErrors(errs, child(ownerPath, "backendSettings"), field(owner, "backendSettings"));
}

/**
 * NSO `validateGatewayBackendCluster` for the node at `ownerPath`: S8/S14 singular backendRef,
 * S9 backendRefs namespaces, S10 backendSettings under the SecurityPolicy's cluster-settings limits.
 */
export function backendClusterErrors(ownerPath: string, owner: unknown, limits: ClusterSettingsLimits): ScopedFieldError[] {
  if (!isObj(owner)) return [];
  const errs: ScopedFieldError[] = [];
  if (has(owner, "backendRef")) errs.push(fieldError.forbidden(child(ownerPath, "backendRef"), "backendRef is not permitted"));
  list(owner["backendRefs"]).forEach((ref, i) => errs.push(...namespaceForbiddenErrors(index(child(ownerPath, "backendRefs"), i), ref)));
  if (isObj(owner["backendSettings"])) {
    errs.push(...clusterSettingsErrors(child(ownerPath, "backendSettings"), owner["backendSettings"], limits));
  }
  return errs;
}
