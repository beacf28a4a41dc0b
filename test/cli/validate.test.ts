import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { memoryIO } from "./memory-io";

/** Drives the CLI in-process with injected IO, and once through bin/pulumi-datum as a user would. */

const good = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: app}
spec:
  rules:
    - backends: [{endpoint: "https://api.example.com"}]
`;
const bad = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: shop, namespace: team}
spec:
  rules:
    - backends: [{endpoint: "https://api.example.com/api"}]
`;

describe("pulumi-datum validate", () => {
  it("exits 0 and reports each object as valid", async () => {
    const io = memoryIO({ "a.yaml": good });
    expect(await main(["validate", "a.yaml"], io)).toBe(0);
    expect(io.out).toContain("a.yaml:1: HTTPProxy default/app: valid");
  });

  it("exits 1 and prints field path, type text and NSO's message for an invalid object", async () => {
    const io = memoryIO({ "a.yaml": `${good}---\n${bad}` });
    expect(await main(["validate", "a.yaml"], io)).toBe(1);
    expect(io.out).toContain("a.yaml:8: HTTPProxy team/shop: invalid");
    expect(io.out).toContain('spec.rules[0].backends[0].endpoint[path]: Invalid value: "/api": endpoint must not have a path component');
  });

  it("prints one JSON result per object in input order", async () => {
    const json = JSON.stringify([JSON.parse(JSON.stringify({ apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name: "x" }, spec: { rules: [] } })), { kind: "Widget", metadata: { name: "w" } }]);
    const io = memoryIO({}, json);
    expect(await main(["validate", "--output", "json", "-"], io)).toBe(1);
    const parsed = JSON.parse(io.out) as { results: { kind: string; name: string; valid: boolean; errors: { field: string; type: string; message: string }[] }[] };
    expect(parsed.results.map((r) => [r.kind, r.name, r.valid])).toEqual([
      ["HTTPProxy", "x", false],
      ["Widget", "w", false],
    ]);
    expect(parsed.results[0]?.errors).toContainEqual(expect.objectContaining({ field: "spec.rules", type: "Invalid" }));
    expect(parsed.results[1]?.errors).toContainEqual(expect.objectContaining({ field: "kind", type: "NotSupported" }));
  });

  it("accepts kind: List and expands its items", async () => {
    const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: [JSON.parse(JSON.stringify({ apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name: "a" }, spec: { rules: [{ backends: [{ endpoint: "http://a.example.com" }] }] } }))] });
    const io = memoryIO({ "l.json": list });
    expect(await main(["validate", "-o", "json", "l.json"], io)).toBe(0);
    expect((JSON.parse(io.out) as { results: unknown[] }).results).toHaveLength(1);
  });

  it("exits 2 with file and line on a YAML syntax error, without a stack trace", async () => {
    const io = memoryIO({ "broken.yaml": "kind: HTTPProxy\nspec:\n  rules: [\n" });
    expect(await main(["validate", "broken.yaml"], io)).toBe(2);
    expect(io.err).toMatch(/broken\.yaml:\d+: invalid YAML/);
    expect(io.err).not.toMatch(/\n\s+at /);
  });

  it("exits 2 on usage errors: missing file, unknown flag, bad output format", async () => {
    for (const args of [["validate", "missing.yaml"], ["validate", "--frobnicate", "a"], ["validate", "--output", "xml", "a"], ["validate"]]) {
      const io = memoryIO({});
      expect(await main(args, io), args.join(" ")).toBe(2);
      expect(io.err).not.toBe("");
    }
  });

  it("honours --config with dotted operator keys (conformance-vector form)", async () => {
    const sp = `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: SecurityPolicy
metadata: {name: cors}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: app}]
  cors:
    allowOrigins: [${Array.from({ length: 12 }, (_, i) => `"https://o${i}.example.com"`).join(", ")}]
`;
    const strict = memoryIO({ "sp.yaml": sp });
    expect(await main(["validate", "sp.yaml"], strict)).toBe(1);
    expect(strict.out).toContain("spec.cors.allowOrigins: Too many: 12: must have at most 10 items");
    const relaxed = memoryIO({ "sp.yaml": sp, "c.json": JSON.stringify({ "gateway.extensionAPIValidationOptions.securityPolicies.CORS.MaxFieldLength": 20 }) });
    expect(await main(["validate", "--config", "c.json", "sp.yaml"], relaxed)).toBe(0);
  });

  it("rejects a config file with unknown guardrail keys (exit 2)", async () => {
    const io = memoryIO({ "a.yaml": good, "c.yaml": "gateway:\n  extensionAPIValidationOptions:\n    securityPolicies:\n      CORS:\n        MaxFeildLength: 3\n" });
    expect(await main(["validate", "--config", "c.yaml", "a.yaml"], io)).toBe(2);
    expect(io.err).toContain("MaxFeildLength");
  });

  it("runs as bin/pulumi-datum with the project's Node", () => {
    const root = resolve(__dirname, "../..");
    const dir = mkdtempSync(join(tmpdir(), "pd-cli-"));
    writeFileSync(join(dir, "bad.yaml"), bad);
    const r = spawnSync(join(root, "bin/pulumi-datum"), ["validate", "--output", "json", join(dir, "bad.yaml")], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(1);
    expect((JSON.parse(r.stdout) as { results: { valid: boolean }[] }).results[0]?.valid).toBe(false);
    expect(execFileSync(join(root, "bin/pulumi-datum"), ["help"], { encoding: "utf8" })).toContain("validate");
  });
});
