/**
 * Waits until applied objects are ready, watching them (list+watch per object, re-listing
 * after 410) and re-evaluating each object's observer on every event. Ends at the first
 * terminal failure, when everything is ready, at a deadline, or on cancellation. Outcomes are
 * values: the lifecycle turns them into Pulumi partial failures with the objects' last state.
 */
import type { Clock } from "../kube/clock";
import type { KubeError } from "../kube/errors";
import { describeRef, labelSelector, refOf, type KubeObject, type ObjectQuery, type ObjectRef } from "../kube/types";
import type { ReflectHandlers, ReflectOptions, Reflection } from "../kube/watch";
import { readAwaitAnnotations } from "./annotations";
import { DEFAULT_OBSERVE_CONTEXT, failed, READY, type ObserveContext, type Observer, type Readiness } from "./readiness";
import { observerFor, type ObserverLookup } from "./registry";

/** What the waiter needs from a client (KubeClient provides it). */
export interface ReadinessSource {
  readonly clock: Clock;
  reflect(query: ObjectQuery, handlers: ReflectHandlers, opts?: ReflectOptions): Reflection;
}

export const DEFAULT_AWAIT_TIMEOUT_MS = 10 * 60 * 1000;

export interface ProgressEvent {
  readonly ref: ObjectRef;
  readonly readiness: Readiness;
  readonly elapsedMs: number;
  /** `Gateway default/app: Programmed=False (AddressNotAssigned)` or `Gateway default/app: ready`. */
  readonly message: string;
}

export interface AwaitOptions {
  readonly client: ReadinessSource;
  /** Defaults to the client's clock. */
  readonly clock?: Clock;
  /** Per object unless its pulumi.com/timeoutSeconds annotation says otherwise. Default 10 min. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  /** Called when an object's readiness answer changes (and once at the start). */
  readonly onProgress?: (e: ProgressEvent) => void;
  /** Skip waiting for every object (pulumi.com/skipAwait does it per object). */
  readonly skipAwait?: boolean;
  readonly observe?: Partial<ObserveContext>;
  readonly observers?: ObserverLookup;
}

export interface ObjectReport {
  readonly ref: ObjectRef;
  readonly readiness: Readiness;
}

interface Common {
  readonly objects: readonly KubeObject[];
  readonly elapsedMs: number;
  /** The answer for every object at the end. */
  readonly reports: readonly ObjectReport[];
}

export type AwaitResult =
  | ({ readonly status: "ready" } & Common)
  | ({ readonly status: "failed"; readonly message: string; readonly failures: readonly ObjectReport[] } & Common)
  | ({ readonly status: "timeout"; readonly message: string; readonly pending: readonly ObjectReport[] } & Common)
  | ({ readonly status: "aborted"; readonly message: string; readonly pending: readonly ObjectReport[] } & Common)
  | ({ readonly status: "error"; readonly message: string; readonly error: KubeError | Error } & Common);

interface Tracked {
  readonly ref: ObjectRef;
  readonly observer: Observer | undefined;
  readonly deadline: number;
  latest: KubeObject;
  readiness: Readiness;
  lastMessage: string | undefined;
}

function line(t: { ref: ObjectRef; readiness: Readiness }, withDetail: boolean): string {
  const d = describeRef(t.ref);
  const r = t.readiness;
  if (r.state === "ready") return `${d}: ready`;
  if (r.state === "failed") return `${d}: ${r.message}`;
  return `${d}: ${r.message}${withDetail && r.detail ? ` — ${r.detail}` : ""}`;
}

