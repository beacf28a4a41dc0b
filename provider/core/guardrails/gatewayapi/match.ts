import { httpMethods } from "../../models/gatewayapi";
import * as patterns from "./patterns";
import { HEADER_NAME, HEADER_VALUE, PATH_CHARS_SOURCE } from "./patterns";
import type { GatewayAPIFlavour } from "./flavour";
import * as structural from "./structural";
import type { ArraySchema, CelRule, ObjectSchema, Schema } from "./structural";

// Bound once at load: under Vite's module runner (vitest, `vitest bench` included) every use of an
// imported binding is a getter call, which on paths run per node or per rule costs more than the work.
const { field } = structural;
const { PATH_CHARS } = patterns;

/** Gateway API `HTTPRouteMatch` as the CRDs declare it (docs/spec/guardrails.md C9–C13). */

const EXACT_OR_PREFIX = "when type one of ['Exact', 'PathPrefix']";

/** The path rules only apply to Exact and PathPrefix; RegularExpression values are not checked. */
function pathRule(message: string, ok: (value: string) => boolean): CelRule {
  return {
    id: "C10",
    message,
    holds(self) {
      const type = field(self, "type");
      if (type !== "Exact" && type !== "PathPrefix") return true;
      const value = field(self, "value");
      return ok(typeof value === "string" ? value : String(value));
    },
  };
}

const PATH_TYPES: readonly string[] = ["Exact", "PathPrefix", "RegularExpression"];

// C9, C10: path type enum (default PathPrefix) and value (default "/", ≤1024) rules.
const pathMatch: ObjectSchema = {
  type: "object",
  default: { type: "PathPrefix", value: "/" },
  properties: {
    type: { type: "string", default: "PathPrefix", enum: ["Exact", "PathPrefix", "RegularExpression"] },
    value: { type: "string", default: "/", maxLength: 1024 },
  },
  rules: [
    pathRule(`value must be an absolute path and start with '/' ${EXACT_OR_PREFIX}`, (v) => v.startsWith("/")),
    pathRule(`must not contain '//' ${EXACT_OR_PREFIX}`, (v) => !v.includes("//")),
    pathRule(`must not contain '/./' ${EXACT_OR_PREFIX}`, (v) => !v.includes("/./")),
    pathRule(`must not contain '/../' ${EXACT_OR_PREFIX}`, (v) => !v.includes("/../")),
    pathRule(`must not contain '%2f' ${EXACT_OR_PREFIX}`, (v) => !v.includes("%2f")),
    pathRule(`must not contain '%2F' ${EXACT_OR_PREFIX}`, (v) => !v.includes("%2F")),
    pathRule(`must not contain '#' ${EXACT_OR_PREFIX}`, (v) => !v.includes("#")),
    pathRule(`must not end with '/..' ${EXACT_OR_PREFIX}`, (v) => !v.endsWith("/..")),
    pathRule(`must not end with '/.' ${EXACT_OR_PREFIX}`, (v) => !v.endsWith("/.")),
    {
      id: "C9",
      message: "type must be one of ['Exact', 'PathPrefix', 'RegularExpression']",
      holds: (self) => PATH_TYPES.includes(String(field(self, "type"))),
    },
    pathRule(
      `must only contain valid characters (matching ${PATH_CHARS_SOURCE}) for types ['Exact', 'PathPrefix']`,
      (v) => PATH_CHARS.re.test(v),
    ),
  ],
};

/** C11/C12: header and query-param matches — list-maps keyed by name, ≤16 each. */
function nameValueMatches(valueMax: number, valuePattern: boolean): ArraySchema {
  return {
    type: "array",
    maxItems: 16,
    listType: "map",
    mapKeys: ["name"],
    items: {
      type: "object",
      required: ["name", "value"],
      properties: {
        name: { type: "string", minLength: 1, maxLength: 256, pattern: HEADER_NAME },
        type: { type: "string", default: "Exact", enum: ["Exact", "RegularExpression"] },
        value: { type: "string", minLength: 1, maxLength: valueMax, ...(valuePattern && { pattern: HEADER_VALUE }) },
      },
    },
  };
}

export function httpRouteMatchSchema(flavour: GatewayAPIFlavour): ObjectSchema {
  return {
    type: "object",
    properties: {
      path: pathMatch,
      headers: nameValueMatches(4096, flavour.headerValuePattern),
      queryParams: nameValueMatches(1024, false),
      // C13
      method: { type: "string", enum: httpMethods },
    },
  };
}

/** A rule's `matches`: ≤64 (C8), defaulting to one `PathPrefix /` match. */
export function httpRouteMatchesSchema(flavour: GatewayAPIFlavour): Schema {
  return {
    type: "array",
    default: [{ path: { type: "PathPrefix", value: "/" } }],
    maxItems: 64,
    ...(flavour.matchesMinItems !== undefined && { minItems: flavour.matchesMinItems }),
    items: httpRouteMatchSchema(flavour),
  };
}
