import { resolveGuardrailConfig, type GuardrailConfig } from "../../provider/core/config";
import type { FieldError } from "../../provider/core/errors";
import { backendGuardrails } from "../../provider/core/guardrails/backend";
import { backendTLSPolicyGuardrails } from "../../provider/core/guardrails/backendtlspolicy";
import { backendTrafficPolicyGuardrails } from "../../provider/core/guardrails/backendtrafficpolicy";
import { domainGuardrails } from "../../provider/core/guardrails/domain";
import { httpRouteFilterGuardrails } from "../../provider/core/guardrails/httproutefilter";
import { securityPolicyGuardrails } from "../../provider/core/guardrails/securitypolicy";
import { trafficProtectionPolicyGuardrails } from "../../provider/core/guardrails/trafficprotectionpolicy";
import { admit, registerKind, type AdmissionInput, type AdmissionResult } from "../../provider/core/validation/pipeline";

/**
 * Test support for the policy-side kinds: registers their guardrails directly (independent of the
 * other kinds' modules), builds objects and renders errors as `kubectl` lines for compact assertions.
 */

for (const g of [
  securityPolicyGuardrails,
  backendTrafficPolicyGuardrails,
  httpRouteFilterGuardrails,
  backendGuardrails,
  backendTLSPolicyGuardrails,
  trafficProtectionPolicyGuardrails,
  domainGuardrails,
]) {
  registerKind(g);
}

export const EG = "gateway.envoyproxy.io/v1alpha1";
export const DATUM = "networking.datumapis.com/v1alpha";
export const ROUTE_TARGET = [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "app" }];

export function object(kind: string, apiVersion: string, spec: unknown, name = "x"): Record<string, unknown> {
  return { apiVersion, kind, metadata: { name, namespace: "default" }, spec };
}

export const securityPolicy = (spec: Record<string, unknown>) => object("SecurityPolicy", EG, { targetRefs: ROUTE_TARGET, ...spec });
export const backendTrafficPolicy = (spec: Record<string, unknown>) => object("BackendTrafficPolicy", EG, { targetRefs: ROUTE_TARGET, ...spec });

export function config(settings: Record<string, unknown>): GuardrailConfig {
  const r = resolveGuardrailConfig(settings);
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
}

export function check(obj: unknown, opts: Omit<AdmissionInput, "object"> = {}): AdmissionResult {
  return admit({ object: obj, ...opts });
}

/** `<field>: <message>` for each error, as kubectl prints them. */
export function lines(errors: readonly FieldError[]): string[] {
  return errors.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
}

/** The errors of a rejected request; fails loudly when it was admitted. */
export function rejected(obj: unknown, opts: Omit<AdmissionInput, "object"> = {}): string[] {
  const r = check(obj, opts);
  if (r.valid) throw new Error(`expected a rejection, got valid (deferred: ${JSON.stringify(r.deferred)})`);
  return lines(r.errors);
}

/** Asserts admission and returns the result. */
export function admitted(obj: unknown, opts: Omit<AdmissionInput, "object"> = {}): AdmissionResult {
  const r = check(obj, opts);
  if (!r.valid) throw new Error(`expected admission, got ${JSON.stringify(lines(r.errors), null, 1)}`);
  return r;
}

export const list = (n: number, f: (i: number) => unknown): unknown[] => Array.from({ length: n }, (_, i) => f(i));
