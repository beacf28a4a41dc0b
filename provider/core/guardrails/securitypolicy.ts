import type { GuardrailConfig } from "../config";
import { fieldError, type ScopedFieldError } from "../errors";
import { SECURITY_POLICY_API_VERSION } from "../models/securitypolicy";
import { child, index } from "../path";
import { byteLength } from "../validation/names";
import { externalHttpsUrlErrors } from "../validation/network";
import type { KindGuardrails } from "../validation/pipeline";
import { backendClusterErrors, backendClusterProperties, backendClusterQuantityErrors, backendClusterRules } from "./envoy/backend-cluster";
import { clusterSettingsQuantityTypeMismatch } from "./envoy/cluster-settings";
import { crdLayer } from "./envoy/crd-layer";
import { durationLimitErrors } from "./envoy/limits";
import { deprecatedTargetRefErrors, mergeTypeSchema, policyTargetProperties, policyTargetRules } from "./envoy/policy-target";
import { namespaceForbiddenErrors, secretObjectReference } from "./envoy/references";
import { DURATION, GROUP, KIND } from "./gatewayapi/patterns";
import { field, has, list, re, type CelRule, type ObjectSchema, type Schema } from "./gatewayapi/structural";
import { isObj, type Obj } from "../json";

/**
 * SecurityPolicy (`gateway.envoyproxy.io/v1alpha1`): Envoy Gateway's CRD (v1.8.1, the parts tenants
 * use) and NSO's webhook (docs/spec/guardrails.md §5, S1–S21). Limits come from
 * `gateway.extensionAPIValidationOptions.securityPolicies`.
 */

type SecurityPolicyLimits = GuardrailConfig["gateway"]["extensionAPIValidationOptions"]["securityPolicies"];

// ---------------------------------------------------------------------------------------------
// CRD schema and CEL
// ---------------------------------------------------------------------------------------------

const str: Schema = { type: "string" };
const strings: Schema = { type: "array", items: str };
const duration: Schema = { type: "string", pattern: DURATION };

function rule(message: string, holds: (self: Obj) => boolean): CelRule {
  return { message, holds: (self) => isObj(self) && holds(self) };
}

const apiKeyAuth: ObjectSchema = {
  type: "object",
  required: ["credentialRefs", "extractFrom"],
  properties: {
    credentialRefs: { type: "array", items: secretObjectReference },
    extractFrom: { type: "array", items: { type: "object", properties: { headers: strings, params: strings, cookies: strings } } },
    forwardClientIDHeader: str,
    sanitize: { type: "boolean" },
  },
};

const CORS_ORIGIN = re("^(\\*|https?:\\/\\/(\\*|(\\*\\.)?(([\\w-]+\\.?)+)?[\\w-]+)(:\\d{1,5})?)$", /^(\*|https?:\/\/(\*|(\*\.)?(?:[\w-]+\.)*[\w-]+)(:\d{1,5})?)$/);

const cors: ObjectSchema = {
  type: "object",
  properties: {
    allowOrigins: { type: "array", items: { type: "string", minLength: 1, maxLength: 253, pattern: CORS_ORIGIN } },
    allowMethods: strings,
    allowHeaders: strings,
    exposeHeaders: strings,
    allowCredentials: { type: "boolean" },
    maxAge: duration,
  },
};

const basicAuth: ObjectSchema = {
  type: "object",
  required: ["users"],
  properties: { users: secretObjectReference, forwardUsernameHeader: str },
};

const remoteJWKS: ObjectSchema = {
  type: "object",
  required: ["uri"],
  properties: {
    uri: { type: "string", minLength: 1, maxLength: 253 },
    cacheDuration: { type: "string", pattern: DURATION, default: "300s" },
    ...backendClusterProperties,
  },
  rules: backendClusterRules,
};

const localJWKS: ObjectSchema = {
  type: "object",
  required: ["type"],
  properties: {
    type: { type: "string", enum: ["Inline", "ValueRef"], default: "Inline" },
    inline: str,
    valueRef: {
      type: "object",
      required: ["group", "kind", "name"],
      properties: {
        group: { type: "string", maxLength: 253, pattern: GROUP },
        kind: { type: "string", minLength: 1, maxLength: 63, pattern: KIND },
        name: { type: "string", minLength: 1, maxLength: 253 },
      },
    },
  },
  rules: [
    rule(
      "Exactly one of inline or valueRef must be set with correct type.",
      (s) => (s["type"] === "Inline" && has(s, "inline") && !has(s, "valueRef")) || (s["type"] === "ValueRef" && !has(s, "inline") && has(s, "valueRef")),
    ),
  ],
};

