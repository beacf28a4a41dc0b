/**
 * Generates schema.json — the Pulumi package schema of the `datum` provider — from the zod
 * models, the provider settings and the output definitions. `--check` fails when the committed
 * file differs from what the models produce.
 *
 *   node dist/scripts/gen-schema.js            # write schema.json at the package root
 *   node dist/scripts/gen-schema.js --check    # exit 1 if schema.json is stale
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import * as guardrailConfig from "../provider/core/config";
import * as backendtrafficpolicy from "../provider/core/models/backendtrafficpolicy";
import * as domain from "../provider/core/models/domain";
import * as envoygateway from "../provider/core/models/envoygateway";
import * as gatewayapi from "../provider/core/models/gatewayapi";
import * as grpcproxy from "../provider/core/models/grpcproxy";
import * as httpproxy from "../provider/core/models/httpproxy";
import * as httproutefilter from "../provider/core/models/httproutefilter";
import * as meta from "../provider/core/models/meta";
import * as securitypolicy from "../provider/core/models/securitypolicy";
import * as renderSettings from "../provider/core/render/settings";
import * as trafficprotectionpolicy from "../provider/core/models/trafficprotectionpolicy";
import { engineSettingsSchema } from "../provider/lifecycle/settings";
import { SECRET_CONFIG_KEYS } from "../provider/plugin/config";
import { packageRoot, readPackageInfo } from "../provider/plugin/plugin-files";
import { downstreamRefSchema, RESOURCE_OUTPUTS, type ResourceKind } from "../provider/plugin/outputs";
import { pascalCase, TypeCollector, type Json, type ObjectTypeSpec, type PropertySpec } from "./gen-schema-types";

export const PACKAGE = "datum";

/** A zod model file and the schema module its named types go to (`datum:<module>:<Name>`). */
interface ModelFile {
  module: string;
  exports: Readonly<Record<string, unknown>>;
}

// meta.ts is not listed: resources take ObjectMeta in its Pulumi form (see namedModelSchemas).
const MODEL_FILES: readonly ModelFile[] = [
  { module: "gatewayapi", exports: gatewayapi },
  { module: "networking", exports: httpproxy },
  { module: "networking", exports: grpcproxy },
  { module: "networking", exports: domain },
  { module: "envoy", exports: envoygateway },
  { module: "policy", exports: securitypolicy },
  { module: "policy", exports: backendtrafficpolicy },
  { module: "policy", exports: httproutefilter },
  { module: "policy", exports: trafficprotectionpolicy },
  // Provider settings: the guardrail limits and the WAF filter are typed objects of the Provider.
  { module: "index", exports: guardrailConfig },
  { module: "index", exports: renderSettings },
];

export interface ResourceDef {
  token: string;
  kind: ResourceKind;
  apiVersion: string;
  spec: z.ZodType;
  description: string;
  /** Inputs besides metadata and spec (provider-side behaviour, not part of the CRD). */
  extraInputs?: Record<string, PropertySpec>;
  /** Spec properties whose change replaces the object (immutable in the CRD). */
  replaceOnChanges?: readonly string[];
}

