// schema.json: generated from the zod models, committed, valid for Pulumi's own schema checker.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RESOURCE_KINDS } from "../../provider/lifecycle/kinds";
import { engineSettingsSchema } from "../../provider/lifecycle/settings";
import { buildSchema, renderSchema, RESOURCES } from "../../scripts/gen-schema";
import { requireTools } from "../infra/tools";
import { ROOT } from "./harness";

const committed = readFileSync(join(ROOT, "schema.json"), "utf8");
const schema = buildSchema();

describe("schema.json", () => {
  it("is what `npm run schema` generates from the models (run it and commit when this fails)", () => {
    expect(committed === renderSchema(), "schema.json is stale: run `npm run schema`").toBe(true);
  });

  it("passes `pulumi schema check`", () => {
    const { pulumi } = requireTools("pulumi");
    const out = execFileSync(pulumi, ["schema", "check", join(ROOT, "schema.json")], {
      env: { ...process.env, PULUMI_HOME: join(tmpdir(), "pulumi-datum-schema-check"), PULUMI_SKIP_UPDATE_CHECK: "1" },
      encoding: "utf8",
    });
    expect(out).not.toMatch(/error/i);
  });

  it("has the seven resources, each with metadata and spec inputs and the common outputs", () => {
    expect(Object.keys(schema.resources).sort()).toEqual([
      "datum:networking:Domain",
      "datum:networking:GRPCProxy",
      "datum:networking:HTTPProxy",
      "datum:policy:BackendTrafficPolicy",
      "datum:policy:HTTPRouteFilter",
      "datum:policy:SecurityPolicy",
      "datum:policy:TrafficProtectionPolicy",
    ]);
    for (const [token, r] of Object.entries(schema.resources)) {
      // Domain also takes provider-side inputs that are not part of the CRD.
      const extra = token === "datum:networking:Domain" ? ["waitForVerification", "verificationToken"] : [];
      expect(Object.keys(r.inputProperties), token).toEqual(["metadata", "spec", ...extra]);
      expect(r.requiredInputs, token).toEqual(["spec"]);
      expect(r.required, token).toEqual(expect.arrayContaining(["metadata", "spec", "downstream", "ready", "readiness", "drift"]));
      expect(r.description.length, token).toBeGreaterThan(40);
    }
    expect(Object.keys(schema.resources["datum:networking:HTTPProxy"]?.properties ?? {})).toEqual(
      expect.arrayContaining(["canonicalHostname", "addresses", "hostnames", "downstream", "readiness"]),
    );
    expect(Object.keys(schema.resources["datum:networking:Domain"]?.properties ?? {})).toEqual(expect.arrayContaining(["verification", "verified", "registrable", "status"]));
  });

  it("carries the model's shape: required fields, descriptions, nested types", () => {
    const spec = schema.types["datum:networking:HTTPProxySpec"];
    expect(spec?.required).toEqual(["rules"]);
    expect(spec?.properties["rules"]).toMatchObject({ type: "array", items: { $ref: "#/types/datum:networking:HTTPProxyRule" } });
    const backend = schema.types["datum:networking:HTTPProxyRuleBackend"];
    expect(backend?.properties["endpoint"]?.description).toMatch(/http\(s\):\/\/host\[:port\]/);
    expect(backend?.properties["connector"]).toEqual({ $ref: "#/types/datum:networking:HTTPProxyRuleBackendConnector", description: expect.any(String) });
    // Enums are documented, not turned into Pulumi enums (which would rename values in SDKs).
    expect(schema.types["datum:gatewayapi:PathMatch"]?.properties["type"]?.description).toContain("One of: `Exact`, `PathPrefix`, `RegularExpression`");
  });

  it("marks replace-on-change and secret properties", () => {
    const meta = schema.types["datum:meta:ObjectMeta"];
    expect(meta?.required).toBeUndefined();
    expect(meta?.properties["name"]?.replaceOnChanges).toBe(true);
    expect(meta?.properties["namespace"]?.replaceOnChanges).toBe(true);
    expect(meta?.properties["labels"]?.replaceOnChanges).toBeUndefined();
    expect(schema.types["datum:networking:DomainSpec"]?.properties["domainName"]?.replaceOnChanges).toBe(true);
    expect(schema.config.variables["kubeconfig"]?.secret).toBe(true);
    expect(schema.provider.inputProperties["kubeconfig"]?.secret).toBe(true);
  });

  it("offers every provider setting as `datum:<key>` config and as a Provider input", () => {
    const keys = Object.keys(engineSettingsSchema.shape).sort();
    expect(Object.keys(schema.config.variables)).toEqual(keys);
    expect(Object.keys(schema.provider.inputProperties)).toEqual(keys);
    expect(schema.config.variables["skipAwait"]).toMatchObject({ type: "boolean" });
    expect(schema.config.variables["timeoutSeconds"]).toMatchObject({ type: "integer" });
    // Guardrail limits are typed, with NSO's defaults in the descriptions.
    expect(schema.config.variables["guardrails"]).toMatchObject({ $ref: "#/types/datum:index:GuardrailConfig" });
    const cors = schema.types["datum:index:GuardrailConfigGatewayExtensionAPIValidationOptionsSecurityPoliciesCORS"];
    expect(cors?.properties["MaxFieldLength"]).toMatchObject({ type: "integer", description: expect.stringContaining("Default: `10`") });
    expect(schema.config.variables["gatewayClassName"]?.description).toContain("Default: `envoy-gateway`");
  });

  it("references only types it defines, and defines only types it references", () => {
    const refs = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        for (const [k, e] of Object.entries(v)) {
          if (k === "$ref" && typeof e === "string" && e.startsWith("#/types/")) refs.add(e.slice(8));
          else walk(e);
        }
      }
    };
    walk(schema.resources);
    walk(schema.types);
    walk(schema.config);
    expect([...refs].sort()).toEqual(Object.keys(schema.types).sort());
  });

  it("has exactly the engine's resource kinds: same tokens, kinds and API versions", () => {
    const fromSchema = RESOURCES.map((r) => ({ token: r.token, kind: r.kind, apiVersion: r.apiVersion }));
    const byToken = (a: { token: string }, b: { token: string }) => a.token.localeCompare(b.token);
    expect(fromSchema.sort(byToken)).toEqual(RESOURCE_KINDS.map((k) => ({ token: k.token, kind: k.kind, apiVersion: k.apiVersion })).sort(byToken));
  });
});
