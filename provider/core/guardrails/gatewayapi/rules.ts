import * as filters from "./filters";
import { PRECISE_HOSTNAME } from "./patterns";
import * as structural from "./structural";
import type { CelRule, Schema } from "./structural";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which on paths run per node or per rule costs more than the work.
const { existsOne, field, has, list } = structural;
const { replacesPrefixMatch } = filters;

/** Rule-level and rule-list CEL shared by HTTPProxy rules and HTTPRoute rules (C5–C7, C22, C23). */

/** C7: rule names are DNS subdomains. */
export const RULE_NAME: Schema = { type: "string", minLength: 1, maxLength: 253, pattern: PRECISE_HOSTNAME };

function exactlyOnePrefixMatch(rule: unknown): boolean {
  const matches = list(field(rule, "matches"));
  const first = matches[0];
  return matches.length === 1 && has(first, "path") && field(field(first, "path"), "type") === "PathPrefix";
}

function ruleFiltersReplacePrefix(rule: unknown, kind: "requestRedirect" | "urlRewrite"): boolean {
  return has(rule, "filters") && existsOne(list(field(rule, "filters")), (f) => replacesPrefixMatch(f, kind));
}

function backendFiltersReplacePrefix(rule: unknown, backends: string, kind: "requestRedirect" | "urlRewrite"): boolean {
  return (
    has(rule, backends) &&
    existsOne(list(field(rule, backends)), (b) => has(b, "filters") && existsOne(list(field(b, "filters")), (f) => replacesPrefixMatch(f, kind)))
  );
}

/**
 * The CEL rules on one rule object. `backends` names the backend list (`backends` on HTTPProxy,
 * `backendRefs` on HTTPRoute); the messages name it too.
 */
export function routeRuleRules(backends: "backends" | "backendRefs"): CelRule[] {
  const onePrefix = "path.replacePrefixMatch, exactly one PathPrefix match must be specified";
  return [
    {
      id: "C22",
      message: `RequestRedirect filter must not be used together with ${backends}`,
      holds: (self) =>
        !(has(self, backends) && list(field(self, backends)).length > 0) ||
        !has(self, "filters") ||
        list(field(self, "filters")).every((f) => !has(f, "requestRedirect")),
    },
    {
      id: "C23",
      message: `When using RequestRedirect filter with ${onePrefix}`,
      holds: (self) => !ruleFiltersReplacePrefix(self, "requestRedirect") || exactlyOnePrefixMatch(self),
    },
    {
      id: "C23",
      message: `When using URLRewrite filter with ${onePrefix}`,
      holds: (self) => !ruleFiltersReplacePrefix(self, "urlRewrite") || exactlyOnePrefixMatch(self),
    },
    {
      id: "C23",
      message: `Within ${backends}, when using RequestRedirect filter with ${onePrefix}`,
      holds: (self) => !backendFiltersReplacePrefix(self, backends, "requestRedirect") || exactlyOnePrefixMatch(self),
    },
    {
      id: "C23",
      // The upstream message capitalises "When" in this one.
      message: `Within ${backends}, When using URLRewrite filter with ${onePrefix}`,
      holds: (self) => !backendFiltersReplacePrefix(self, backends, "urlRewrite") || exactlyOnePrefixMatch(self),
    },
  ];
}

/** C5: every named rule's name occurs exactly once. */
export const UNIQUE_RULE_NAMES: CelRule = {
  id: "C5",
  message: "Rule name must be unique within the route",
  holds: (self) => {
    const rules = list(self);
    const names = rules.filter((r) => has(r, "name")).map((r) => field(r, "name"));
    // Schema-valid names are strings, for which "no repeats" is what the pairwise check says.
    if (names.every((n) => typeof n === "string")) return new Set(names).size === names.length;
    return rules.every((r1) => !has(r1, "name") || existsOne(rules, (r2) => has(r2, "name") && field(r1, "name") === field(r2, "name")));
  },
};

/** C6: the CRD sums the matches of the first 16 rules; exactly 128 passes despite the wording. */
export const TOTAL_MATCHES: CelRule = {
  id: "C6",
  message:
    "While 16 rules and 64 matches per rule are allowed, the total number of matches across all rules in a route must be less than 128",
  holds: (self) => list(self).slice(0, 16).reduce<number>((n, r) => n + list(field(r, "matches")).length, 0) <= 128,
};