export const RESOURCES: readonly ResourceDef[] = [
  {
    token: "datum:networking:HTTPProxy",
    kind: "HTTPProxy",
    apiVersion: httpproxy.HTTPPROXY_API_VERSION,
    spec: httpproxy.httpProxySpecSchema,
    description:
      "A reverse proxy on Envoy Gateway: hostnames and up to 16 routing rules, each with matches, filters and one backend. " +
      "It becomes one Gateway and one HTTPRoute (plus backend objects, listener certificates and DNS records); " +
      "inputs are checked against Datum's admission rules at preview.",
  },
  {
    token: "datum:networking:GRPCProxy",
    kind: "GRPCProxy",
    apiVersion: grpcproxy.GRPCPROXY_API_VERSION,
    spec: grpcproxy.grpcProxySpecSchema,
    description:
      "A gRPC reverse proxy on Envoy Gateway (beyond NSO: needs the provider setting `extensions: {grpcProxy: true}`): hostnames as on HTTPProxy " +
      "and up to 16 rules matching gRPC service/method and headers, each with one grpc:// (HTTP/2 cleartext) or grpcs:// (TLS) backend. " +
      "It becomes one Gateway and one GRPCRoute (plus backend objects, listener certificates and DNS records).",
  },
  {
    token: "datum:networking:Domain",
    kind: "Domain",
    apiVersion: domain.DOMAIN_API_VERSION,
    spec: domain.domainSpecSchema,
    description:
      "Proof that the stack's namespace controls a DNS name. HTTPProxy hostnames under a verified Domain are served; " +
      "until then the outputs carry the TXT record (or HTTP token) that proves ownership.",
    // Immutable in NSO's CRD (guardrails D5): a new name is a new Domain.
    replaceOnChanges: ["spec.domainName"],
    extraInputs: {
      waitForVerification: {
        type: "boolean",
        description: "Wait in create until the TXT record or HTTP token is found (default true); false returns at once with the Domain pending and the records in `verification`.",
      },
      verificationToken: {
        type: "string",
        description: "The verification token (a UUIDv4). Generated once at the first check and kept; set it only to reuse a token that is already published.",
      },
    },
  },
  {
    token: "datum:policy:SecurityPolicy",
    kind: "SecurityPolicy",
    apiVersion: securitypolicy.SECURITY_POLICY_API_VERSION,
    spec: securitypolicy.securityPolicySpecSchema,
    description: "An Envoy Gateway SecurityPolicy (JWT, OIDC, basic auth, API keys, CORS, authorization) within Datum's guardrails; `extAuth` is rejected.",
  },
  {
    token: "datum:policy:BackendTrafficPolicy",
    kind: "BackendTrafficPolicy",
    apiVersion: backendtrafficpolicy.BACKEND_TRAFFIC_POLICY_API_VERSION,
    spec: backendtrafficpolicy.backendTrafficPolicySpecSchema,
    description:
      "An Envoy Gateway BackendTrafficPolicy (timeouts, local rate limits, keepalive, circuit breakers, …) within Datum's limits; " +
      "retries, fault injection, active health checks and global rate limits are rejected.",
  },
  {
    token: "datum:policy:HTTPRouteFilter",
    kind: "HTTPRouteFilter",
    apiVersion: httproutefilter.HTTP_ROUTE_FILTER_API_VERSION,
    spec: httproutefilter.httpRouteFilterSpecSchema,
    description: "An Envoy Gateway HTTPRouteFilter (direct responses, URL rewrites) for `ExtensionRef` filters of HTTPProxy rules.",
  },
  {
    token: "datum:policy:TrafficProtectionPolicy",
    kind: "TrafficProtectionPolicy",
    apiVersion: trafficprotectionpolicy.TRAFFIC_PROTECTION_POLICY_API_VERSION,
    spec: trafficprotectionpolicy.trafficProtectionPolicySpecSchema,
    description: "Datum's web application firewall (OWASP Core Rule Set) on the Gateway or HTTPRoute of an HTTPProxy: mode, sampling, paranoia levels, score thresholds and rule exclusions.",
  },
];

const ACRONYM_FIXES: Readonly<Record<string, string>> = {};

/** `httpProxyRuleBackendSchema` → `HTTPProxyRuleBackend`. */
function typeNameOf(exportName: string): string {
  const base = pascalCase(exportName.replace(/Schema$/, ""));
  return ACRONYM_FIXES[base] ?? base;
}

function isZodObject(v: unknown): v is z.ZodObject {
  return v instanceof z.ZodObject;
}

/**
 * Every exported zod object of the model files, keyed by a type token. A name used by two files
 * of one module gets the later file's leading kind as a prefix, so tokens never depend on which
 * types happen to be reachable.
 */
