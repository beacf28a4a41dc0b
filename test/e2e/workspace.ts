// An example project (examples/<name>) run by the real Pulumi CLI, offline, with a local file
// backend. The example is copied into a temp dir that mirrors the repository layout
// (<tmp>/examples/<name>, <tmp>/bin → bin/, <tmp>/node_modules → node_modules/) so its Pulumi.yaml
// runs unmodified (`plugins.providers[].path: ../../bin`), and `pulumi-datum` resolves through
// <example>/node_modules/@pulumi-datum/datum → the repository, which is what `npm install` makes of
// the example's `"@pulumi-datum/datum": "file:../.."`. Stack files written by `pulumi stack init` / `config set`
// land in the copy, never in the repository.
import { spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { killSession } from "../infra/procs.ts";
import { PACKAGE_NAME } from "../infra/tools.ts";
import { requireE2eTools } from "./tools.ts";

export interface PulumiResult {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface RunningPulumi {
  readonly pid: number;
  /** Everything printed so far (stdout + stderr). */
  output(): string;
  signal(sig: NodeJS.Signals): void;
  readonly done: Promise<PulumiResult>;
}

export interface RunOptions {
  readonly stack?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

export interface ExampleWorkspace {
  readonly example: string;
  readonly dir: string;
  readonly programDir: string;
  /** `pulumi <args> --non-interactive [--stack s]`; resolves with whatever the exit code was. */
  run(args: readonly string[], opts?: RunOptions): Promise<PulumiResult>;
  /** Like run, but throws (with the output) unless the exit code is 0. */
  ok(args: readonly string[], opts?: RunOptions): Promise<PulumiResult>;
  /** Starts pulumi and returns at once (for signals). */
  start(args: readonly string[], opts?: RunOptions): RunningPulumi;
  stackInit(stack: string): Promise<void>;
  config(key: string, value: string, opts?: { secret?: boolean; path?: boolean; stack?: string }): Promise<void>;
  outputs(stack?: string): Promise<Record<string, unknown>>;
  /** The stack's checkpoint (`pulumi stack export`). */
  state(stack?: string): Promise<Deployment>;
  dispose(): void;
}

export interface StateResource {
  readonly urn: string;
  readonly id?: string;
  readonly type: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

export interface Deployment {
  readonly resources: readonly StateResource[];
  readonly pendingOperations: readonly { resource: StateResource; type: string }[];
}

const PASSPHRASE = "e2e-passphrase";

export function exampleWorkspace(example: string, opts: { yaml?: boolean; env?: NodeJS.ProcessEnv } = {}): ExampleWorkspace {
  const tools = requireE2eTools(opts.yaml === true ? { yaml: true } : {});
  const dir = mkdtempSync(join(tmpdir(), `pulumi-datum-e2e-${example}-`));
  const programDir = join(dir, "examples", example);
  mkdirSync(join(dir, "state"));
  mkdirSync(join(dir, "home"));
  cpSync(join(tools.root, "examples", example), programDir, {
    recursive: true,
    filter: (src) => !src.split("/").includes("node_modules"),
  });
  symlinkSync(join(tools.root, "bin"), join(dir, "bin"));
  symlinkSync(join(tools.root, "node_modules"), join(dir, "node_modules"));
  mkdirSync(join(programDir, "node_modules", dirname(PACKAGE_NAME)), { recursive: true });
  symlinkSync(tools.root, join(programDir, "node_modules", PACKAGE_NAME));

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: [...tools.pathDirs, process.env["PATH"] ?? ""].join(":"),
    PULUMI_HOME: join(dir, "home"),
    PULUMI_BACKEND_URL: `file://${join(dir, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "1",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    NO_COLOR: "1",
    // Never fall back to the developer's own cluster: every test names its kubeconfig.
    KUBECONFIG: join(dir, "no-kubeconfig"),
    ...opts.env,
  };

  const { run, ok, start, stopAll } = pulumiRunner(tools.pulumi, programDir, env);

  return {
    example,
    dir,
    programDir,
    run,
    ok,
    start,
    async stackInit(stack) {
      await ok(["stack", "init", stack]);
    },
    async config(key, value, o = {}) {
      await ok(["config", "set", ...(o.secret === true ? ["--secret"] : []), ...(o.path === true ? ["--path"] : []), key, value], o.stack !== undefined ? { stack: o.stack } : {});
    },
    async outputs(stack) {
      const r = await ok(["stack", "output", "--json", "--show-secrets"], stack !== undefined ? { stack } : {});
      return JSON.parse(r.stdout) as Record<string, unknown>;
    },
    async state(stack) {
      const r = await ok(["stack", "export", "--show-secrets"], stack !== undefined ? { stack } : {});
      const d = (JSON.parse(r.stdout) as { deployment: { resources?: StateResource[]; pending_operations?: { resource: StateResource; type: string }[] } }).deployment;
      return { resources: d.resources ?? [], pendingOperations: d.pending_operations ?? [] };
    },
    dispose() {
      stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PulumiRunner {
  run(args: readonly string[], opts?: RunOptions): Promise<PulumiResult>;
  ok(args: readonly string[], opts?: RunOptions): Promise<PulumiResult>;
  start(args: readonly string[], opts?: RunOptions): RunningPulumi;
  /** Kills every run still going (with its plugins and language hosts). */
  stopAll(): void;
}

/** Runs `pulumi <args> --non-interactive` in `cwd` with `env`, each run bounded and killable as a whole session. */
export function pulumiRunner(pulumi: string, cwd: string, env: NodeJS.ProcessEnv): PulumiRunner {
  // Detached (own process group), so nothing else stops them: stopAll() kills what is still running.
  const running = new Set<number>();
  // The CLI's whole session: plugins and language hosts run in process groups of their own.
  const killGroup = (pid: number): void => killSession(pid);

  const start = (args: readonly string[], o: RunOptions = {}): RunningPulumi => {
    const full = [...args, "--non-interactive", ...(o.stack !== undefined ? ["--stack", o.stack] : [])];
    const t0 = Date.now();
    // Own process group, so a timeout can take the plugins and language hosts down with the CLI.
    const child = spawn(pulumi, full, { cwd, env: { ...env, ...o.env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    if (child.pid === undefined) throw new Error(`could not start ${pulumi}`);
    const pid = child.pid;
    running.add(pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<PulumiResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        stderr += `\n[e2e] pulumi ${full.join(" ")} timed out after ${o.timeoutMs ?? 240_000} ms; killed\n`;
        killGroup(pid);
      }, o.timeoutMs ?? 240_000);
      child.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        running.delete(pid);
        resolve({ args: full, code, signal, stdout, stderr, ms: Date.now() - t0 });
      });
    });
    return {
      pid,
      output: () => stdout + stderr,
      signal: (sig) => process.kill(pid, sig),
      done,
    };
  };

  const run = (args: readonly string[], o: RunOptions = {}): Promise<PulumiResult> => start(args, o).done;
  const ok = async (args: readonly string[], o: RunOptions = {}): Promise<PulumiResult> => {
    const r = await run(args, o);
    if (r.code !== 0) throw new Error(`pulumi ${r.args.join(" ")} exited ${String(r.code ?? r.signal)}\n${r.stdout}\n${r.stderr}`);
    return r;
  };

  return {
    run,
    ok,
    start,
    stopAll() {
      for (const pid of running) killGroup(pid);
    },
  };
}

/** The engine's summary of an `up --json` / `preview --json` run: counts per operation. */
export function changeSummary(r: PulumiResult): Record<string, number> {
  for (const line of r.stdout.split("\n").reverse()) {
    if (!line.includes("summaryEvent")) continue;
    const ev = JSON.parse(line) as { summaryEvent?: { resourceChanges?: Record<string, number> } };
    if (ev.summaryEvent?.resourceChanges) return ev.summaryEvent.resourceChanges;
  }
  // `preview --json` prints one document with changeSummary instead of an event stream.
  try {
    const doc = JSON.parse(r.stdout) as { changeSummary?: Record<string, number> };
    if (doc.changeSummary) return doc.changeSummary;
  } catch {
    /* not a single document */
  }
  throw new Error(`no change summary in the output of pulumi ${r.args.join(" ")}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
}

/** Operations other than "same": what an up/preview would change. */
export function changesOf(summary: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(summary).filter(([op, n]) => op !== "same" && n > 0));
}
