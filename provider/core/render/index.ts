import { fieldError, publicError, type FieldError } from "../errors";
import type { HTTPProxy } from "../models/httpproxy";
import { containsUnknown } from "../unknown";
import { validate } from "../validate";
import { renderGRPCProxy } from "./grpcproxy";
import { httpProxyListeners, renderHTTPProxy } from "./httpproxy";
import type { GRPCProxy } from "../models/grpcproxy";
import { httpProxyLimitErrors } from "./limits";
import { sourceOf } from "./object";
import { sortForApply } from "./order";
import { isRenderedPolicyKind, POLICY_KINDS, renderPolicy } from "./policy";
import { DEFAULT_RENDER_SETTINGS, type RenderSettings } from "./settings";
import type { ListenerRef, RenderContext, RenderedObject, RenderError, RenderResult } from "./types";
import { isObj } from "../json";

export { applyOrder, sortForApply } from "./order";
export { canonicalHostname } from "./hostname";
export { httpProxyCertificates, httpProxyListeners, renderHTTPProxy } from "./httpproxy";
export { renderGRPCProxy } from "./grpcproxy";
export type { ListenerCertificate } from "./gateway";
export { renderPolicy, POLICY_KINDS } from "./policy";
export { sourceLabels, ownedLabels, sourceSelector, MANAGED_BY_LABEL, MANAGED_BY_VALUE, SOURCE_KIND_LABEL, SOURCE_NAME_LABEL, SOURCE_NAMESPACE_LABEL } from "./labels";
export { DEFAULT_RENDER_SETTINGS, renderSettingsSchema, resolveRenderSettings } from "./settings";
export type { RenderSettings, RenderSettingsInput } from "./settings";
export type * from "./types";

export const RENDERED_KINDS: readonly string[] = ["HTTPProxy", "GRPCProxy", ...POLICY_KINDS, "Domain"].sort();

/** The proxy kinds: each renders a Gateway named after it (the target of policies) and serves hostnames. */
export const PROXY_KINDS: readonly string[] = ["HTTPProxy", "GRPCProxy"];

export function isProxyKind(kind: unknown): boolean {
  return typeof kind === "string" && PROXY_KINDS.includes(kind);
}

function renderProxy(object: Record<string, unknown>, settings: RenderSettings, context: RenderContext): RenderedObject[] {
  return object["kind"] === "GRPCProxy" ? renderGRPCProxy(object as unknown as GRPCProxy, settings, context) : renderHTTPProxy(object as unknown as HTTPProxy, settings, context);
}

function errorFor(index: number, object: unknown, errors: FieldError[]): RenderError {
  const o = isObj(object) ? object : {};
  const src = sourceOf(o);
  return { index, apiVersion: typeof o["apiVersion"] === "string" ? o["apiVersion"] : "", kind: src.kind, namespace: src.namespace, name: src.name, errors };
}

function identity(o: RenderedObject): string {
  const group = o.apiVersion.includes("/") ? o.apiVersion.slice(0, o.apiVersion.indexOf("/")) : "";
  return `${group}|${o.kind}|${o.metadata.namespace}|${o.metadata.name}`;
}

/**
 * How the objects are admitted before rendering. An object with an old version is an UPDATE
 * (NSO lets a metadata-only change of a spec that today's rules refuse through); the others are
 * CREATEs.
 */
export interface RenderAdmission {
  /** Per input index: the object as it was before this change, if it existed. */
  oldObjects?: readonly (unknown | undefined)[];
}

/**
 * Validates every object (as `validate` does, with `settings.guardrails`), then renders them all:
 * HTTPProxies first, so policies see the listeners of the Gateways they target. Any invalid or
 * unrenderable object, or two sources rendering the same object, fails the whole set.
 */
export function render(
  objects: readonly unknown[],
  settings: RenderSettings = DEFAULT_RENDER_SETTINGS,
  context: RenderContext = {},
  admission: RenderAdmission = {},
): RenderResult {
  const errors: RenderError[] = [];
  const admitted: { index: number; object: Record<string, unknown> }[] = [];
  objects.forEach((object, index) => {
    const oldObject = admission.oldObjects?.[index];
    const result = validate(object, { config: settings.guardrails, ...(oldObject !== undefined && { operation: "UPDATE" as const, oldObject }) });
    if (!result.valid) {
      errors.push(errorFor(index, object, result.errors));
      return;
    }
    const admittedObject = result.object as Record<string, unknown>;
    const kind = String(admittedObject["kind"]);
    if (!isProxyKind(kind) && !isRenderedPolicyKind(kind)) {
      errors.push(errorFor(index, object, [publicError(fieldError.notSupported("kind", kind, RENDERED_KINDS))]));
      return;
    }
    admitted.push({ index, object: admittedObject });
  });
  const unknown = objects.some(containsUnknown);
  if (errors.length) return { objects: [], errors, unknown };

  const proxies = admitted.filter((a) => isProxyKind(a.object["kind"]));
  const listeners: Record<string, readonly ListenerRef[]> = { ...context.gatewayListeners };
  for (const p of proxies) {
    const src = sourceOf(p.object);
    listeners[`${src.namespace}/${src.name}`] = httpProxyListeners(p.object as unknown as HTTPProxy);
  }
  const ctx: RenderContext = { ...context, gatewayListeners: listeners };

  const rendered: { index: number; object: RenderedObject }[] = [];
  for (const a of admitted) {
    const isProxy = isProxyKind(a.object["kind"]);
    const out = isProxy ? renderProxy(a.object, settings, ctx) : renderPolicy(a.object, settings, ctx);
    const limits = isProxy ? httpProxyLimitErrors(out) : [];
    if (limits.length) errors.push(errorFor(a.index, objects[a.index], limits));
    for (const o of out) rendered.push({ index: a.index, object: o });
  }

  const owner = new Map<string, number>();
  for (const r of rendered) {
    const id = identity(r.object);
    const first = owner.get(id);
    if (first === undefined) {
      owner.set(id, r.index);
      continue;
    }
    const other = sourceOf(objects[first] as Record<string, unknown>);
    const o = r.object;
    const detail = `${o.kind} ${o.metadata.namespace}/${o.metadata.name} is also rendered from ${other.kind} ${other.namespace}/${other.name}`;
    errors.push(errorFor(r.index, objects[r.index], [publicError(fieldError.conflict("metadata.name", detail))]));
  }
  if (errors.length) return { objects: [], errors, unknown };
  return { objects: sortForApply(rendered.map((r) => r.object)), errors: [], unknown };
}
