/**
 * JSON Schema (as `z.toJSONSchema` writes it) → Pulumi package-schema types. Named zod schemas
 * arrive as `$ref`s to `#/types/<token>`; every other object becomes a named type too (Pulumi
 * objects must be named), called after its parent and property: `HTTPProxyRuleBackend` +
 * `connector` → `HTTPProxyRuleBackendConnector`.
 */

export type Json = Record<string, unknown>;

export interface TypeSpec {
  type?: "string" | "integer" | "number" | "boolean" | "array" | "object";
  $ref?: string;
  items?: TypeSpec;
  additionalProperties?: TypeSpec;
  oneOf?: TypeSpec[];
}

export interface PropertySpec extends TypeSpec {
  description?: string;
  const?: string | number | boolean;
  secret?: boolean;
  replaceOnChanges?: boolean;
  willReplaceOnChanges?: boolean;
}

export interface ObjectTypeSpec {
  type: "object";
  description?: string;
  properties: Record<string, PropertySpec>;
  required?: string[];
  /** Closed: the provider refuses any other field (Check fails with its path). */
  additionalProperties?: false;
}

export const ANY_REF = "pulumi.json#/Any";
const TYPE_REF_PREFIX = "#/types/";

function isJson(v: unknown): v is Json {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const ACRONYMS = new Set(["http", "http2", "https", "tls", "url", "uri", "cors", "jwt", "jwks", "oidc", "api", "tcp", "udp", "dns", "ip", "id", "sni", "cidr", "ttl", "waf", "owasp", "crs", "grpc", "acme"]);

/** `httpProxyRuleBackend` → `HTTPProxyRuleBackend`, `remoteJWKS` → `RemoteJWKS`. */
export function pascalCase(name: string): string {
  const words = name.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+|[0-9]+/g) ?? [name];
  return words.map((w) => (ACRONYMS.has(w.toLowerCase()) ? w.toUpperCase() : w.charAt(0).toUpperCase() + w.slice(1))).join("");
}

export function tokenName(token: string): string {
  return token.slice(token.lastIndexOf(":") + 1);
}

export function tokenModule(token: string): string {
  return token.split(":")[1] ?? "index";
}

/**
 * Collects object types reachable from the roots it is asked to convert. `named` holds the
 * JSON Schemas of zod schemas registered with a token (z.toJSONSchema of a registry).
 */
export class TypeCollector {
  readonly types = new Map<string, ObjectTypeSpec>();
  private readonly inProgress = new Set<string>();

  constructor(private readonly named: Readonly<Record<string, Json>>) {}

  /** Converts the named schema `token` (and what it references) into `types`. */
  ensureNamed(token: string): string {
    if (!this.types.has(token) && !this.inProgress.has(token)) {
      const schema = this.named[token];
      if (!schema) throw new Error(`schema for ${token} was not generated`);
      this.addObject(token, schema);
    }
    return `${TYPE_REF_PREFIX}${token}`;
  }

  private addObject(token: string, schema: Json): void {
    this.inProgress.add(token);
    const props = isJson(schema["properties"]) ? schema["properties"] : {};
    const properties: Record<string, PropertySpec> = {};
    for (const [name, p] of Object.entries(props)) {
      if (isJson(p)) properties[name] = this.property(p, `${token}${pascalCase(name)}`);
    }
    const spec: ObjectTypeSpec = { type: "object", properties };
    if (typeof schema["description"] === "string") spec.description = schema["description"];
    const required = Array.isArray(schema["required"]) ? (schema["required"] as string[]).filter((r) => r in properties) : [];
    if (required.length > 0) spec.required = [...required].sort();
    // A strict zod object: the provider's admission refuses undeclared fields there.
    if (schema["additionalProperties"] === false) spec.additionalProperties = false;
    this.inProgress.delete(token);
    const existing = this.types.get(token);
    if (existing && JSON.stringify(existing) !== JSON.stringify(spec)) {
      throw new Error(`two different object types would both be named ${token}; give one of them a zod export`);
    }
    this.types.set(token, spec);
  }

