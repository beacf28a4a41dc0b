import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import type * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { validate } from "../../provider/core/validate";
import { checkInputs } from "../../provider/lifecycle/check";
import { kindByToken } from "../../provider/lifecycle/kinds";
import { resourceId } from "../../provider/lifecycle/inputs";
import { DEFAULT_GUARDRAIL_CONFIG } from "../../provider/core/config";
import { startPlugin, type RunningPlugin } from "../../provider/plugin/server";
import { checkRequest, configureRequest, failuresOf, ROOT, rpc } from "../plugin/harness";
import { testEngine, validProxy } from "../plugin/test-engine";
import { memoryIO } from "../cli/memory-io";

/**
 * ObjectMeta is checked as the API server checks it, for every kind, on every path: core
 * validate, the engine's Check (what `pulumi preview` runs), the plugin over gRPC, and the CLI.
 */

const SPEC_OF: Record<string, { apiVersion: string; spec: unknown }> = {
  HTTPProxy: { apiVersion: "networking.datumapis.com/v1alpha", spec: { rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] } },
  SecurityPolicy: { apiVersion: "gateway.envoyproxy.io/v1alpha1", spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "r" }] } },
  Gateway: { apiVersion: "gateway.networking.k8s.io/v1", spec: { gatewayClassName: "datum-external-global-proxy" } },
  Domain: { apiVersion: "networking.datumapis.com/v1alpha", spec: { domainName: "example.com" } },
};

function object(kind: string, metadata: unknown): Record<string, unknown> {
  const s = SPEC_OF[kind] as { apiVersion: string; spec: unknown };
  return { apiVersion: s.apiVersion, kind, metadata, spec: s.spec };
}

function errorsOf(kind: string, metadata: unknown): string[] {
  return validate(object(kind, metadata)).errors.map((e) => `${e.field}: ${e.message}`);
}

const CASES: readonly [string, unknown, string][] = [
  ["numeric namespace", { name: "shop", namespace: 5 }, 'metadata.namespace: Invalid value: "integer": metadata.namespace in body must be of type string: "integer"'],
  ["numeric name", { name: 12 }, 'metadata.name: Invalid value: "integer": metadata.name in body must be of type string: "integer"'],
  ["label value that is an object", { name: "shop", labels: { team: { a: 1 } } }, 'metadata.labels[team]: Invalid value: "object": metadata.labels[team] in body must be of type string: "object"'],
  ["integer annotation value", { name: "shop", annotations: { "example.com/n": 3 } }, 'metadata.annotations[example.com/n]: Invalid value: "integer"'],
  ["labels that are a list", { name: "shop", labels: ["a"] }, 'metadata.labels: Invalid value: "array": metadata.labels in body must be of type object: "array"'],
  ["metadata that is a string", "shop", 'metadata: Invalid value: "string": metadata in body must be of type object: "string"'],
  ["uppercase namespace", { name: "shop", namespace: "Team" }, 'metadata.namespace: Invalid value: "Team": a lowercase RFC 1123 label must consist of'],
  ["namespace with dots", { name: "shop", namespace: "a.b" }, 'metadata.namespace: Invalid value: "a.b": must not contain dots'],
  ["name with an underscore", { name: "my_shop" }, 'metadata.name: Invalid value: "my_shop": a lowercase RFC 1123 subdomain must consist of'],
  ["label key with a space", { name: "shop", labels: { "my team": "web" } }, "metadata.labels: Invalid value: \"my team\": name part must consist of alphanumeric characters, '-', '_' or '.'"],
  ["label key with an empty prefix", { name: "shop", labels: { "/team": "web" } }, 'metadata.labels: Invalid value: "/team": prefix part must be non-empty'],
  ["label key with two slashes", { name: "shop", labels: { "a/b/c": "web" } }, 'metadata.labels: Invalid value: "a/b/c": a qualified name must consist of'],
  ["label value too long", { name: "shop", labels: { team: "w".repeat(64) } }, `metadata.labels: Invalid value: "${"w".repeat(64)}": must be no more than 63 characters`],
  ["label value with a slash", { name: "shop", labels: { team: "a/b" } }, 'metadata.labels: Invalid value: "a/b": a valid label must be an empty string or consist of'],
  ["annotation key with a space", { name: "shop", annotations: { "a b": "x" } }, 'metadata.annotations: Invalid value: "a b": name part must consist of'],
  ["annotations over 256 KiB", { name: "shop", annotations: { big: "x".repeat(262_142) } }, "metadata.annotations: Too long: may not be more than 262144 bytes"],
];

