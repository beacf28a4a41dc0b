// A user's machine, as far as a test can make one: the npm tarball of this package (`npm pack`) and
// the plugin tarball (`make dist`) are copied into a temp dir outside the repository; a Pulumi
// project there installs the npm tarball with `npm install <tgz>` (dependencies from the npm
// registry, preferring the npm cache) and the plugin with `pulumi plugin install --file` into its
// own PULUMI_HOME. Nothing in the project refers to the checkout: no `file:` link to it, no
// `plugins.providers.path`, no NODE_PATH; PATH holds the Pulumi CLI, its Node.js language host and
// `node`, as on a machine with the official Pulumi CLI.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { buildPluginDist, currentPlatform, PLUGIN_NAME } from "../../scripts/dist-plugin.ts";
import { PACKAGE_NAME, repoRoot } from "../infra/tools.ts";
import { requireE2eTools } from "./tools.ts";
import { pulumiRunner, type PulumiRunner } from "./workspace.ts";

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a short command to completion (bounded); the caller looks at the exit code. */
export function command(cmd: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): CommandResult {
  const r = spawnSync(cmd, [...args], { cwd: opts.cwd, env: opts.env, encoding: "utf8", timeout: opts.timeoutMs ?? 180_000, killSignal: "SIGKILL" });
  if (r.error) throw new Error(`${cmd} ${args.join(" ")}: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function mustSucceed(what: string, r: CommandResult): CommandResult {
  if (r.code !== 0) throw new Error(`${what} exited ${String(r.code)}\n${r.stdout}\n${r.stderr}`);
  return r;
}

export interface Release {
  readonly dir: string;
  readonly version: string;
  /** The npm tarball (`npm pack`). */
  readonly npmTarball: string;
  /** The plugin tarball for this machine (`make dist`). */
  readonly pluginTarball: string;
  /** Environment of a machine with the Pulumi CLI and Node.js, and nothing of this repository. */
  readonly env: NodeJS.ProcessEnv;
  readonly pulumi: string;
  dispose(): void;
}

/**
 * Packs the package and the plugin into a fresh temp dir and installs the plugin into a PULUMI_HOME
 * there. `npm pack --ignore-scripts`: `make test` has just built dist/ with the very command the
 * `prepack` script runs, and rebuilding in place here would rewrite files other test files are
 * loading.
 */
export async function packRelease(): Promise<Release> {
  const tools = requireE2eTools();
  const root = repoRoot();
  const platform = currentPlatform();
  if (platform === undefined) throw new Error(`no plugin tarball is built for ${process.platform}-${process.arch}`);
  const dir = mkdtempSync(join(tmpdir(), "pulumi-datum-user-"));
  try {
    mkdirSync(join(dir, "home"));
    mkdirSync(join(dir, "state"));
    const env: NodeJS.ProcessEnv = {
      HOME: join(dir, "home"),
      PATH: [...tools.pathDirs.filter((d) => !d.startsWith(root)), dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(":"),
      // The user's npm cache (dependencies come from the registry, through the cache when possible).
      npm_config_cache: process.env["npm_config_cache"] ?? join(process.env["HOME"] ?? tmpdir(), ".npm"),
      PULUMI_HOME: join(dir, "pulumi-home"),
      PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
      PULUMI_CONFIG_PASSPHRASE: "user-passphrase",
      PULUMI_SKIP_UPDATE_CHECK: "1",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      // Never the developer's cluster: each stack names its kubeconfig.
      KUBECONFIG: join(dir, "no-kubeconfig"),
    };
    const packed = mustSucceed("npm pack", command("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: root, env: { ...process.env } }));
    const npmTarball = join(dir, (JSON.parse(packed.stdout) as { filename: string }[])[0]!.filename);
    const dist = await buildPluginDist(join(dir, "plugin"), root);
    const pluginTarball = dist.tarballs[platform];
    mustSucceed(
      "pulumi plugin install",
      command(tools.pulumi, ["plugin", "install", "resource", PLUGIN_NAME, dist.version, "--file", pluginTarball], { cwd: dir, env }),
    );
    return { dir, version: dist.version, npmTarball, pluginTarball, env, pulumi: tools.pulumi, dispose: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export interface UserProject {
  readonly dir: string;
  readonly pulumi: PulumiRunner;
  /** `npx <args>` in the project. */
  npx(args: readonly string[]): CommandResult;
}

export interface ProjectFiles {
  readonly name: string;
  /** Pulumi.yaml `runtime.options.typescript`; undefined leaves Pulumi's default (true: ts-node). */
  readonly typescript?: boolean;
  /** package.json `"type": "module"` (what Node's type stripping of index.ts needs). */
  readonly esm: boolean;
  readonly files: Readonly<Record<string, string>>;
}

/** Versions the user's project asks for: the ones this repository is tested with. */
function dependencyVersion(name: string): string {
  return (JSON.parse(readFileSync(join(repoRoot(), "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * A Pulumi TypeScript project in the release's temp dir that depends on the packed tarball.
 * `installFrom` copies node_modules (as hard links) and the lock of a project installed before —
 * what `npm ci` would make of the same lock — so a second project costs no second install.
 */
export function userProject(release: Release, p: ProjectFiles, installFrom?: UserProject): UserProject {
  const dir = join(release.dir, p.name);
  mkdirSync(dir);
  const runtime = p.typescript === undefined ? "runtime: nodejs" : `runtime:\n  name: nodejs\n  options:\n    typescript: ${String(p.typescript)}`;
  writeFileSync(join(dir, "Pulumi.yaml"), `name: ${p.name}\n${runtime}\n`);
  const pkg = { name: p.name, private: true, ...(p.esm && { type: "module" }), main: "index.ts" };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const [name, text] of Object.entries(p.files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const npmEnv = { ...release.env };
  if (installFrom === undefined) {
    const deps = [`./${basename(release.npmTarball)}`, `@pulumi/pulumi@${dependencyVersion("@pulumi/pulumi")}`, `typescript@${dependencyVersion("typescript")}`, `@types/node@${dependencyVersion("@types/node")}`];
    cpSync(release.npmTarball, join(dir, basename(release.npmTarball)));
    mustSucceed("npm install", command("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", ...deps], { cwd: dir, env: npmEnv, timeoutMs: 300_000 }));
  } else {
    cpSync(join(installFrom.dir, basename(release.npmTarball)), join(dir, basename(release.npmTarball)));
    mustSucceed("cp -al node_modules", command("cp", ["-al", join(installFrom.dir, "node_modules"), join(dir, "node_modules")], { cwd: dir, env: npmEnv }));
    const from = JSON.parse(readFileSync(join(installFrom.dir, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    writeFileSync(join(dir, "package.json"), `${JSON.stringify({ ...pkg, dependencies: from.dependencies }, null, 2)}\n`);
    cpSync(join(installFrom.dir, "package-lock.json"), join(dir, "package-lock.json"));
  }
  const installed = JSON.parse(readFileSync(join(dir, "node_modules", PACKAGE_NAME, "package.json"), "utf8")) as { version?: string };
  if (installed.version !== release.version) throw new Error(`${PACKAGE_NAME} ${String(installed.version)} installed, expected ${release.version}`);
  return {
    dir,
    pulumi: pulumiRunner(release.pulumi, dir, release.env),
    npx: (args) => command("npx", ["--no-install", ...args], { cwd: dir, env: npmEnv }),
  };
}
