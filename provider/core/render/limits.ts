import { fieldError, publicError, type FieldError } from "../errors";
import { PRECISE_HOSTNAME } from "../guardrails/gatewayapi/patterns";
import { child, index, key } from "../path";
import type { RenderedObject } from "./types";
import { asArray, asObj } from "../json";

/**
 * Limits of the downstream CRDs that an admitted HTTPProxy can still exceed once rendered, so the
 * API server would reject the object at apply. Reporting them from render makes preview (and the
 * `render` command) fail with the source's field path instead of a late apply error. NSO admits
 * such a proxy and then fails to reconcile its HTTPRoute.
 */

/** Said of every such error: `validate` and preview report it although NSO would admit the proxy. */
const NSO_ADMITS = "NSO admits this HTTPProxy but then fails to program it";

/** Gateway API HTTPRoute `spec.rules[].filters` maxItems. */
const HTTPROUTE_MAX_RULE_FILTERS = 16;

/**
 * docs/spec/compile.md §2.4 appends a URLRewrite (the backend's Host rewrite) to a rule that has none, so a
 * rule with 16 filters renders to 17. HTTPRoute rules keep the HTTPProxy's rule order and index.
 */
function routeRuleFilterErrors(route: RenderedObject): FieldError[] {
  const rules = asArray(asObj(route["spec"])["rules"]);
  const errors: FieldError[] = [];
  rules.forEach((rule, i) => {
    const n = asArray(asObj(rule)["filters"]).length;
    if (n <= HTTPROUTE_MAX_RULE_FILTERS) return;
    const e = fieldError.tooMany(child(index("spec.rules", i), "filters"), n, HTTPROUTE_MAX_RULE_FILTERS);
    e.message +=
      " in the generated HTTPRoute rule: the backend's Host rewrite adds a URLRewrite filter; use at most " +
      `${HTTPROUTE_MAX_RULE_FILTERS - 1} filters on this rule, or include a URLRewrite filter (its hostname is then set for you); ${NSO_ADMITS}`;
    errors.push(publicError(e));
  });
  return errors;
}

/**
 * The rewritten Host (HTTPRoute `urlRewrite.hostname`, also the BackendTLSPolicy's
 * `validation.hostname`) must be a PreciseHostname: an endpoint host NSO accepts, such as
 * `a.example.com.` with its trailing dot, is refused there. A Host header override or tls.hostname
 * is checked where it is written (W7, W19), so what is left comes from the rule's backend endpoint.
 */
function rewriteHostnameErrors(route: RenderedObject): FieldError[] {
  const errors: FieldError[] = [];
  asArray(asObj(route["spec"])["rules"]).forEach((rule, i) => {
    for (const f of asArray(asObj(rule)["filters"])) {
      const hostname = asObj(asObj(f)["urlRewrite"])["hostname"];
      if (typeof hostname !== "string" || PRECISE_HOSTNAME.re.test(hostname)) continue;
      const at = key(child(index(child(index("spec.rules", i), "backends"), 0), "endpoint"), "host");
      const detail =
        `becomes the generated HTTPRoute's urlRewrite.hostname (and BackendTLSPolicy validation.hostname), which must match '${PRECISE_HOSTNAME.source}'` +
        ` (lowercase, no trailing dot); write the host as ${JSON.stringify(hostname.replace(/\.+$/, "").toLowerCase())}; ${NSO_ADMITS}`;
      errors.push(publicError(fieldError.invalid(at, hostname, detail)));
    }
  });
  return errors;
}

/** Errors, with HTTPProxy field paths, for rendered objects the API server would reject. */
export function httpProxyLimitErrors(objects: readonly RenderedObject[]): FieldError[] {
  return objects.filter((o) => o.kind === "HTTPRoute").flatMap((r) => [...routeRuleFilterErrors(r), ...rewriteHostnameErrors(r)]);
}