describe.each(Object.keys(SPEC_OF))("%s metadata is checked as the API server checks it", (kind) => {
  for (const [what, metadata, message] of CASES) {
    it(`refuses a ${what}`, () => {
      expect(errorsOf(kind, metadata).join("\n")).toContain(message);
    });
  }

  it("accepts well-formed labels and annotations (mixed-case annotation keys, empty label values)", () => {
    const errs = errorsOf(kind, { name: "shop", namespace: "team-a", labels: { "app.kubernetes.io/name": "Web_1", empty: "" }, annotations: { "Example.com/Note": "any text: at all" } });
    expect(errs.filter((e) => e.startsWith("metadata"))).toEqual([]);
  });
});

describe("the engine's Check (pulumi preview)", () => {
  const kind = kindByToken("datum:networking:HTTPProxy");
  const ctx = { urnName: "shop", defaultNamespace: "default", config: DEFAULT_GUARDRAIL_CONFIG };

  it("refuses a numeric namespace at its property, and writes nothing into `default`", () => {
    if (!kind) throw new Error("no HTTPProxy kind");
    const r = checkInputs(kind, undefined, { ...validProxy(), metadata: { name: "shop", namespace: 5 } }, ctx);
    expect(r.failures).toEqual([{ property: "metadata.namespace", reason: expect.stringContaining("must be of type string") }]);
  });

  it("the id and the namespace of the checked inputs agree", () => {
    if (!kind) throw new Error("no HTTPProxy kind");
    for (const namespace of [undefined, "", "team-a"]) {
      const r = checkInputs(kind, undefined, { ...validProxy(), metadata: { name: "shop", ...(namespace !== undefined && { namespace }) } }, ctx);
      expect(r.failures).toEqual([]);
      const meta = r.inputs["metadata"] as { namespace: string };
      expect(resourceId({ metadata: meta })).toBe(`${meta.namespace}/shop`);
    }
  });
});

describe("the plugin's Check over gRPC", () => {
  let plugin: RunningPlugin;
  let client: ResourceProviderClient;
  beforeAll(async () => {
    plugin = await startPlugin({ version: "9.9.9", schema: () => readFileSync(join(ROOT, "schema.json"), "utf8"), loadEngine: async () => testEngine() });
    client = new ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
    await rpc(client, client.configure, configureRequest({}));
  });
  afterAll(async () => {
    client.close();
    await plugin.stop();
  });

  it("a numeric namespace is a Check failure naming metadata.namespace", async () => {
    const res = await rpc<providerPb.CheckRequest, providerPb.CheckResponse>(client, client.check, checkRequest("datum:networking:HTTPProxy", { ...validProxy(), metadata: { name: "shop", namespace: 5 } }));
    expect(failuresOf(res)).toEqual([{ property: "metadata.namespace", reason: expect.stringContaining("metadata.namespace in body must be of type string") }]);
  });

  it("a label value that is an object is a Check failure at that label", async () => {
    const res = await rpc<providerPb.CheckRequest, providerPb.CheckResponse>(client, client.check, checkRequest("datum:networking:HTTPProxy", { ...validProxy(), metadata: { name: "shop", labels: { team: { a: 1 } } } }));
    expect(failuresOf(res)).toEqual([{ property: "metadata.labels", reason: expect.stringContaining("metadata.labels[team] in body must be of type string") }]);
  });
});

describe("the CLI", () => {
  it("validate names the file and line of a numeric namespace (what YAML makes of `namespace: 2024`)", async () => {
    const io = memoryIO({ "p.yaml": "apiVersion: networking.datumapis.com/v1alpha\nkind: HTTPProxy\nmetadata:\n  name: shop\n  namespace: 2024\nspec:\n  rules:\n    - backends: [{endpoint: https://api.example.com}]\n" });
    expect(await main(["validate", "p.yaml"], io)).toBe(1);
    expect(io.out).toContain('  p.yaml:5: metadata.namespace: Invalid value: "integer": metadata.namespace in body must be of type string: "integer"');
  });
});