function namedModelSchemas(): { registry: z.core.$ZodRegistry<{ id: string }>; tokenOf: Map<z.ZodType, string> } {
  const registry = z.registry<{ id: string }>();
  const tokenOf = new Map<z.ZodType, string>();
  const taken = new Set<string>();
  const add = (schema: z.ZodType, token: string): void => {
    if (tokenOf.has(schema)) return;
    if (taken.has(token)) throw new Error(`type token ${token} is used twice`);
    taken.add(token);
    tokenOf.set(schema, token);
    registry.add(schema, { id: token });
  };
  for (const file of MODEL_FILES) {
    const prefix = fileKindPrefix(file.exports);
    for (const [name, value] of Object.entries(file.exports).sort(([a], [b]) => a.localeCompare(b))) {
      if (!isZodObject(value) || !name.endsWith("Schema")) continue;
      let token = `${PACKAGE}:${file.module}:${typeNameOf(name)}`;
      if (taken.has(token) && !tokenOf.has(value)) token = `${PACKAGE}:${file.module}:${prefix}${typeNameOf(name)}`;
      add(value, token);
    }
  }
  // Pulumi inputs: metadata.name is optional (the provider autonames from the resource name),
  // and a new name or namespace is a new object.
  const inputMeta = meta.objectMetaSchema.extend({
    name: meta.objectMetaSchema.shape.name.optional().meta({ replaceOnChanges: true }),
    namespace: meta.objectMetaSchema.shape.namespace.meta({ replaceOnChanges: true }),
  });
  add(inputMeta, `${PACKAGE}:meta:ObjectMeta`);
  add(downstreamRefSchema, `${PACKAGE}:index:DownstreamRef`);
  for (const r of RESOURCES) {
    add(z.object(RESOURCE_OUTPUTS[r.kind]), `${PACKAGE}:${r.token.split(":")[1]}:${r.kind}Outputs`);
  }
  add(engineSettingsSchema, `${PACKAGE}:index:ProviderSettings`);
  return { registry, tokenOf };
}

/** The kind a model file is about (`SecurityPolicy` for securitypolicy.ts), from its `*_API_VERSION`-typed root schema. */
function fileKindPrefix(exports: Readonly<Record<string, unknown>>): string {
  const spec = Object.keys(exports).find((k) => k.endsWith("SpecSchema"));
  return spec ? typeNameOf(spec.replace(/SpecSchema$/, "Schema")) : "";
}

export interface PackageSchema {
  name: string;
  version: string;
  pluginDownloadURL?: string;
  displayName: string;
  description: string;
  keywords: string[];
  license: string;
  /** supportPack: each generated SDK is a package of its own (Go: sdk/go/go.mod), versioned by `version`. */
  meta: { moduleFormat: string; supportPack: boolean };
  config: { variables: Record<string, PropertySpec> };
  provider: { description: string; inputProperties: Record<string, PropertySpec> };
  resources: Record<string, ResourceSpec>;
  types: Record<string, ObjectTypeSpec>;
  language: Record<string, Json>;
}

interface ResourceSpec {
  description: string;
  inputProperties: Record<string, PropertySpec>;
  requiredInputs: string[];
  properties: Record<string, PropertySpec>;
  required: string[];
}

