// The provider as a user outside this repository gets it: the npm tarball installed with
// `npm install <tgz>`, the plugin tarball installed with `pulumi plugin install --file`, a program
// that imports the SDK by package name with no `plugins.providers.path` — run by the real Pulumi CLI
// in both TypeScript modes (Node's type stripping, and ts-node: Pulumi's default) against the local
// cluster; the CLI through `npx`; and the pull-request job of examples/pr-preview step by step.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentPlatform, PLUGIN_NAME } from "../../scripts/dist-plugin.ts";
import { PACKAGE_NAME, repoRoot } from "../infra/tools.ts";
import { ownedObjects } from "./cluster.ts";
import { writesDuring, type E2eContext } from "./context.ts";
import { command, mustSucceed, packRelease, userProject, type Release, type UserProject } from "./user-project.ts";
import type { PulumiResult } from "./workspace.ts";

// Valid for both modes: type stripping runs it as an ES module, ts-node type-checks it as CommonJS.
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import * as datum from "${PACKAGE_NAME}";

const config = new pulumi.Config();
const cluster = new datum.Provider("cluster", {
  kubeconfig: config.requireSecret("kubeconfig"),
  namespace: config.require("namespace"),
  timeoutSeconds: 90,
});

const proxy = new datum.networking.HTTPProxy("shop", {
  metadata: { name: "shop" },
  spec: { rules: [{ backends: [{ endpoint: config.get("endpoint") ?? "https://api.example.net" }] }] },
}, { provider: cluster });