function safeEvaluate(observer: Observer | undefined, o: KubeObject, ctx: ObserveContext): Readiness {
  if (observer === undefined) return READY;
  try {
    return observer(o, ctx);
  } catch (e) {
    // Observers are total by design; a throw is our bug and must not look like readiness.
    return { state: "pending", message: `readiness check error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export async function awaitReady(objects: readonly KubeObject[], opts: AwaitOptions): Promise<AwaitResult> {
  const clock = opts.clock ?? opts.client.clock;
  const start = clock.now();
  const ctx: ObserveContext = { ...DEFAULT_OBSERVE_CONTEXT, ...opts.observe };
  const lookup = opts.observers ?? observerFor;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_AWAIT_TIMEOUT_MS;

  const tracked: Tracked[] = [];
  const annotationErrors: string[] = [];
  for (const o of objects) {
    const ann = readAwaitAnnotations(o);
    for (const e of ann.errors) annotationErrors.push(`${describeRef(refOf(o))}: ${e.field}: ${e.message}`);
    const skip = opts.skipAwait === true || ann.skipAwait;
    const observer = skip ? undefined : lookup(o.apiVersion, o.kind);
    tracked.push({
      ref: refOf(o),
      observer,
      deadline: start + (ann.timeoutMs ?? timeoutMs),
      latest: o,
      readiness: READY,
      lastMessage: undefined,
    });
  }

  const common = (): Common => ({
    objects: tracked.map((t) => t.latest),
    elapsedMs: clock.now() - start,
    reports: tracked.map((t) => ({ ref: t.ref, readiness: t.readiness })),
  });
  if (annotationErrors.length > 0) {
    const message = annotationErrors.join("\n");
    return { status: "error", message, error: new Error(message), ...common() };
  }

  const report = (t: Tracked): void => {
    const msg = line(t, false);
    if (msg === t.lastMessage) return;
    t.lastMessage = msg;
    opts.onProgress?.({ ref: t.ref, readiness: t.readiness, elapsedMs: clock.now() - start, message: msg });
  };
  const update = (t: Tracked, o: KubeObject): void => {
    t.latest = o;
    t.readiness = safeEvaluate(t.observer, o, ctx);
    report(t);
  };
  // The applied object often already answers: an update that did not change the spec keeps
  // a status for the current generation, so nothing needs watching (pulumi-kubernetes#4521).
  for (const t of tracked) update(t, t.latest);

  const outcome = (): AwaitResult | undefined => {
    const failures = tracked.filter((t) => t.readiness.state === "failed");
    if (failures.length > 0) {
      return {
        status: "failed",
        message: failures.map((t) => line(t, true)).join("\n"),
        failures: failures.map((t) => ({ ref: t.ref, readiness: t.readiness })),
        ...common(),
      };
    }
    if (tracked.every((t) => t.readiness.state === "ready")) return { status: "ready", ...common() };
    return undefined;
  };
  const pendingReports = (): ObjectReport[] => tracked.filter((t) => t.readiness.state === "pending").map((t) => ({ ref: t.ref, readiness: t.readiness }));
  const pendingText = (): string =>
    tracked
      .filter((t) => t.readiness.state === "pending")
      .map((t) => `  ${line(t, true)}`)
      .join("\n");

  const early = outcome();
  if (early !== undefined) return early;
  if (opts.signal?.aborted) {
    return { status: "aborted", message: `cancelled while waiting for:\n${pendingText()}`, pending: pendingReports(), ...common() };
  }

  const stop = new AbortController();
  const reflections: Reflection[] = [];
  return await new Promise<AwaitResult>((resolve) => {
    let settled = false;
    const finish = (r: AwaitResult): void => {
      if (settled) return;
      settled = true;
      stop.abort(new Error("await finished"));
      for (const r2 of reflections) r2.stop();
      opts.signal?.removeEventListener("abort", onAbort);
      resolve(r);
    };
    const check = (): void => {
      const r = outcome();
      if (r !== undefined) finish(r);
    };
    const onAbort = (): void =>
      finish({ status: "aborted", message: `cancelled while waiting for:\n${pendingText()}`, pending: pendingReports(), ...common() });
    opts.signal?.addEventListener("abort", onAbort, { once: true });

    for (const group of watchGroups(tracked.filter((t) => t.readiness.state !== "ready"))) {
      const byName = new Map(group.members.map((t) => [t.ref.name, t]));
      const gone = (t: Tracked): void => {
        if (t.readiness.state === "failed") return;
        t.readiness = failed("deleted while waiting for it to become ready");
        report(t);
        check();
      };
      const handlers: ReflectHandlers = {
        onChange: (type, o) => {
          const t = byName.get(o.metadata.name);
          if (settled || t === undefined) return;
          if (type === "DELETED") gone(t);
          else {
            update(t, o);
            check();
          }
        },
        onSync: (items) => {
          if (settled) return;
          const present = new Set(items.map((i) => i.metadata.name));
          for (const t of group.members) if (!present.has(t.ref.name)) gone(t);
        },
        onError: (e, willRetry) => {
          if (settled || willRetry) return;
          finish({ status: "error", message: `${describeRef(group.members[0]!.ref)}: watching for readiness failed: ${e.message}`, error: e, ...common() });
        },
      };
      reflections.push(opts.client.reflect(group.query, handlers, { signal: stop.signal }));
    }

    // Deadline loop: sleep until the earliest pending deadline, then judge.
    void (async () => {
      while (!settled) {
        const open = tracked.filter((t) => t.readiness.state !== "ready");
        if (open.length === 0) return;
        const next = Math.min(...open.map((t) => t.deadline));
        const wait = next - clock.now();
        if (wait <= 0) {
          const overdue = open.filter((t) => t.deadline <= clock.now() && t.readiness.state === "pending");
          if (overdue.length > 0) {
            const secs = Math.round((clock.now() - start) / 1000);
            finish({
              status: "timeout",
              message: `timed out after ${secs}s waiting for ${pendingReports().length} object(s) to become ready:\n${pendingText()}`,
              pending: pendingReports(),
              ...common(),
            });
            return;
          }
        }
        try {
          await clock.sleep(Math.max(wait, 1), stop.signal);
        } catch {
          return;
        }
      }
    })();
  });
}

interface WatchGroup {
  readonly query: ObjectQuery;
  readonly members: readonly Tracked[];
}

/**
 * One watch per object is simple but costs a connection each. Objects of one kind in one
 * namespace share a watch when they share labels (rendered objects all carry their source
 * labels), selected by those labels; otherwise each object is watched by name.
 */
function watchGroups(pendingObjects: readonly Tracked[]): WatchGroup[] {
  const byKind = new Map<string, Tracked[]>();
  for (const t of pendingObjects) {
    const k = `${t.ref.apiVersion}|${t.ref.kind}|${t.ref.namespace ?? ""}`;
    byKind.set(k, [...(byKind.get(k) ?? []), t]);
  }
  const groups: WatchGroup[] = [];
  for (const members of byKind.values()) {
    const first = members[0]!;
    const base = { apiVersion: first.ref.apiVersion, kind: first.ref.kind, ...(first.ref.namespace ? { namespace: first.ref.namespace } : {}) };
    const shared = members.length > 1 ? sharedLabels(members.map((t) => t.latest.metadata.labels ?? {})) : {};
    if (Object.keys(shared).length > 0) {
      groups.push({ query: { ...base, labelSelector: labelSelector(shared) }, members });
    } else {
      for (const t of members) groups.push({ query: { ...base, fieldSelector: `metadata.name=${t.ref.name}` }, members: [t] });
    }
  }
  return groups;
}

function sharedLabels(all: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [head, ...rest] = all;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(head ?? {})) {
    if (rest.every((l) => l[k] === v)) out[k] = v;
  }
  return out;
}