const jwtProvider: ObjectSchema = {
  type: "object",
  required: ["name"],
  properties: {
    name: { type: "string", minLength: 1, maxLength: 253 },
    issuer: { type: "string", maxLength: 253 },
    audiences: { type: "array", maxItems: 8, items: str },
    claimToHeaders: { type: "array", items: { type: "object", required: ["claim", "header"], properties: { claim: str, header: str } } },
    extractFrom: {
      type: "object",
      properties: {
        headers: { type: "array", items: { type: "object", required: ["name"], properties: { name: str, valuePrefix: str } } },
        cookies: strings,
        params: strings,
      },
    },
    recomputeRoute: { type: "boolean" },
    remoteJWKS,
    localJWKS,
  },
  rules: [
    {
      message: "claimToHeaders must be specified if recomputeRoute is enabled.",
      holds: (self) => {
        if (!isObj(self) || self["recomputeRoute"] !== true) return true;
        // size() of an absent field is a CEL evaluation error, not a plain failure.
        if (!has(self, "claimToHeaders")) return { evalError: "no such key: claimToHeaders" };
        return list(self["claimToHeaders"]).length > 0;
      },
    },
    rule("either remoteJWKS or localJWKS must be specified.", (s) => has(s, "remoteJWKS") || has(s, "localJWKS")),
    rule("remoteJWKS and localJWKS cannot both be specified.", (s) => !(has(s, "remoteJWKS") && has(s, "localJWKS"))),
  ],
};

const jwt: ObjectSchema = {
  type: "object",
  required: ["providers"],
  properties: {
    optional: { type: "boolean" },
    providers: { type: "array", minItems: 1, maxItems: 16, items: jwtProvider },
  },
};

const oidcProvider: ObjectSchema = {
  type: "object",
  required: ["issuer"],
  properties: {
    issuer: { type: "string", minLength: 1 },
    authorizationEndpoint: str,
    tokenEndpoint: str,
    endSessionEndpoint: str,
    ...backendClusterProperties,
  },
  rules: backendClusterRules,
};

const COOKIE_DOMAIN = re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9]))*$");

const oidc: ObjectSchema = {
  type: "object",
  required: ["clientSecret", "provider"],
  properties: {
    provider: oidcProvider,
    clientID: { type: "string", minLength: 1 },
    clientIDRef: secretObjectReference,
    clientSecret: secretObjectReference,
    scopes: strings,
    resources: strings,
    redirectURL: str,
    logoutPath: str,
    cookieDomain: { type: "string", pattern: COOKIE_DOMAIN },
    cookieNames: { type: "object", properties: { accessToken: str, idToken: str } },
    cookieConfig: { type: "object", properties: { sameSite: { type: "string", enum: ["Lax", "Strict", "None"] } } },
    csrfTokenTTL: duration,
    defaultTokenTTL: duration,
    defaultRefreshTokenTTL: duration,
    forwardAccessToken: { type: "boolean" },
    forwardIDToken: { type: "object", required: ["header"], properties: { header: { type: "string", minLength: 1 } } },
    refreshToken: { type: "boolean", default: true },
    passThroughAuthHeader: { type: "boolean" },
    disableTokenEncryption: { type: "boolean" },
    denyRedirect: {
      type: "object",
      properties: { headers: { type: "array", items: { type: "object", properties: { name: str, type: str, value: str } } } },
    },
  },
  rules: [
    rule("only one of clientID or clientIDRef must be set", (s) => has(s, "clientID") !== has(s, "clientIDRef")),
    rule(
      "forwardAccessToken cannot be true when forwardIDToken.header is Authorization",
      (s) => !(s["forwardAccessToken"] === true && String(field(s["forwardIDToken"], "header")).toLowerCase() === "authorization"),
    ),
  ],
};

