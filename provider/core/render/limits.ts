import { fieldError, publicError, type FieldError } from "../errors";
import { child, index } from "../path";
import { asArray, asRecord } from "./json";
import type { RenderedObject } from "./types";

/**
 * Limits of the downstream CRDs that an admitted HTTPProxy can still exceed once rendered, so the
 * API server would reject the object at apply. Reporting them from render makes preview (and the
 * `render` command) fail with the source's field path instead of a late apply error. NSO admits
 * such a proxy and then fails to reconcile its HTTPRoute.
 */

/** Gateway API HTTPRoute `spec.rules[].filters` maxItems. */
const HTTPROUTE_MAX_RULE_FILTERS = 16;

/**
 * compile.md §2.4 appends a URLRewrite (the backend's Host rewrite) to a rule that has none, so a
 * rule with 16 filters renders to 17. HTTPRoute rules keep the HTTPProxy's rule order and index.
 */
function routeRuleFilterErrors(route: RenderedObject): FieldError[] {
  const rules = asArray(asRecord(route["spec"])["rules"]);
  const errors: FieldError[] = [];
  rules.forEach((rule, i) => {
    const n = asArray(asRecord(rule)["filters"]).length;
    if (n <= HTTPROUTE_MAX_RULE_FILTERS) return;
    const e = fieldError.tooMany(child(index("spec.rules", i), "filters"), n, HTTPROUTE_MAX_RULE_FILTERS);
    e.message +=
      " in the generated HTTPRoute rule: the backend's Host rewrite adds a URLRewrite filter; use at most " +
      `${HTTPROUTE_MAX_RULE_FILTERS - 1} filters on this rule, or include a URLRewrite filter (its hostname is then set for you)`;
    errors.push(publicError(e));
  });
  return errors;
}

/** Errors, with HTTPProxy field paths, for rendered objects the API server would reject. */
export function httpProxyLimitErrors(objects: readonly RenderedObject[]): FieldError[] {
  return objects.filter((o) => o.kind === "HTTPRoute").flatMap(routeRuleFilterErrors);
}
