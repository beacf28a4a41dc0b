// Run the locally built Pulumi CLI against a TypeScript program with a local file backend,
// fully offline (no service, no plugin downloads).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { repoRoot, requireTools } from "./tools.ts";

export interface PulumiResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface PulumiWorkspace {
  readonly dir: string;
  readonly programDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Run `pulumi <args>` in the program dir (bounded by timeoutMs; killed by PID on timeout). */
  run(args: readonly string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<PulumiResult>;
  dispose(): void;
}

/**
 * A temp workspace: Pulumi.yaml (nodejs runtime, native Node type stripping — no ts-node),
 * package.json with main=index.ts, node_modules → the repo's node_modules, a file:// backend
 * and PULUMI_HOME inside the temp dir. The CLI and our language host come from the cache.
 */
export function pulumiWorkspace(files: Readonly<Record<string, string>>, projectName = "infra-smoke"): PulumiWorkspace {
  const tools = requireTools("pulumi", "pulumiLanguageNodejs");
  const REPO_ROOT = repoRoot();
  const dir = mkdtempSync(join(tmpdir(), "pulumi-datum-prog-"));
  const programDir = join(dir, "program");
  mkdirSync(programDir);
  mkdirSync(join(dir, "state"));
  mkdirSync(join(dir, "home"));
  symlinkSync(join(REPO_ROOT, "node_modules"), join(programDir, "node_modules"));
  writeFileSync(
    join(programDir, "Pulumi.yaml"),
    `name: ${projectName}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n`,
  );
  writeFileSync(join(programDir, "package.json"), JSON.stringify({ name: projectName, private: true, main: "index.ts" }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(programDir, name), text);
  const pathParts = [
    dirname(tools.pulumi),
    dirname(tools.pulumiLanguageNodejs),
    // pulumi-resource-pulumi-nodejs (dynamic providers) ships at the root of @pulumi/pulumi
    join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"),
    dirname(process.execPath),
    process.env["PATH"] ?? "",
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: pathParts.join(":"),
    PULUMI_HOME: join(dir, "home"),
    PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "infra-test-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    NO_COLOR: "1",
  };
  return {
    dir,
    programDir,
    env,
    run(args, opts = {}) {
      const t0 = Date.now();
      return new Promise<PulumiResult>((resolvePromise, reject) => {
        const child = spawn(tools.pulumi, [...args, "--non-interactive"], {
          cwd: programDir,
          env: { ...env, ...opts.env },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => {
          if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
        }, opts.timeoutMs ?? 120_000);
        child.on("error", (e) => {
          clearTimeout(timer);
          reject(e);
        });
        child.on("close", (code) => {
          clearTimeout(timer);
          resolvePromise({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 });
        });
      });
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The result of a `pulumi` run that must succeed; otherwise an error with its exit code and output. */
export function ok(r: PulumiResult): PulumiResult {
  if (r.code !== 0) throw new Error(`pulumi exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** A Pulumi.yaml for a Node program (native type stripping) that loads one provider plugin from a directory. */
export function projectYaml(name: string, plugin: { name: string; dir: string }): string {
  return [
    `name: ${name}`,
    "runtime:",
    "  name: nodejs",
    "  options:",
    "    typescript: false",
    "plugins:",
    "  providers:",
    `    - name: ${plugin.name}`,
    `      path: ${plugin.dir}`,
    "",
  ].join("\n");
}
