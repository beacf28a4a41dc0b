import type { GuardrailConfig } from "../config";
import { fieldError, type ScopedFieldError } from "../errors";
import {
  DEFAULT_HTTP_LISTENER_NAME,
  DEFAULT_HTTPS_LISTENER_NAME,
  GATEWAY_API_VERSIONS,
} from "../models/gateway";
import { child, index, key } from "../path";
import { canonicalHostname } from "../render/hostname";
import { isUnknown } from "../unknown";
import { fqdnErrors } from "../validation/names";
import type { AdmissionContext, KindGuardrails } from "../validation/pipeline";
import { GATEWAY_SCHEMA, gatewayAddressFormatErrors } from "./gatewayapi/gateway-crd";
import { crdLayer } from "./gatewayapi/crd";
import { isObj, present, type Obj } from "../json";

/**
 * Gateway (`gateway.networking.k8s.io/v1`): NSO's mutating webhook (G1 + default listener
 * injection), the upstream Gateway CRD (gatewayapi/gateway-crd.ts) and NSO's validating webhook
 * (G2–G18, `internal/validation/gateway_validation.go`), docs/spec/guardrails.md §3.
 */

function isDefaultListener(l: unknown): boolean {
  const name = isObj(l) ? l["name"] : undefined;
  return name === DEFAULT_HTTP_LISTENER_NAME || name === DEFAULT_HTTPS_LISTENER_NAME;
}

/**
 * GatewayClasses NSO manages: those among `existing` whose controllerName is the operator's, or the
 * configured list when the cluster's classes were not supplied at all. Sorted, as NSO reports them.
 */
export function managedGatewayClasses(ctx: AdmissionContext): string[] {
  const classes = ctx.existing.filter((o) => o["kind"] === "GatewayClass");
  if (classes.length === 0) return [...ctx.config.gateway.managedGatewayClasses].sort();
  const names: string[] = [];
  for (const c of classes) {
    const spec = isObj(c["spec"]) ? c["spec"] : {};
    const meta = isObj(c["metadata"]) ? c["metadata"] : {};
    if (spec["controllerName"] === ctx.config.gateway.controllerName && typeof meta["name"] === "string") names.push(meta["name"]);
  }
  return names.sort();
}

function specOf(obj: Obj): Obj {
  return isObj(obj["spec"]) ? obj["spec"] : {};
}

// ---------------------------------------------------------------------------------------------
// Mutating webhook
// ---------------------------------------------------------------------------------------------

/** The listeners NSO injects: hostnames are filled in later by its controller. */
function defaultListeners(config: GuardrailConfig): Obj[] {
  const sameNamespace = { namespaces: { from: "Same" } };
  const options = config.gateway.listenerTLSOptions;
  return [
    { name: DEFAULT_HTTP_LISTENER_NAME, protocol: "HTTP", port: 80, allowedRoutes: sameNamespace },
    {
      name: DEFAULT_HTTPS_LISTENER_NAME,
      protocol: "HTTPS",
      port: 443,
      allowedRoutes: sameNamespace,
      tls: { mode: "Terminate", ...(Object.keys(options).length > 0 && { options: { ...options } }) },
    },
  ];
}

/**
 * G1: tenant listeners need a hostname, reported here because the injected defaults would
 * otherwise make the upstream CRD reject a hostname-less listener with an opaque uniqueness error.
 */
function tenantListenerHostnameErrors(listeners: readonly unknown[], classScope: string | undefined): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  listeners.forEach((l, i) => {
    if (!isObj(l) || isDefaultListener(l) || present(l["hostname"])) return;
    const p = index("spec.listeners", i);
    errs.push(
      fieldError.required(
        child(p, "hostname"),
        "a hostname must be set; this controller injects default HTTP/HTTPS listeners, so listeners you define must specify a distinguishing hostname",
        classScope ?? p,
      ),
    );
  });
  return errs;
}

/** On create the defaults replace same-named listeners; on update only missing ones are re-added. */
function withDefaultListeners(listeners: readonly unknown[], ctx: AdmissionContext): unknown[] {
  const out = [...listeners];
  for (const d of defaultListeners(ctx.config)) {
    const at = out.findIndex((l) => isObj(l) && l["name"] === d["name"]);
    if (at < 0) out.push(d);
    else if (ctx.operation === "CREATE") out[at] = d;
  }
  return out;
}