/** Envoy Gateway's CIDR pattern; unanchored, so it only has to occur somewhere in the value. */
const CLIENT_CIDR = re(
  "((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\/([0-9]+))|((([0-9a-fA-F]{1,4}:){7,7}[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,7}:|([0-9a-fA-F]{1,4}:){1,6}:[0-9a-fA-F]{1,4}|([0-9a-fA-F]{1,4}:){1,5}(:[0-9a-fA-F]{1,4}){1,2}|([0-9a-fA-F]{1,4}:){1,4}(:[0-9a-fA-F]{1,4}){1,3}|([0-9a-fA-F]{1,4}:){1,3}(:[0-9a-fA-F]{1,4}){1,4}|([0-9a-fA-F]{1,4}:){1,2}(:[0-9a-fA-F]{1,4}){1,5}|[0-9a-fA-F]{1,4}:((:[0-9a-fA-F]{1,4}){1,6})|:((:[0-9a-fA-F]{1,4}){1,7}|:)|fe80:(:[0-9a-fA-F]{0,4}){0,4}%[0-9a-zA-Z]{1,}|::(ffff(:0{1,4}){0,1}:){0,1}((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])|([0-9a-fA-F]{1,4}:){1,4}:((25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9])\\.){3,3}(25[0-5]|(2[0-4]|1{0,1}[0-9]){0,1}[0-9]))\\/([0-9]+))",
);

const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

const principal: ObjectSchema = {
  type: "object",
  properties: {
    clientCIDRs: { type: "array", minItems: 1, items: { type: "string", pattern: CLIENT_CIDR } },
    headers: {
      type: "array",
      minItems: 1,
      maxItems: 256,
      items: {
        type: "object",
        required: ["name", "values"],
        properties: { name: { type: "string", minLength: 1, maxLength: 256 }, values: { type: "array", minItems: 1, maxItems: 256, items: str } },
      },
    },
    jwt: {
      type: "object",
      required: ["provider"],
      properties: {
        provider: { type: "string", minLength: 1, maxLength: 253 },
        claims: {
          type: "array",
          minItems: 1,
          maxItems: 16,
          items: {
            type: "object",
            required: ["name", "values"],
            properties: {
              name: { type: "string", minLength: 1, maxLength: 253 },
              valueType: { type: "string", enum: ["String", "StringArray"], default: "String" },
              values: { type: "array", minItems: 1, maxItems: 128, items: str },
            },
          },
        },
        scopes: { type: "array", minItems: 1, maxItems: 16, items: { type: "string", minLength: 1, maxLength: 253 } },
      },
      rules: [rule("at least one of claims or scopes must be specified", (s) => has(s, "claims") || has(s, "scopes"))],
    },
    clientIPGeoLocations: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        properties: {
          country: str,
          region: str,
          city: str,
          isp: str,
          asn: { type: "integer" },
          anonymous: {
            type: "object",
            properties: { isAnonymous: { type: "boolean" }, isVPN: { type: "boolean" }, isHosting: { type: "boolean" }, isTor: { type: "boolean" }, isProxy: { type: "boolean" } },
          },
        },
      },
    },
  },
  rules: [
    rule(
      "at least one of clientCIDRs, jwt, headers, or clientIPGeoLocations must be specified",
      (s) => has(s, "clientCIDRs") || has(s, "jwt") || has(s, "headers") || has(s, "clientIPGeoLocations"),
    ),
  ],
};

const authorization: ObjectSchema = {
  type: "object",
  properties: {
    defaultAction: { type: "string", enum: ["Allow", "Deny"] },
    rules: {
      type: "array",
      items: {
        type: "object",
        required: ["action", "principal"],
        properties: {
          name: { type: "string", minLength: 1, maxLength: 253 },
          action: { type: "string", enum: ["Allow", "Deny"] },
          principal,
          operation: {
            type: "object",
            required: ["methods"],
            properties: { methods: { type: "array", minItems: 1, maxItems: 16, items: { type: "string", enum: HTTP_METHODS } } },
          },
        },
      },
    },
  },
};

/** Only its shape is modelled: NSO forbids extAuth outright (S19) once the CRD has admitted it. */
const extAuth: ObjectSchema = {
  type: "object",
  properties: { grpc: { type: "object", properties: {} }, http: { type: "object", properties: {} } },
  // Only its shape is modelled, so nothing below it is unknown: S19 names the real mistake.
  preserveUnknownFields: true,
  rules: [
    rule("one of grpc or http must be specified", (s) => has(s, "grpc") || has(s, "http")),
    rule("only one of grpc or http can be specified", (s) => has(s, "grpc") !== has(s, "http")),
  ],
};

const SECURITY_POLICY_TARGET_KINDS = ["Gateway", "HTTPRoute", "GRPCRoute", "TCPRoute"];