function sortedRecord<T>(r: Map<string, T> | Record<string, T>): Record<string, T> {
  const entries = r instanceof Map ? [...r.entries()] : Object.entries(r);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function buildSchema(): PackageSchema {
  const { registry, tokenOf } = namedModelSchemas();
  const json = z.toJSONSchema(registry, { uri: (id) => `#/types/${id}`, io: "input", unrepresentable: "any" }) as { schemas: Record<string, Json> };
  const types = new TypeCollector(json.schemas);
  const props = (token: string): [string, Json][] => Object.entries((json.schemas[token]?.["properties"] ?? {}) as Record<string, Json>);

  // Provider configuration: the same keys as `datum:<key>` stack config and as Provider inputs.
  const settingsToken = `${PACKAGE}:index:ProviderSettings`;
  const config: Record<string, PropertySpec> = {};
  for (const [key, p] of props(settingsToken)) {
    const spec = types.property(p, `${PACKAGE}:index:Provider${pascalCase(key)}`);
    if (SECRET_CONFIG_KEYS.includes(key)) spec.secret = true;
    config[key] = spec;
  }

  const resources: Record<string, ResourceSpec> = {};
  for (const r of RESOURCES) {
    const specToken = tokenOf.get(r.spec);
    if (!specToken) throw new Error(`${r.kind}: spec schema must be an exported zod object of a model file`);
    const inputProperties: Record<string, PropertySpec> = {
      metadata: {
        $ref: types.ensureNamed(`${PACKAGE}:meta:ObjectMeta`),
        description: "Name, namespace, labels and annotations of the object. The name defaults to the resource name plus a random suffix; the namespace to the provider's namespace.",
      },
      spec: { $ref: types.ensureNamed(specToken), description: `The ${r.kind} spec, with the field names of \`${r.apiVersion}\` ${r.kind}.` },
      ...(r.extraInputs ?? {}),
    };
    for (const path of r.replaceOnChanges ?? []) markReplace(types.types, specToken, path);
    const outputsToken = `${PACKAGE}:${r.token.split(":")[1]}:${r.kind}Outputs`;
    const outputs: Record<string, PropertySpec> = {};
    for (const [name, p] of props(outputsToken)) outputs[name] = types.property(p, `${PACKAGE}:${r.token.split(":")[1]}:${r.kind}${pascalCase(name)}`);
    const requiredOutputs = ((json.schemas[outputsToken]?.["required"] ?? []) as string[]).filter((k) => k in outputs);
    resources[r.token] = {
      description: r.description,
      inputProperties,
      requiredInputs: ["spec"],
      properties: { ...inputProperties, ...sortedRecord(outputs) },
      required: ["metadata", "spec", ...requiredOutputs.sort()],
    };
  }

  const pkg = readPackageInfo(packageRoot(__dirname, "package.json"));
  return {
    name: PACKAGE,
    // The plugin's version and download server, from package.json like the SDK's and the plugin's.
    version: pkg.version,
    ...(pkg.pluginDownloadURL !== undefined && { pluginDownloadURL: pkg.pluginDownloadURL }),
    displayName: "Datum edge networking",
    description:
      "Datum-style HTTP edge proxies on Envoy Gateway: HTTPProxy, Domain and traffic policies, checked against Datum's admission rules at preview and applied as Gateway API / Envoy Gateway objects.",
    keywords: ["pulumi", "datum", "kubernetes", "gateway-api", "envoy-gateway", "category/network", "kind/native"],
    license: "Apache-2.0",
    meta: { moduleFormat: "(.*)", supportPack: true },
    config: { variables: sortedRecord(config) },
    provider: {
      description: "One target cluster: its kubeconfig and context, the defaults for objects it renders, and guardrail overrides.",
      inputProperties: sortedRecord(config),
    },
    resources: sortedRecord(resources),
    types: sortedRecord(types.types),
    language: sdkLanguages(pkg.name),
  };
}

/**
 * Per-language names of the generated SDKs (sdk/, sdk/python, sdk/go): the npm package, the Python
 * distribution `pulumi_datum` (Pulumi's pulumi_<provider> convention) and the Go import path of
 * sdk/go/datum. The versions come from the schema's `version` (`respectSchemaVersion`).
 */
export const GO_MODULE_PATH = "github.com/pulumi-datum/pulumi-datum/sdk/go";

function sdkLanguages(npmName: string): Record<string, Json> {
  return {
    nodejs: { packageName: npmName },
    python: { packageName: "pulumi_datum", pyproject: { enabled: true }, respectSchemaVersion: true },
    go: { importBasePath: `${GO_MODULE_PATH}/${PACKAGE}`, generateResourceContainerTypes: true, respectSchemaVersion: true },
  };
}

/** Marks `spec.<a>.<b>` (object properties only) as replace-on-change in the spec's types. */
function markReplace(types: Map<string, ObjectTypeSpec>, specToken: string, path: string): void {
  const parts = path.replace(/^spec\./, "").split(".");
  let token = specToken;
  for (const [i, part] of parts.entries()) {
    const prop = types.get(token)?.properties[part];
    if (!prop) throw new Error(`replaceOnChanges: ${path} is not a property of ${token}`);
    if (i === parts.length - 1) prop.replaceOnChanges = true;
    else if (prop.$ref) token = prop.$ref.replace("#/types/", "");
    else throw new Error(`replaceOnChanges: ${path} crosses a non-object property`);
  }
}

export function renderSchema(): string {
  return `${JSON.stringify(buildSchema(), null, 2)}\n`;
}

export const SCHEMA_FILE = "schema.json";

export function schemaPath(): string {
  return join(packageRoot(__dirname, "package.json"), SCHEMA_FILE);
}

function main(argv: string[]): number {
  const path = schemaPath();
  const text = renderSchema();
  if (argv.includes("--check")) {
    let current = "";
    try {
      current = readFileSync(path, "utf8");
    } catch {
      // missing counts as stale
    }
    if (current !== text) {
      process.stderr.write(`${path} is stale: run \`npm run schema\` and commit the result\n`);
      return 1;
    }
    process.stdout.write(`${path} is up to date\n`);
    return 0;
  }
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
