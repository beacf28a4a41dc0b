/**
 * `make dist` / `npm run dist`: the provider plugin as Pulumi distributes plugins —
 * `pulumi-resource-datum-v<version>-<os>-<arch>.tar.gz`, installable with
 * `pulumi plugin install resource datum <version> --file <tarball>` or downloaded by the engine from
 * package.json `pulumi.server`.
 *
 * The tarball holds an esbuild bundle of provider/plugin/main.ts with all its dependencies (no
 * node_modules, nothing from this repository at run time), the `pulumi-resource-datum` launcher
 * that runs it with the `node` on PATH (Node.js ≥ 22.18), schema.json, a package.json carrying the
 * version (what GetPluginInfo reports) and the licenses of the bundled packages. The bundle is
 * plain JavaScript, so the tarballs of every os/arch are the same bytes under different names.
 *
 * The bundle is ES modules split at the plugin's dynamic imports: a start parses only the gRPC
 * server (≈ 1 MB); the engine (zod, the Kubernetes client, the renderer — ≈ 4 MB) is a chunk loaded
 * on Configure, as engine-module.ts does with dist/. One CommonJS file would parse all of it at
 * every start (measured: twice the cold start of bin/).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { build } from "esbuild";
import { packageRoot, readPackageInfo } from "../provider/plugin/plugin-files";

export const PLUGIN_NAME = "datum";
const BINARY = `pulumi-resource-${PLUGIN_NAME}`;
const BUNDLE = `${BINARY}.mjs`;
/** Pulumi's names for the platforms Node.js runs this bundle on (the launcher is a POSIX shell script). */
export const PLATFORMS = ["linux-amd64", "linux-arm64", "darwin-amd64", "darwin-arm64"] as const;
export type Platform = (typeof PLATFORMS)[number];

export function tarballName(version: string, platform: Platform): string {
  return `${BINARY}-v${version}-${platform}.tar.gz`;
}

/** This machine in Pulumi's os-arch naming, or undefined where no tarball is built for it. */
export function currentPlatform(): Platform | undefined {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const name = `${process.platform}-${arch}`;
  return (PLATFORMS as readonly string[]).includes(name) ? (name as Platform) : undefined;
}

const LAUNCHER = `#!/bin/sh
# The datum resource provider plugin, as the Pulumi engine starts it: runs the bundled provider
# with the \`node\` on PATH, which must be Node.js >= 22.18. V8's compiled code is cached across
# starts from the first module on (Node's default cache directory unless NODE_COMPILE_CACHE is set).
NODE_COMPILE_CACHE="\${NODE_COMPILE_CACHE:-\${TMPDIR:-/tmp}/node-compile-cache}" exec node "$(dirname "$0")/${BUNDLE}" "$@"
`;

/** What CommonJS code inside an ES-module bundle expects: \`require\` (for node: builtins) and \`__dirname\`. */
const ESM_PRELUDE = [
  'import { createRequire as __datumCreateRequire } from "node:module";',
  'import { fileURLToPath as __datumFileURLToPath } from "node:url";',
  'import { dirname as __datumDirname } from "node:path";',
  "const require = __datumCreateRequire(import.meta.url);",
  "const __filename = __datumFileURLToPath(import.meta.url);",
  "const __dirname = __datumDirname(__filename);",
].join(" ");

export interface PluginDist {
  readonly version: string;
  /** Tarball path per platform. */
  readonly tarballs: Readonly<Record<Platform, string>>;
}

/** Bundles the plugin and writes one tarball per platform into outDir. */
export async function buildPluginDist(outDir: string, root: string = packageRoot(__dirname, "package.json")): Promise<PluginDist> {
  const { name, version } = readPackageInfo(root);
  const stage = mkdtempSync(join(tmpdir(), "pulumi-datum-plugin-"));
  try {
    const result = await build({
      entryPoints: { [BINARY]: join(root, "provider", "plugin", "main.ts") },
      outdir: stage,
      outExtension: { ".js": ".mjs" },
      chunkNames: "chunk-[hash]",
      bundle: true,
      splitting: true,
      platform: "node",
      format: "esm",
      target: "node22",
      banner: { js: ESM_PRELUDE },
      // Smaller text parses faster at every start; identifiers stay readable in stack traces.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: "none",
      metafile: true,
      logLevel: "warning",
    });
    writeFileSync(join(stage, BINARY), LAUNCHER);
    chmodSync(join(stage, BINARY), 0o755);
    copyFileSync(join(root, "schema.json"), join(stage, "schema.json"));
    // What GetPluginInfo reports (plugin-files.ts reads it next to schema.json).
    writeFileSync(join(stage, "package.json"), `${JSON.stringify({ name: `${name}-plugin`, version, private: true }, null, 2)}\n`);
    writeFileSync(join(stage, "THIRD_PARTY_NOTICES"), thirdPartyNotices(root, Object.keys(result.metafile.inputs)));
    copyFileSync(join(root, "LICENSE"), join(stage, "LICENSE"));

    mkdirSync(outDir, { recursive: true });
    const files = readdirSync(stage).sort();
    const tarballs = {} as Record<Platform, string>;
    for (const platform of PLATFORMS) {
      const out = join(outDir, tarballName(version, platform));
      const tar = spawnSync("tar", ["-czf", out, "-C", stage, ...files], { encoding: "utf8" });
      if (tar.status !== 0) throw new Error(`tar -czf ${out} failed: ${tar.stderr || tar.error?.message || `exit ${String(tar.status)}`}`);
      tarballs[platform] = out;
    }
    return { version, tarballs };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** The name, version and license text of every npm package the bundle contains. */
function thirdPartyNotices(root: string, inputs: readonly string[]): string {
  const packageDirs = new Set<string>();
  for (const input of inputs) {
    const parts = relative(root, join(root, input)).split(sep);
    const at = parts.lastIndexOf("node_modules");
    if (at < 0) continue;
    const depth = parts[at + 1]?.startsWith("@") === true ? 3 : 2;
    packageDirs.add(join(root, ...parts.slice(0, at + depth)));
  }
  const sections: string[] = [];
  for (const dir of [...packageDirs].sort()) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string; license?: string };
    const licenseFile = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
    const text = licenseFile !== undefined ? readFileSync(join(dir, licenseFile), "utf8").trim() : `License: ${pkg.license ?? "see the package"}`;
    sections.push(`${pkg.name ?? dirname(dir)}@${pkg.version ?? "?"} (${pkg.license ?? "?"})\n\n${text}`);
  }
  return `The bundled pulumi-resource-datum.js contains these npm packages:\n\n${sections.join(`\n\n${"-".repeat(72)}\n\n`)}\n`;
}

async function main(argv: string[]): Promise<number> {
  const root = packageRoot(__dirname, "package.json");
  const outIndex = argv.indexOf("--out");
  const outDir = outIndex >= 0 && argv[outIndex + 1] !== undefined ? argv[outIndex + 1]! : join(root, "dist", "release");
  if (!existsSync(join(root, "schema.json"))) throw new Error("schema.json is missing; run `npm run schema`");
  const dist = await buildPluginDist(outDir, root);
  for (const path of Object.values(dist.tarballs)) process.stdout.write(`${relative(process.cwd(), path)}\n`);
  process.stdout.write(`install: pulumi plugin install resource ${PLUGIN_NAME} ${dist.version} --file <tarball for your os-arch>\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`dist-plugin: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