function mutate(obj: Obj, ctx: AdmissionContext): { object: Obj; errors: ScopedFieldError[] } {
  const spec = specOf(obj);
  const className = spec["gatewayClassName"];
  // Classes NSO does not manage are left alone; an unknown class is assumed managed.
  const classUnknown = isUnknown(className);
  if (!classUnknown && !managedGatewayClasses(ctx).includes(String(className ?? ""))) return { object: obj, errors: [] };
  const raw = spec["listeners"];
  if (present(raw) && !Array.isArray(raw)) return { object: obj, errors: [] };
  const listeners: readonly unknown[] = Array.isArray(raw) ? raw : [];
  const errors = tenantListenerHostnameErrors(listeners, classUnknown ? "spec.gatewayClassName" : undefined);
  // A class not known yet may be unmanaged, in which case NSO would add nothing; a managed one
  // would reject these errors before adding anything.
  if (classUnknown && errors.length > 0) return { object: obj, errors };
  // Otherwise inject even alongside errors: errors that wait for unknown values let the request
  // go on, and it must go on with the listeners NSO would add.
  return { object: { ...obj, spec: { ...spec, listeners: withDefaultListeners(listeners, ctx) } }, errors };
}

// ---------------------------------------------------------------------------------------------
// Validating webhook
// ---------------------------------------------------------------------------------------------

interface ListenerContext {
  canonical: string;
  /** Hostname-typed addresses already programmed (status is the stored object's on update). */
  statusHostnames: readonly string[];
  config: GuardrailConfig;
}

/** G4–G6: default listeners carry the platform hostname; tenant listeners an FQDN of their own. */
function listenerHostnameErrors(l: Obj, p: string, lc: ListenerContext): ScopedFieldError[] {
  const hostnamePath = child(p, "hostname");
  const hostname = l["hostname"];
  if (isDefaultListener(l)) {
    // G4: unset is fine (the controller fills it in); anything else must be the canonical name.
    if (!present(hostname) || hostname === lc.canonical || lc.statusHostnames.includes(String(hostname))) return [];
    return [fieldError.notSupported(hostnamePath, hostname, [lc.canonical], isUnknown(lc.canonical) ? "metadata.name" : undefined)];
  }
  // G5 (whether the listener is a tenant's depends on its name)
  if (!present(hostname)) return [fieldError.required(hostnamePath, `must be set to ${JSON.stringify(lc.canonical)} or a custom hostname`, p)];
  // G6
  if (lc.config.gateway.disableHostnameVerification || typeof hostname !== "string") return [];
  return fqdnErrors(hostnamePath, hostname);
}

/** G7, G8: ports from `validPortNumbers`, protocols per port from `validProtocolTypes`. */
function listenerPortErrors(l: Obj, p: string, config: GuardrailConfig): ScopedFieldError[] {
  const port = l["port"];
  const ports = config.gateway.validPortNumbers;
  if (typeof port !== "number" || !ports.includes(port)) {
    return [fieldError.notSupported(child(p, "port"), port ?? 0, ports.map(String))];
  }
  const protocols = config.gateway.validProtocolTypes[String(port)] ?? [];
  const protocol = l["protocol"];
  if (typeof protocol !== "string" || !protocols.includes(protocol)) {
    return [fieldError.notSupported(child(p, "protocol"), protocol ?? "", protocols)];
  }
  return [];
}

/** G9–G13: HTTPS listeners get certificates issued from TLS options; no tenant certificates. */
function listenerTLSErrors(tls: unknown, p: string, config: GuardrailConfig): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  const optionsPath = child(p, "options");
  const options = isObj(tls) && isObj(tls["options"]) ? tls["options"] : {};
  // G9
  if (!isObj(tls) || Object.keys(options).length === 0) {
    if (!isUnknown(tls)) errs.push(fieldError.required(optionsPath, "must provide TLS options"));
    if (!isObj(tls)) return errs;
  }
  // G10
  const mode = tls["mode"] ?? "Terminate";
  if (mode !== "Terminate") errs.push(fieldError.invalid(child(p, "mode"), mode, "mode must be set to Terminate"));
  // G11
  const refs = tls["certificateRefs"];
  if (Array.isArray(refs) && refs.length > 0) errs.push(fieldError.forbidden(child(p, "certificateRefs"), "certificateRefs are not permitted"));
  // G12, G13
  for (const k of Object.keys(options).sort()) {
    const optionPath = key(optionsPath, k);
    const permitted = config.gateway.permittedTLSOptions[k];
    if (permitted === undefined) {
      errs.push(fieldError.forbidden(optionPath, "option is not permitted"));
    } else if (permitted.length > 0 && !permitted.includes(String(options[k]))) {
      errs.push(fieldError.notSupported(optionPath, String(options[k]), permitted));
    }
  }
  return errs;
}

