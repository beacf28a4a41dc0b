import { fieldError, type ScopedFieldError } from "../../errors";
import * as paths from "../../path";
import * as unknowns from "../../unknown";
import * as network from "../../validation/network";
import * as names from "../../validation/names";
import * as filterPolicy from "../gatewayapi/filterpolicy";
import * as json from "../../json";
import type { Obj } from "../../json";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which on paths run per node or per rule costs more than the work.
const { child, index, key } = paths;
const { isUnknown } = unknowns;
const { isLinkLocalMulticast, isLinkLocalUnicast, isLoopback, isUnspecified, parseGoURL, parseIP, urlHostname, urlPort } = network;
const { fqdnErrors, labelErrors, programmableHostnameErrors, subdomainErrors } = names;
const { asArray, isObj, present } = json;
const { SUPPORTED_BACKEND_FILTERS, SUPPORTED_RULE_FILTERS, filterPolicyErrors } = filterPolicy;

/**
 * NSO's HTTPProxy validating webhook (`internal/validation/httpproxy_validation.go`), docs/spec/guardrails.md
 * §1.2 (W1–W21), in NSO's error order: hostnames, metadata.name, then each rule (rule filters,
 * rule Host override, backends). It runs on the typed object, so every read here tolerates values
 * of the wrong type (only reachable when CRD errors were deferred for unknown inputs).
 */

const MIN_PORT = 1;
const MAX_PORT = 65535;

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** W1 (FQDN) and W2 (unique) at `spec.hostnames[i].hostname`. */
export function hostnameErrors(hostnames: unknown): ScopedFieldError[] {
  const errs: ScopedFieldError[] = [];
  const seen = new Set<string>();
  asArray(hostnames).forEach((h, i) => {
    const p = child(index("spec.hostnames", i), "hostname");
    const hostname = str(h);
    errs.push(...fqdnErrors(p, hostname));
    if (seen.has(hostname)) {
      // Which entry is the repeat depends on the earlier ones.
      errs.push({ ...fieldError.duplicate(p, hostname), scope: "spec.hostnames" });
    } else {
      seen.add(hostname);
    }
  });
  return errs;
}

/** W3: the name becomes Gateway/HTTPRoute names and labels, so it must be a DNS-1123 label. */
export function nameErrors(obj: Obj): ScopedFieldError[] {
  const meta = obj["metadata"];
  const name = isObj(meta) ? meta["name"] : undefined;
  if (isUnknown(name)) return [];
  return labelErrors("metadata.name", str(name));
}

/**
 * W7: the first `set` entry named Host (any case) in the first RequestHeaderModifier that has one
 * becomes the generated route's URLRewrite hostname, so it must be a programmable hostname.
 */
function hostOverrideErrors(filters: unknown, path: string): ScopedFieldError[] {
  const list = asArray(filters);
  for (let i = 0; i < list.length; i++) {
    const f = list[i];
    if (!isObj(f) || f["type"] !== "RequestHeaderModifier" || !isObj(f["requestHeaderModifier"])) continue;
    const set = asArray(f["requestHeaderModifier"]["set"]);
    for (let j = 0; j < set.length; j++) {
      const h = set[j];
      if (!isObj(h) || str(h["name"]).toLowerCase() !== "host") continue;
      const p = child(index(child(child(index(path, i), "requestHeaderModifier"), "set"), j), "value");
      // Which entry is "the" override depends on the whole filter list.
      return programmableHostnameErrors(p, str(h["value"])).map((e) => ({ ...e, scope: path }));
    }
  }
  return [];
}

/** W15: Go's strconv.Atoi accepts any int64; larger digit strings are "not a number". */
function portErrors(port: string, path: string): ScopedFieldError[] {
  if (port === "") return [];
  if (!/^[0-9]+$/.test(port) || BigInt(port) > 9223372036854775807n) return [fieldError.invalid(path, port, "must be a number")];
  const n = Number(port);
  if (n < MIN_PORT || n > MAX_PORT) return [fieldError.invalid(path, port, `must be between ${MIN_PORT} and ${MAX_PORT}, inclusive`)];
  return [];
}

/** An endpoint's URL schemes: the plain one and the one with TLS (W10 lists both, W14 checks the TLS one). */
export interface EndpointSchemes {
  plain: string;
  tls: string;
}

const HTTP_SCHEMES: EndpointSchemes = { plain: "http", tls: "https" };

