import { fieldError, type ScopedFieldError } from "../../errors";
import * as paths from "../../path";
import * as json from "../../json";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which on paths run per node or per rule costs more than the work.
const { child, index } = paths;
const { isObj } = json;

/**
 * NSO's webhook policy on route filters, shared by HTTPProxy (W4–W6) and HTTPRoute (R5–R7):
 * which filter types a tenant may use, and which extension filters they may reference.
 * Supported lists are sorted, as NSO reports them.
 */

export const SUPPORTED_RULE_FILTERS = [
  "CORS",
  "ExtensionRef",
  "RequestHeaderModifier",
  "RequestRedirect",
  "ResponseHeaderModifier",
  "URLRewrite",
] as const;

export const SUPPORTED_BACKEND_FILTERS = ["ExtensionRef", "RequestHeaderModifier", "ResponseHeaderModifier"] as const;

export const EXTENSION_FILTER_GROUP = "gateway.envoyproxy.io";
export const EXTENSION_FILTER_KIND = "HTTPRouteFilter";

/** W4/W5 (R5/R6): filter type in the supported set; W6 (R7): extensionRef targets an Envoy Gateway HTTPRouteFilter. */
export function filterPolicyErrors(filters: unknown, supported: readonly string[], path: string): ScopedFieldError[] {
  if (!Array.isArray(filters)) return [];
  const errs: ScopedFieldError[] = [];
  filters.forEach((f, i) => {
    if (!isObj(f)) return;
    const p = index(path, i);
    const type = f["type"] ?? "";
    if (!supported.includes(String(type))) errs.push(fieldError.notSupported(child(p, "type"), type, supported));
    const ref = f["extensionRef"];
    if (isObj(ref)) {
      const refPath = child(p, "extensionRef");
      const group = ref["group"] ?? "";
      const kind = ref["kind"] ?? "";
      if (group !== EXTENSION_FILTER_GROUP) errs.push(fieldError.notSupported(child(refPath, "group"), group, [EXTENSION_FILTER_GROUP]));
      if (kind !== EXTENSION_FILTER_KIND) errs.push(fieldError.notSupported(child(refPath, "kind"), kind, [EXTENSION_FILTER_KIND]));
    }
  });
  return errs;
}