/** G14, G15: routes only from the Gateway's namespace, of the default kinds. */
function allowedRoutesErrors(allowedRoutes: unknown, p: string): ScopedFieldError[] {
  if (!isObj(allowedRoutes)) return [];
  const errs: ScopedFieldError[] = [];
  const namespaces = allowedRoutes["namespaces"];
  const from = isObj(namespaces) ? namespaces["from"] : undefined;
  if (present(from) && from !== "Same") errs.push(fieldError.notSupported(child(child(p, "namespaces"), "from"), from, ["Same"]));
  const kinds = allowedRoutes["kinds"];
  if (Array.isArray(kinds) && kinds.length > 0) errs.push(fieldError.tooMany(child(p, "kinds"), kinds.length, 0));
  return errs;
}

function statusHostnames(ctx: AdmissionContext): string[] {
  // The API server keeps the stored status on update and drops a submitted one on create.
  const status = ctx.operation === "UPDATE" && ctx.oldObject && isObj(ctx.oldObject["status"]) ? ctx.oldObject["status"] : {};
  const addresses = Array.isArray(status["addresses"]) ? status["addresses"] : [];
  return addresses.filter((a): a is Obj => isObj(a) && a["type"] === "Hostname" && typeof a["value"] === "string").map((a) => String(a["value"]));
}

/** G2: only classes NSO manages; NSO stops at this error. */
function gatewayClassErrors(spec: Obj, ctx: AdmissionContext): ScopedFieldError[] {
  const className = spec["gatewayClassName"];
  const managed = managedGatewayClasses(ctx);
  if (isUnknown(className) || managed.includes(String(className ?? ""))) return [];
  return [fieldError.notSupported("spec.gatewayClassName", className ?? "", managed)];
}

function webhook(obj: Obj, ctx: AdmissionContext): ScopedFieldError[] {
  const spec = specOf(obj);
  const classErrs = gatewayClassErrors(spec, ctx);
  if (classErrs.length > 0) return classErrs;
  const errs = listenerAndSpecErrors(obj, spec, ctx);
  // An unknown class may be one NSO does not manage, which would stop at G2 instead.
  return isUnknown(spec["gatewayClassName"]) ? errs.map((e) => ({ ...e, scope: "spec.gatewayClassName" })) : errs;
}

function listenerAndSpecErrors(obj: Obj, spec: Obj, ctx: AdmissionContext): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  // G3
  if (spec["gatewayClassName"] === "" || !present(spec["gatewayClassName"])) {
    errs.push(fieldError.required("spec.gatewayClassName", "gatewayClassName is required"));
  }
  const meta = isObj(obj["metadata"]) ? obj["metadata"] : {};
  const lc: ListenerContext = {
    canonical: canonicalHostname(ctx.namespace, String(meta["name"] ?? ""), ctx.config.gateway.targetDomain),
    statusHostnames: statusHostnames(ctx),
    config: ctx.config,
  };
  const listeners = Array.isArray(spec["listeners"]) ? spec["listeners"] : [];
  listeners.forEach((l, i) => {
    if (!isObj(l)) return;
    const p = index("spec.listeners", i);
    errs.push(...listenerHostnameErrors(l, p, lc), ...listenerPortErrors(l, p, ctx.config));
    if (l["protocol"] === "HTTPS") errs.push(...listenerTLSErrors(l["tls"], child(p, "tls"), ctx.config));
    errs.push(...allowedRoutesErrors(l["allowedRoutes"], child(p, "allowedRoutes")));
  });
  // G16
  const addresses = spec["addresses"];
  if (Array.isArray(addresses) && addresses.length > 0) errs.push(fieldError.tooMany("spec.addresses", addresses.length, 0));
  // G17
  if (present(spec["infrastructure"])) errs.push(fieldError.forbidden("spec.infrastructure", "infrastructure is not permitted"));
  // G18
  if (present(spec["tls"])) errs.push(fieldError.forbidden("spec.tls", "tls is not permitted"));
  return errs;
}

export const gatewayGuardrails: KindGuardrails = {
  kind: "Gateway",
  apiVersions: GATEWAY_API_VERSIONS,
  mutate,
  ...crdLayer(GATEWAY_SCHEMA, {
    schemaErrors: (view) => gatewayAddressFormatErrors(specOf(view)["addresses"]),
    blocksCel: (view) => gatewayAddressFormatErrors(specOf(view)["addresses"]).length > 0,
  }),
  webhook,
  webhookOnUpdate: true,
};