/** W9–W18 for one endpoint/connector backend (GRPCProxy passes grpc/grpcs). */
export function endpointErrors(backend: Obj, path: string, scope: string | undefined, schemes: EndpointSchemes = HTTP_SCHEMES): ScopedFieldError[] {
  const endpointPath = child(path, "endpoint");
  const endpoint = str(backend["endpoint"]);
  const scoped = (e: ScopedFieldError): ScopedFieldError => (scope === undefined ? e : { ...e, scope });
  const parsed = parseGoURL(endpoint);
  // W9
  if (!parsed.ok) return [scoped(fieldError.invalid(endpointPath, endpoint, `invalid endpoint: ${parsed.error}`))];
  const u = parsed.url;
  const errs: ScopedFieldError[] = [];
  // W10
  if (u.scheme !== schemes.plain && u.scheme !== schemes.tls) errs.push(fieldError.notSupported(key(endpointPath, "scheme"), u.scheme, [schemes.plain, schemes.tls]));
  // W11
  if (u.user) {
    errs.push(fieldError.invalid(key(endpointPath, "userinfo"), `${u.user.username}:redacted`, "endpoint must not have a userinfo component"));
  }
  const hostPath = key(endpointPath, "host");
  const host = urlHostname(u);
  const connector = backend["connector"];
  const hasConnector = present(connector);
  // A connector that is not known yet decides the loopback/localhost exemptions.
  const connectorScope = isUnknown(connector) ? child(path, "connector") : undefined;
  const ip = parseIP(host);
  if (ip) {
    // W12
    if (isUnspecified(ip)) errs.push(fieldError.invalid(hostPath, host, `may not be unspecified (${host})`));
    if (isLoopback(ip) && (!hasConnector || connectorScope !== undefined)) {
      errs.push(fieldError.invalid(hostPath, host, "may not be in the loopback range (127.0.0.0/8, ::1/128)", connectorScope));
    }
    if (isLinkLocalUnicast(ip)) errs.push(fieldError.invalid(hostPath, host, "may not be in the link-local range (169.254.0.0/16, fe80::/10)"));
    if (isLinkLocalMulticast(ip)) {
      errs.push(fieldError.invalid(hostPath, host, "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"));
    }
  } else if (!hasConnector || host !== "localhost") {
    // W13
    errs.push(...fqdnErrors(hostPath, host));
  } else if (connectorScope !== undefined) {
    errs.push(...fqdnErrors(hostPath, host, connectorScope));
  }
  // W14: certificate validation against an IP needs a name.
  if (u.scheme === schemes.tls && ip) {
    const tls = backend["tls"];
    const tlsHostname = isObj(tls) ? tls["hostname"] : undefined;
    if (!isUnknown(tls) && (!present(tlsHostname) || tlsHostname === "")) {
      errs.push(fieldError.required(child(child(path, "tls"), "hostname"), "tls.hostname is required for HTTPS endpoints with IP addresses", path));
    }
  }
  // W15
  errs.push(...portErrors(urlPort(u), key(endpointPath, "port")));
  // W16–W18
  if (u.path !== "") errs.push(fieldError.invalid(key(endpointPath, "path"), u.path, "endpoint must not have a path component"));
  if (u.rawQuery !== "") errs.push(fieldError.invalid(key(endpointPath, "query"), u.rawQuery, "endpoint must not have a query component"));
  if (u.fragment !== "") errs.push(fieldError.invalid(key(endpointPath, "fragment"), u.fragment, "endpoint must not have a fragment component"));
  return errs.map(scoped);
}

function backendErrors(backend: unknown, path: string): ScopedFieldError[] {
  if (!isObj(backend)) return [];
  const errs: ScopedFieldError[] = [];
  const instance = backend["instance"];
  // Instance backends have no endpoint (W9–W18 skipped); an unknown instance decides that.
  if (!present(instance) || isUnknown(instance)) {
    errs.push(...endpointErrors(backend, path, isUnknown(instance) ? child(path, "instance") : undefined));
  }
  // W19
  const tls = backend["tls"];
  const tlsHostname = isObj(tls) ? tls["hostname"] : undefined;
  if (typeof tlsHostname === "string" && tlsHostname !== "") {
    errs.push(...programmableHostnameErrors(child(child(path, "tls"), "hostname"), tlsHostname));
  }
  // W20
  const connector = backend["connector"];
  if (isObj(connector)) {
    const p = child(child(path, "connector"), "name");
    const name = str(connector["name"]);
    if (name === "") errs.push(fieldError.required(p, "connector name is required"));
    else errs.push(...labelErrors(p, name));
  }
  // W21
  if (isObj(instance)) {
    const p = child(child(path, "instance"), "name");
    const name = str(instance["name"]);
    if (name === "") errs.push(fieldError.required(p, "instance name is required"));
    else errs.push(...subdomainErrors(p, name));
  }
  // W5, W6, W7 at backend level
  const filtersPath = child(path, "filters");
  errs.push(...filterPolicyErrors(backend["filters"], SUPPORTED_BACKEND_FILTERS, filtersPath));
  errs.push(...hostOverrideErrors(backend["filters"], filtersPath));
  return errs;
}

function ruleErrors(rule: unknown, path: string): ScopedFieldError[] {
  if (!isObj(rule)) return [];
  const errs: ScopedFieldError[] = [];
  const filtersPath = child(path, "filters");
  // W4, W6
  errs.push(...filterPolicyErrors(rule["filters"], SUPPORTED_RULE_FILTERS, filtersPath));
  // W7
  errs.push(...hostOverrideErrors(rule["filters"], filtersPath));
  const backendsPath = child(path, "backends");
  const backends = asArray(rule["backends"]);
  // W8: a redirect-only rule needs no backend; decided by the rule's filters too.
  if (backends.length === 0 && !isUnknown(rule["backends"])) {
    const redirects = asArray(rule["filters"]).some((f) => isObj(f) && f["type"] === "RequestRedirect");
    if (!redirects) errs.push(fieldError.required(backendsPath, "a backend is required unless a RequestRedirect filter is present on the rule", path));
  }
  backends.forEach((b, i) => errs.push(...backendErrors(b, index(backendsPath, i))));
  return errs;
}

export function httpProxyWebhookErrors(obj: Obj): ScopedFieldError[] {
  const spec = isObj(obj["spec"]) ? obj["spec"] : {};
  const errs: ScopedFieldError[] = [...hostnameErrors(spec["hostnames"]), ...nameErrors(obj)];
  asArray(spec["rules"]).forEach((r, i) => errs.push(...ruleErrors(r, index("spec.rules", i))));
  return errs;
}