const spec: ObjectSchema = {
  type: "object",
  properties: {
    ...policyTargetProperties,
    mergeType: mergeTypeSchema("SecurityPolicy"),
    apiKeyAuth,
    basicAuth,
    cors,
    jwt,
    oidc,
    authorization,
    extAuth,
  },
  rules: [
    ...policyTargetRules(SECURITY_POLICY_TARGET_KINDS, SECURITY_POLICY_TARGET_KINDS.join("/")),
    rule("if authorization.rules.principal.jwt is used, jwt must be defined", (s) => {
      const usesJwt = list(field(s["authorization"], "rules")).some((r) => has(field(r, "principal"), "jwt"));
      return !usesJwt || has(s, "jwt");
    }),
  ],
};

/** The backend clusters a SecurityPolicy may carry, as [path, node] pairs. */
function backendClusters(obj: Obj): [string, unknown][] {
  const specValue = field(obj, "spec");
  const out: [string, unknown][] = [];
  list(field(field(specValue, "jwt"), "providers")).forEach((p, i) => {
    out.push([child(index("spec.jwt.providers", i), "remoteJWKS"), field(p, "remoteJWKS")]);
  });
  out.push(["spec.oidc.provider", field(field(specValue, "oidc"), "provider")]);
  return out;
}

const crd = crdLayer(
  { type: "object", required: ["spec"], properties: { spec } },
  {
    schema(errs, obj) {
      for (const [path, owner] of backendClusters(obj)) backendClusterQuantityErrors(errs, path, owner);
    },
    typeMismatch: (obj) => backendClusters(obj).some(([, owner]) => clusterSettingsQuantityTypeMismatch(field(owner, "backendSettings"))),
  },
);

// ---------------------------------------------------------------------------------------------
// NSO webhook (internal/validation/securitypolicy_validation.go)
// ---------------------------------------------------------------------------------------------

function tooMany(path: string, value: unknown, max: number): ScopedFieldError[] {
  const n = list(value).length;
  return n > max ? [fieldError.tooMany(path, n, max)] : [];
}

/** S2 credentialRefs count, S3 their namespaces, S4 extractFrom count, S5 per-entry lists, S6 header length. */
function apiKeyAuthErrors(path: string, a: unknown, limits: SecurityPolicyLimits): ScopedFieldError[] {
  if (!isObj(a)) return [];
  const l = limits.APIKeyAuth;
  const errs: ScopedFieldError[] = [];
  const refsPath = child(path, "credentialRefs");
  errs.push(...tooMany(refsPath, a["credentialRefs"], l.MaxCredentialRefs));
  list(a["credentialRefs"]).forEach((ref, i) => errs.push(...namespaceForbiddenErrors(index(refsPath, i), ref)));
  const extractPath = child(path, "extractFrom");
  errs.push(...tooMany(extractPath, a["extractFrom"], l.MaxExtractFrom));
  list(a["extractFrom"]).forEach((e, i) => {
    if (!isObj(e)) return;
    for (const name of ["headers", "params", "cookies"]) {
      errs.push(...tooMany(child(index(extractPath, i), name), e[name], l.MaxExtractFromFieldLength));
    }
  });
  const header = a["forwardClientIDHeader"];
  // Go's len(): UTF-8 bytes, not characters.
  if (typeof header === "string" && byteLength(header) > l.MaxForwardClientIDHeaderLength) {
    errs.push(fieldError.tooLong(child(path, "forwardClientIDHeader"), l.MaxForwardClientIDHeaderLength));
  }
  return errs;
}

/** S7: each CORS list is capped. */
function corsErrors(path: string, c: unknown, limits: SecurityPolicyLimits): ScopedFieldError[] {
  if (!isObj(c)) return [];
  return ["allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders"].flatMap((name) =>
    tooMany(child(path, name), c[name], limits.CORS.MaxFieldLength),
  );
}

/** S3 for basic-auth users. */
function basicAuthErrors(path: string, b: unknown): ScopedFieldError[] {
  if (!isObj(b)) return [];
  return namespaceForbiddenErrors(child(path, "users"), b["users"]);
}

/** S8–S11 remote JWKS (cluster and URI), S12 claimToHeaders, S13 extractors. */
function jwtProviderErrors(path: string, p: unknown, limits: SecurityPolicyLimits): ScopedFieldError[] {
  if (!isObj(p)) return [];
  const errs: ScopedFieldError[] = [];
  const jwks = p["remoteJWKS"];
  if (isObj(jwks)) {
    const jwksPath = child(path, "remoteJWKS");
    errs.push(...backendClusterErrors(jwksPath, jwks, limits.ClusterSettings));
    // The data plane fetches the JWKS itself, so the URI must not reach internal addresses (SSRF).
    errs.push(...externalHttpsUrlErrors(child(jwksPath, "uri"), typeof jwks["uri"] === "string" ? jwks["uri"] : ""));
  }
  errs.push(...tooMany(child(path, "claimToHeaders"), p["claimToHeaders"], limits.JWTProvider.MaxClaimToHeaders));
  const extractFrom = p["extractFrom"];
  if (isObj(extractFrom)) {
    for (const name of ["headers", "cookies", "params"]) {
      errs.push(...tooMany(child(child(path, "extractFrom"), name), extractFrom[name], limits.JWTProvider.MaxExtractorLength));
    }
  }
  return errs;
}

