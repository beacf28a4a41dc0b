// The `start` / `stop` halves of the CLIs behind `make cluster` and `make demo` (dataplane/cli.ts,
// test/e2e/cluster-services.ts): the CLI's own `run` command in a detached process that outlives
// the make target, its output in <stateDir>/<name>.log, its PID in <stateDir>/<name>.pid.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { killPid, pidAlive, tailFile, waitFor } from "./procs.ts";

/**
 * Starts `node <script> run <args…>` detached and waits (bounded) until its log has a line starting
 * with `readyPrefix`; returns that line. Already running (its PID alive): returns undefined.
 */
export async function startDetached(name: string, script: string, args: readonly string[], stateDir: string, readyPrefix: string, timeoutMs = 120_000): Promise<string | undefined> {
  mkdirSync(stateDir, { recursive: true });
  const pidFile = join(stateDir, `${name}.pid`);
  if (existsSync(pidFile) && pidAlive(Number(readFileSync(pidFile, "utf8").trim()))) return undefined;
  const log = join(stateDir, `${name}.log`);
  const fd = openSync(log, "w");
  const child = spawn(process.execPath, [...process.execArgv, script, "run", ...args], { detached: true, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name}`);
  writeFileSync(pidFile, `${pid}\n`);
  const readyLine = (): string | undefined =>
    tailFile(log, 200)
      .split("\n")
      .find((l) => l.startsWith(readyPrefix));
  try {
    return await waitFor(`${name} to start`, async () => readyLine(), {
      timeoutMs,
      intervalMs: 200,
      abortIf: () => (pidAlive(pid) ? undefined : "it exited"),
      onFail: () => tailFile(log, 30),
    });
  } catch (e) {
    await killPid(pid, 5_000);
    rmSync(pidFile, { force: true });
    throw e;
  }
}

/** Stops what startDetached started (SIGTERM, SIGKILL after `graceMs`); returns its PID, or undefined if none was recorded. */
export async function stopDetached(name: string, stateDir: string, graceMs: number): Promise<number | undefined> {
  const pidFile = join(stateDir, `${name}.pid`);
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  if (Number.isInteger(pid) && pid > 0) await killPid(pid, graceMs);
  rmSync(pidFile, { force: true });
  return pid;
}
