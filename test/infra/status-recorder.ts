// Records the status sequence a live controller writes for one object (via a watch), for the
// readiness recordings in test/await/recordings (format: test/await/recordings/README.md).
import { writeFileSync } from "node:fs";
import type { Kube } from "./kube.ts";

export interface RecordedStep {
  readonly generation: number | undefined;
  readonly status: Record<string, unknown>;
}

export interface StatusRecorder {
  /** Distinct (generation, status) pairs in the order the watch delivered them. */
  steps(): readonly RecordedStep[];
  /** Why the watch ended for good, if it did (the recording is then incomplete). */
  error(): unknown;
  stop(): void;
}

/**
 * Start watching before the object exists so its first, status-less version is recorded too.
 * client-node ends a watch after its request timeout; the recorder resumes from the last
 * resourceVersion it saw (at most `maxRestarts` times), so no event is lost or repeated.
 */
export async function recordStatuses(
  k: Kube,
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
  opts: { maxRestarts?: number } = {},
): Promise<StatusRecorder> {
  const steps: RecordedStep[] = [];
  let last = "";
  let resourceVersion: string | undefined;
  let failure: unknown;
  let restarts = 0;
  let stopped = false;
  let stopWatch: () => void = () => {};
  const start = async (): Promise<void> => {
    stopWatch = await k.watch(
      apiVersion,
      kind,
      namespace,
      (e) => {
        resourceVersion = e.object.metadata.resourceVersion ?? resourceVersion;
        if (e.type !== "ADDED" && e.type !== "MODIFIED") return;
        const status = (e.object as { status?: Record<string, unknown> }).status ?? {};
        const step: RecordedStep = { generation: e.object.metadata.generation, status };
        const key = JSON.stringify(step);
        if (key === last) return; // metadata-only updates (finalizers, annotations) carry no readiness news
        last = key;
        steps.push(step);
      },
      (err) => {
        if (stopped) return;
        if (resourceVersion === undefined || restarts >= (opts.maxRestarts ?? 20)) {
          failure = err ?? new Error("watch closed");
          return;
        }
        restarts++;
        start().catch((e: unknown) => {
          failure = e;
        });
      },
      { fieldSelector: `metadata.name=${name}`, ...(resourceVersion === undefined ? {} : { resourceVersion }) },
    );
  };
  await start();
  return {
    steps: () => steps,
    error: () => failure,
    stop: () => {
      stopped = true;
      stopWatch();
    },
  };
}

export interface RecordingStep {
  readonly note?: string;
  readonly generation?: number;
  readonly status: Record<string, unknown>;
  readonly expect: { readonly state: "ready" | "pending" | "failed"; readonly message?: string; readonly messageContains?: string };
}

export interface Recording {
  readonly description: string;
  /** Which live controller (and version) wrote the statuses; absent only in hand-written files. */
  readonly source: { readonly controller: string; readonly version: string; readonly recordedBy: string; readonly setup: string };
  readonly object: Record<string, unknown>;
  readonly steps: readonly RecordingStep[];
}

export function writeRecording(file: string, rec: Recording): void {
  writeFileSync(file, `${JSON.stringify(rec, null, 2)}\n`);
}