  /** A property: its type plus description and the Pulumi markers carried as zod metadata. */
  property(schema: Json, inlineToken: string): PropertySpec {
    const out: PropertySpec = { ...this.typeOf(schema, inlineToken) };
    // A property that is just a named type is documented by that type.
    const refDescription = out.$ref?.startsWith(TYPE_REF_PREFIX) ? this.types.get(out.$ref.slice(TYPE_REF_PREFIX.length))?.description : undefined;
    const description = typeof schema["description"] === "string" ? schema["description"] : refDescription;
    const enumText = enumDescription(schema);
    // Defaults are applied by the provider, not by the SDKs: documented, not declared as `default`.
    const def = schema["default"];
    const defaultText = def !== undefined && (typeof def !== "object" || def === null) && !description?.includes("default") ? `Default: \`${String(def)}\`.` : undefined;
    const text = [description, enumText, defaultText]
      .filter((t): t is string => Boolean(t))
      .map((t) => (/[.!?]$/.test(t) ? t : `${t}.`))
      .join(" ");
    if (text) out.description = text;
    if (schema["const"] !== undefined && ["string", "number", "boolean"].includes(typeof schema["const"])) out.const = schema["const"] as string | number | boolean;
    if (schema["secret"] === true) out.secret = true;
    if (schema["replaceOnChanges"] === true) out.replaceOnChanges = true;
    return out;
  }

  typeOf(schema: Json, inlineToken: string): TypeSpec {
    const ref = schema["$ref"];
    if (typeof ref === "string") {
      if (!ref.startsWith(TYPE_REF_PREFIX)) throw new Error(`unexpected $ref ${ref}`);
      return { $ref: this.ensureNamed(ref.slice(TYPE_REF_PREFIX.length)) };
    }
    const union = (schema["anyOf"] ?? schema["oneOf"]) as Json[] | undefined;
    if (Array.isArray(union)) return this.unionOf(union, inlineToken);
    if (Array.isArray(schema["enum"]) && schema["type"] === undefined) return primitiveOf(typeof (schema["enum"] as unknown[])[0]);
    // zod writes a nullable primitive as `type: [T, "null"]`.
    const t = Array.isArray(schema["type"]) ? (schema["type"] as unknown[]).find((x) => x !== "null") : schema["type"];
    switch (t) {
      case "string":
      case "boolean":
      case "number":
        return { type: t };
      case "integer":
        return { type: "integer" };
      case "array":
        return { type: "array", items: isJson(schema["items"]) ? this.typeOf(schema["items"], inlineToken) : { $ref: ANY_REF } };
      case "object": {
        const props = schema["properties"];
        if (isJson(props) && Object.keys(props).length > 0) {
          this.addObject(inlineToken, schema);
          return { $ref: `${TYPE_REF_PREFIX}${inlineToken}` };
        }
        const ap = schema["additionalProperties"];
        if (isJson(ap) && Object.keys(ap).length > 0) return { type: "object", additionalProperties: this.typeOf(ap, inlineToken) };
        return { type: "object", additionalProperties: { $ref: ANY_REF } };
      }
      default:
        if (schema["const"] !== undefined) return primitiveOf(typeof schema["const"]);
        return { $ref: ANY_REF };
    }
  }

  private unionOf(branches: Json[], inlineToken: string): TypeSpec {
    // `X | null` is how zod writes nullable; Pulumi has no null type, absence means the same.
    const nonNull = branches.filter((b) => b["type"] !== "null");
    if (nonNull.length === 1 && nonNull[0]) return this.typeOf(nonNull[0], inlineToken);
    const specs = nonNull.map((b, i) => this.typeOf(b, `${inlineToken}${i}`));
    const keys = new Set(specs.map((s) => JSON.stringify(s)));
    if (keys.size === 1 && specs[0]) return specs[0];
    return { oneOf: specs };
  }
}

function primitiveOf(jsType: string): TypeSpec {
  if (jsType === "number") return { type: "number" };
  if (jsType === "boolean") return { type: "boolean" };
  return { type: "string" };
}

/** Enum and literal-union values, listed in the description (Pulumi enums would rename the values in SDKs). */
function enumDescription(schema: Json): string | undefined {
  let values: unknown[] | undefined;
  if (Array.isArray(schema["enum"])) values = schema["enum"] as unknown[];
  const union = (schema["anyOf"] ?? schema["oneOf"]) as Json[] | undefined;
  if (Array.isArray(union) && union.every((b) => b["const"] !== undefined)) values = union.map((b) => b["const"]);
  if (!values || values.length < 2) return undefined;
  return `One of: ${values.map((v) => `\`${String(v)}\``).join(", ")}.`;
}
