// Small process helpers shared by the control plane, pebble and PowerDNS harnesses.
// Every child is tracked by PID and killed by PID (never by name).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Ask the kernel for a free TCP port on 127.0.0.1 (small race window; callers retry on bind errors). */
export async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      if (addr === null || typeof addr === "string") {
        srv.close();
        reject(new Error("could not allocate a port"));
        return;
      }
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

export interface Spawned {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  isRunning(): boolean;
  tail(lines?: number): string;
}

export interface SpawnOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Keep running after this Node process exits (used by `make cluster`). */
  readonly detached?: boolean;
}

/** Spawn with stdout+stderr appended to logFile. */
export function spawnLogged(name: string, cmd: string, args: readonly string[], logFile: string, opts: SpawnOptions = {}): Spawned {
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(cmd, [...args], {
      stdio: ["ignore", fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      detached: opts.detached === true,
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) {
    throw new Error(`failed to start ${name} (${cmd})`);
  }
  const pid = child.pid;
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      running = false;
      resolve(code ?? signal ?? "unknown");
    });
    child.on("error", () => {
      running = false;
      resolve("spawn-error");
    });
  });
  if (opts.detached === true) child.unref();
  return {
    name,
    pid,
    logFile,
    child,
    exited,
    isRunning: () => running,
    tail: (lines = 30) => tailFile(logFile, lines),
  };
}

export function tailFile(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, wait up to graceMs, then SIGKILL. Only the given PID is signalled. */
export async function killPid(pid: number, graceMs = 5_000): Promise<void> {
  if (!pidAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/** Synchronous best effort for process 'exit' handlers. */
export function killPidSync(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/**
 * Poll `check` until it returns a value other than undefined, at most `timeoutMs` and `maxTries`.
 * `onFail` adds context (e.g. a log tail) to the timeout error.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs?: number; maxTries?: number; onFail?: () => string; abortIf?: () => string | undefined },
): Promise<T> {
  const start = Date.now();
  const interval = opts.intervalMs ?? 100;
  const maxTries = opts.maxTries ?? Math.ceil(opts.timeoutMs / interval) + 10;
  let lastErr: unknown;
  for (let i = 0; i < maxTries && Date.now() - start < opts.timeoutMs; i++) {
    const abort = opts.abortIf?.();
    if (abort !== undefined) {
      throw new Error(`${what}: ${abort}${opts.onFail ? `\n${opts.onFail()}` : ""}`);
    }
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = e;
    }
    await sleep(interval);
  }
  const detail = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : "";
  throw new Error(`timed out after ${Date.now() - start} ms waiting for ${what}${detail}${opts.onFail ? `\n${opts.onFail()}` : ""}`);
}

/**
 * A long-running child: spawned with its output in logFile, killed by PID when this process exits
 * (unless detached), and returned once `ready` answers true. If it exits first or is not ready
 * within timeoutMs, it is killed and the error carries its log tail.
 */
export async function startUntilReady(
  name: string,
  cmd: string,
  args: readonly string[],
  logFile: string,
  opts: SpawnOptions & { ready: () => Promise<boolean>; timeoutMs: number; intervalMs?: number },
): Promise<Spawned> {
  const p = spawnLogged(name, cmd, args, logFile, opts);
  if (opts.detached !== true) process.once("exit", () => killPidSync(p.pid));
  try {
    await waitFor(`${name} ready`, async () => ((await opts.ready()) ? true : undefined), {
      timeoutMs: opts.timeoutMs,
      intervalMs: opts.intervalMs ?? 100,
      onFail: () => p.tail(),
      abortIf: () => (p.isRunning() ? undefined : `${name} exited`),
    });
  } catch (e) {
    await killPid(p.pid, 1_000);
    throw e;
  }
  return p;
}

export interface ChildHandle {
  readonly pid: number;
  readonly logFile: string;
  tail(lines?: number): string;
  stop(): Promise<void>;
}

/** PID, log and stop() (by PID, then removes `ownedDir` if given) of a started child, for harness return values. */
export function childHandle(p: Spawned, ownedDir?: string): ChildHandle {
  return {
    pid: p.pid,
    logFile: p.logFile,
    tail: (lines) => p.tail(lines),
    async stop() {
      await killPid(p.pid);
      if (ownedDir !== undefined) rmSync(ownedDir, { recursive: true, force: true });
    },
  };
}

/**
 * A detached watchdog that kills `pids` if `parentPid` disappears (e.g. the test runner was
 * SIGKILLed and could not run its exit hooks). Bounded: it gives up after maxSeconds.
 */
export function startReaper(parentPid: number, pids: readonly number[], maxSeconds = 6 * 3600): number | undefined {
  const list = pids.join(" ");
  const script =
    `i=0; while [ $i -lt ${maxSeconds} ] && kill -0 ${parentPid} 2>/dev/null; do sleep 1; i=$((i+1)); done; ` +
    `for p in ${list}; do kill -TERM $p 2>/dev/null; done; sleep 3; for p in ${list}; do kill -KILL $p 2>/dev/null; done`;
  const child = spawn("sh", ["-c", script], { detached: true, stdio: "ignore" });
  child.unref();
  return child.pid;
}

/** Run a command synchronously, throwing with its stderr on failure. */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, [...args], { cwd: opts.cwd, input: opts.input, env: opts.env ?? process.env, encoding: "utf8" });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  }
  return r.stdout;
}

/**
 * Pids of the processes in session `sid` (from /proc), optionally only those with an argument
 * containing `argContains`. A detached child (spawn `detached: true`) leads a session whose id is
 * its pid; the Pulumi CLI starts each plugin and language host in a process group of its own inside it.
 */
export function sessionPids(sid: number, argContains?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid pgrp session …; comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[3]) !== sid) continue;
      if (argContains !== undefined && !readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").some((a) => a.includes(argContains))) continue;
      pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** Peak resident set size (VmHWM, KiB) of a process, or undefined once it has exited. */
export function peakRssKiB(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Kills every process of a session (see sessionPids): killing the CLI's group alone would leave
 * its plugins and language hosts running.
 */
export function killSession(sid: number): void {
  for (const pid of sessionPids(sid)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
}
