/**
 * The two copies of the Gateway API route types the guardrails see: the one embedded in NSO's
 * HTTPProxy CRD (generated from an older Gateway API) and the upstream v1.5.1 HTTPRoute CRD.
 * They differ only in the details listed here.
 */
export interface GatewayAPIFlavour {
  /** Header values must be printable ASCII (v1.5 adds this pattern). */
  headerValuePattern: boolean;
  /** HTTPProxy requires ≥1 match per rule; HTTPRoute allows an empty list. */
  matchesMinItems?: number;
  /** Filter `type` enum (v1.5 adds ExternalAuth). */
  filterTypes: readonly string[];
  /** Whether the ExternalAuth type/payload consistency rules exist. */
  externalAuthType: boolean;
  /** Message of the "RequestRedirect and URLRewrite together" list rule. */
  redirectWithRewriteMessage: string;
  /** Filter types that may appear at most once per filter list, in the CRD's rule order. */
  unrepeatableFilters: readonly string[];
}

const CORE_FILTER_TYPES = [
  "RequestHeaderModifier",
  "ResponseHeaderModifier",
  "RequestMirror",
  "RequestRedirect",
  "URLRewrite",
  "ExtensionRef",
  "CORS",
] as const;

export const HTTPPROXY_FLAVOUR: GatewayAPIFlavour = {
  headerValuePattern: false,
  matchesMinItems: 1,
  filterTypes: CORE_FILTER_TYPES,
  externalAuthType: false,
  redirectWithRewriteMessage: "May specify either requestRedirect or urlRewrite, but not both",
  unrepeatableFilters: ["RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"],
};

export const GATEWAY_API_V1_5_FLAVOUR: GatewayAPIFlavour = {
  headerValuePattern: true,
  filterTypes: [...CORE_FILTER_TYPES, "ExternalAuth"],
  externalAuthType: true,
  redirectWithRewriteMessage: "May specify either httpRouteFilterRequestRedirect or httpRouteFilterRequestRewrite, but not both",
  unrepeatableFilters: ["CORS", "RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite"],
};