function jwtErrors(path: string, j: unknown, limits: SecurityPolicyLimits): ScopedFieldError[] {
  if (!isObj(j)) return [];
  return list(j["providers"]).flatMap((p, i) => jwtProviderErrors(index(child(path, "providers"), i), p, limits));
}

const OIDC_URL_FIELDS = ["issuer", "authorizationEndpoint", "tokenEndpoint", "endSessionEndpoint"];

/** S14 provider cluster, S15 provider URLs, S3 secret refs, S16 scopes, S17 resources, S18 refresh TTL. */
function oidcErrors(path: string, o: unknown, limits: SecurityPolicyLimits): ScopedFieldError[] {
  if (!isObj(o)) return [];
  const errs: ScopedFieldError[] = [];
  const providerPath = child(path, "provider");
  const provider = isObj(o["provider"]) ? o["provider"] : {};
  errs.push(...backendClusterErrors(providerPath, provider, limits.ClusterSettings));
  for (const name of OIDC_URL_FIELDS) {
    const v = provider[name];
    errs.push(...externalHttpsUrlErrors(child(providerPath, name), typeof v === "string" ? v : ""));
  }
  errs.push(...namespaceForbiddenErrors(child(path, "clientIDRef"), o["clientIDRef"]));
  errs.push(...namespaceForbiddenErrors(child(path, "clientSecret"), o["clientSecret"]));
  errs.push(...tooMany(child(path, "scopes"), o["scopes"], limits.OIDC.MaxScopes));
  errs.push(...tooMany(child(path, "resources"), o["resources"], limits.OIDC.MaxResources));
  errs.push(...durationLimitErrors(child(path, "defaultRefreshTokenTTL"), o["defaultRefreshTokenTTL"], { min: limits.OIDC.MinRefreshTokenTTL }));
  return errs;
}

/** S19: external authorization would call tenant-chosen services from the shared data plane. */
function extAuthErrors(spec: Obj): ScopedFieldError[] {
  return has(spec, "extAuth") ? [fieldError.forbidden("spec.extAuth", "extAuth is not permitted")] : [];
}

/** S20 rule count, S21 client CIDRs per rule. */
function authorizationErrors(path: string, a: unknown, limits: SecurityPolicyLimits): ScopedFieldError[] {
  if (!isObj(a)) return [];
  const rulesPath = child(path, "rules");
  const errs = tooMany(rulesPath, a["rules"], limits.Authorization.MaxRules);
  list(a["rules"]).forEach((r, i) => {
    const cidrs = field(field(r, "principal"), "clientCIDRs");
    errs.push(...tooMany(child(child(index(rulesPath, i), "principal"), "clientCIDRs"), cidrs, limits.Authorization.MaxClientCIDRs));
  });
  return errs;
}

function webhook(obj: Obj, config: GuardrailConfig): ScopedFieldError[] {
  const s = obj["spec"];
  if (!isObj(s)) return [];
  const limits = config.gateway.extensionAPIValidationOptions.securityPolicies;
  return [
    ...deprecatedTargetRefErrors(s),
    ...apiKeyAuthErrors("spec.apiKeyAuth", s["apiKeyAuth"], limits),
    ...corsErrors("spec.cors", s["cors"], limits),
    ...basicAuthErrors("spec.basicAuth", s["basicAuth"]),
    ...jwtErrors("spec.jwt", s["jwt"], limits),
    ...oidcErrors("spec.oidc", s["oidc"], limits),
    ...extAuthErrors(s),
    ...authorizationErrors("spec.authorization", s["authorization"], limits),
  ];
}

export const securityPolicyGuardrails: KindGuardrails = {
  kind: "SecurityPolicy",
  apiVersions: [SECURITY_POLICY_API_VERSION],
  defaults: crd.defaults,
  schema: crd.schema,
  cel: crd.cel,
  undeclared: crd.undeclared,
  webhook: (obj, ctx) => webhook(obj, ctx.config),
  webhookOnUpdate: true,
};