export const canonicalHostname = proxy.canonicalHostname;
export const ready = proxy.ready;
`;

// What Pulumi's TypeScript template gives a project, with TypeScript 6's module settings.
const TSCONFIG = `${JSON.stringify({ compilerOptions: { strict: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", types: ["node"], outDir: "bin" }, files: ["index.ts"] }, null, 2)}\n`;

const VALID_MANIFEST = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata:
  name: shop
  namespace: default
spec:
  rules:
    - backends:
        - endpoint: https://api.example.net
`;

function output(r: { stdout: string; stderr: string }): string {
  return `${r.stdout}\n${r.stderr}`;
}

export function installSuite(ctx: () => E2eContext): void {
  describe("installed from the release tarballs, outside the repository", () => {
    let release: Release;
    let esm: UserProject;
    let cjs: UserProject;
    const kc = () => ctx().cp.kc;

    const setupMs: Record<string, number> = {};
    const timed = async <T>(what: string, fn: () => T | Promise<T>): Promise<T> => {
      const t0 = Date.now();
      const out = await fn();
      setupMs[what] = Date.now() - t0;
      return out;
    };

    beforeAll(async () => {
      release = await timed("npm pack + plugin tarball + plugin install", packRelease);
      const files = { "index.ts": PROGRAM, "manifests/shop.yaml": VALID_MANIFEST, "manifests/invalid.yaml": readFileSync(join(repoRoot(), "examples", "manifests", "invalid-httpproxy.yaml"), "utf8") };
      esm = await timed("npm install", () => userProject(release, { name: "edge-esm", typescript: false, esm: true, files }));
      cjs = await timed("second project", () => userProject(release, { name: "edge-tsnode", esm: false, files: { ...files, "tsconfig.json": TSCONFIG } }, esm));
    }, 420_000);
    afterAll(() => {
      esm?.pulumi.stopAll();
      cjs?.pulumi.stopAll();
      release?.dispose();
      console.log(`[e2e] install suite set-up: ${Object.entries(setupMs).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
    });

    it("the npm tarball carries the built SDK, adapter and CLI, and no sources", () => {
      const list = mustSucceed("tar -tzf", command("tar", ["-tzf", release.npmTarball], { cwd: release.dir, env: release.env })).stdout.split("\n").filter(Boolean);
      expect(list).toContain("package/dist/sdk/index.js");
      expect(list).toContain("package/dist/sdk/index.d.ts");
      expect(list).toContain("package/dist/sdk/dynamic/runtime.js");
      expect(list).toContain("package/dist/provider/cli/main.js");
      expect(list).toContain("package/schema.json");
      expect(list.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
      expect(list.filter((f) => f.startsWith("package/test/") || f.startsWith("package/dist/scripts/") || f.endsWith(".map"))).toEqual([]);
    });

    it("the plugin is installed in PULUMI_HOME under the version the installed package reports", () => {
      // How examples/pr-preview's workflow finds the plugin version to install.
      const installed = mustSucceed("node -p", command("node", ["-p", `require("${PACKAGE_NAME}/package.json").version`], { cwd: esm.dir, env: release.env })).stdout.trim();
      const pkgVersion = (JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string }).version;
      expect(installed).toBe(pkgVersion);
      const r = mustSucceed("pulumi plugin ls", command(release.pulumi, ["plugin", "ls", "--json"], { cwd: release.dir, env: release.env }));
      const plugins = JSON.parse(r.stdout) as { name: string; kind: string; version: string }[];
      expect(plugins).toContainEqual(expect.objectContaining({ name: PLUGIN_NAME, kind: "resource", version: installed }));
      expect(release.pluginTarball.endsWith(`pulumi-resource-datum-v${installed}-${currentPlatform()}.tar.gz`)).toBe(true);
    });

    it("npx runs the CLI: validate passes a valid manifest, names file, line and field of an invalid one; render prints the objects", () => {
      const ok = esm.npx(["pulumi-datum", "validate", "manifests/shop.yaml"]);
      expect(ok.code, output(ok)).toBe(0);
      const bad = esm.npx(["pulumi-datum", "validate", "manifests/invalid.yaml"]);
      expect(bad.code).toBe(1);
      expect(bad.stdout + bad.stderr).toMatch(/manifests\/invalid\.yaml:\d+: spec\.rules\[0\]\.backends\[0\]\.endpoint\[path\]: Invalid value: "\/api"/);
      const rendered = esm.npx(["pulumi-datum", "render", "manifests/shop.yaml"]);
      expect(rendered.code, output(rendered)).toBe(0);
      expect(rendered.stdout).toMatch(/^kind: Gateway$/m);
      expect(rendered.stdout).toMatch(/^kind: HTTPRoute$/m);
    });

    it("the dynamic adapter's runtime loads by package name and checks with field paths", () => {
      const script = `const rt = await import("${PACKAGE_NAME}/dynamic/runtime");
const r = await rt.check("datum:networking:HTTPProxy", {}, { metadata: { name: "shop", namespace: "default" }, spec: { rules: [{ backends: [{ endpoint: "https://api.example.net/v1" }] }] }, settings: {}, resourceName: "shop" });
process.stdout.write(JSON.stringify(r.failures));`;
      const r = command("node", ["--input-type=module", "-e", script], { cwd: esm.dir, env: release.env, timeoutMs: 60_000 });
      expect(r.code, output(r)).toBe(0);
      expect(JSON.parse(r.stdout)).toContainEqual(expect.objectContaining({ property: "spec.rules[0].backends[0].endpoint", reason: expect.stringContaining('Invalid value: "/v1"') }));
    });

    /** A `dev` stack of the project in a namespace of its own, watched for writes by `writesDuring`. */
    const stackOf = async (project: UserProject, prefix: string): Promise<{ stack: string; ns: string }> => {
      const stack = "dev";
      const ns = await ctx().cp.newNamespace(prefix);
      await project.pulumi.ok(["stack", "init", stack]);
      await project.pulumi.ok(["config", "set", "--secret", "kubeconfig", ctx().cp.kubeconfigPath], { stack });
      await project.pulumi.ok(["config", "set", "namespace", ns], { stack });
      return { stack, ns };
    };

    /** preview (writes nothing) and up, with the SDK by package name and the installed plugin. */
    const previewAndUp = async (project: UserProject, { stack, ns }: { stack: string; ns: string }): Promise<void> => {
      let preview!: PulumiResult;
      const previewWrites = await writesDuring(kc(), { namespace: ns }, async () => {
        preview = await project.pulumi.ok(["preview"], { stack });
      });
      expect(preview.stdout).toMatch(/\+\s+datum:networking:HTTPProxy\s+shop\s+create/);
      expect(previewWrites).toEqual([]);

      const up = await project.pulumi.ok(["up", "--yes", "--skip-preview"], { stack });
      expect(up.stdout).toMatch(/3 created/);
      const outputs = JSON.parse((await project.pulumi.ok(["stack", "output", "--json"], { stack })).stdout) as Record<string, unknown>;
      expect(outputs["ready"]).toBe(true);
      expect(outputs["canonicalHostname"]).toEqual(expect.any(String));
      expect(await ownedObjects(kc(), ns)).toContain(`Gateway ${ns}/shop`);
      // The engine used the plugin installed from the tarball, at the SDK's version.
      const state = JSON.parse((await project.pulumi.ok(["stack", "export"], { stack })).stdout) as { deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] } };
      const provider = state.deployment.resources.find((r) => r.type === `pulumi:providers:${PLUGIN_NAME}`);
      expect(provider?.inputs?.["version"]).toBe(release.version);
    };

    const destroy = async (project: UserProject, { stack, ns }: { stack: string; ns: string }): Promise<void> => {
      await project.pulumi.ok(["destroy", "--yes", "--skip-preview"], { stack });
      expect(await ownedObjects(kc(), ns)).toEqual([]);
    };

    describe("typescript: false (Node's type stripping)", () => {
      let target: { stack: string; ns: string };

      it("preview and up with the SDK imported by package name and the installed plugin", async () => {
        target = await stackOf(esm, "user-esm");
        await previewAndUp(esm, target);
      }, 300_000);

      // examples/pr-preview's job on a pull request that changes the deployed proxy.
      it("PR job: validate fails on an invalid manifest, with file, line and field path", () => {
        const r = esm.npx(["pulumi-datum", "validate", "manifests/shop.yaml", "manifests/invalid.yaml"]);
        expect(r.code).toBe(1);
        expect(r.stdout + r.stderr).toMatch(/manifests\/invalid\.yaml:\d+: spec\.rules\[0\]\.backends\[0\]\.endpoint\[path\]/);
      });

      it("PR job: pulumi preview --diff fails on a guardrail violation with the field path, writing nothing", async () => {
        await esm.pulumi.ok(["config", "set", "endpoint", "https://api.example.net/v1"], { stack: target.stack });
        let r!: PulumiResult;
        const writes = await writesDuring(kc(), { namespace: target.ns }, async () => {
          r = await esm.pulumi.run(["preview", "--diff"], { stack: target.stack });
        });
        expect(r.code, output(r)).not.toBe(0);
        expect(output(r)).toContain("spec.rules[0].backends[0].endpoint");
        expect(output(r)).toContain('Invalid value: "/v1"');
        expect(writes).toEqual([]);
      }, 180_000);

      it("PR job: pulumi preview --diff of a valid change passes and shows the changed field, writing nothing", async () => {
        await esm.pulumi.ok(["config", "set", "endpoint", "https://api2.example.net"], { stack: target.stack });
        let r!: PulumiResult;
        const writes = await writesDuring(kc(), { namespace: target.ns }, async () => {
          r = await esm.pulumi.ok(["preview", "--diff"], { stack: target.stack });
        });
        expect(r.stdout).toMatch(/~ datum:networking:HTTPProxy: \(update\)/);
        expect(r.stdout).toMatch(/endpoint\s*: "https:\/\/api\.example\.net" => "https:\/\/api2\.example\.net"/);
        expect(writes).toEqual([]);
      }, 180_000);

      it("destroy leaves nothing", async () => {
        await destroy(esm, target);
      }, 180_000);
    });

    describe("typescript: true (ts-node, Pulumi's default)", () => {
      it("preview, up and destroy with the SDK imported by package name and the installed plugin", async () => {
        const target = await stackOf(cjs, "user-tsnode");
        await previewAndUp(cjs, target);
        await destroy(cjs, target);
      }, 300_000);
    });
  });
}
