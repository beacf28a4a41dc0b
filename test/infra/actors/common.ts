// Generic "status actor": plays a controller by watching objects through the real API server
// and writing /status. Behaviour per object is selected with annotations:
//
//   test.datum.net/actor-mode      ready (default) | invalid | not-programmed | unresolved |
//                                  pending | never | fail | fail-then-ready | target-not-found |
//                                  conflicted
//   test.datum.net/actor-delay-ms  before the final status: write a Pending status, wait this long
//   test.datum.net/actor-reason    override the failure reason
//   test.datum.net/actor-message   override the failure message
//
// An object is (re)handled when its generation or these annotations change; status writes do
// not bump generation, so there is no feedback loop. Every actor is bounded (maxWrites, watch
// restarts) and stoppable.
import type { KubeConfig } from "@kubernetes/client-node";
import { kube, type Condition, type KObject, type Kube } from "../kube.ts";

export const MODE_ANNOTATION = "test.datum.net/actor-mode";
export const DELAY_ANNOTATION = "test.datum.net/actor-delay-ms";
export const REASON_ANNOTATION = "test.datum.net/actor-reason";
export const MESSAGE_ANNOTATION = "test.datum.net/actor-message";

export const ACTOR_MODES = [
  "ready",
  "invalid",
  "not-programmed",
  "unresolved",
  "pending",
  "never",
  "fail",
  "fail-then-ready",
  "target-not-found",
  "conflicted",
] as const;
export type ActorMode = (typeof ACTOR_MODES)[number];

export interface ObjectBehaviour {
  readonly mode: ActorMode;
  readonly delayMs: number;
  readonly reason: string | undefined;
  readonly message: string | undefined;
}

export function behaviourOf(obj: KObject): ObjectBehaviour {
  const a = obj.metadata.annotations ?? {};
  const raw = a[MODE_ANNOTATION] ?? "ready";
  const mode: ActorMode = (ACTOR_MODES as readonly string[]).includes(raw) ? (raw as ActorMode) : "ready";
  const delay = Number.parseInt(a[DELAY_ANNOTATION] ?? "0", 10);
  return {
    mode,
    delayMs: Number.isFinite(delay) && delay > 0 ? Math.min(delay, 600_000) : 0,
    reason: a[REASON_ANNOTATION],
    message: a[MESSAGE_ANNOTATION],
  };
}

/** One status write, optionally after a delay relative to the previous step. */
export interface Step {
  readonly afterMs: number;
  readonly status: Record<string, unknown>;
  /** Side effect before the status write (e.g. create the certificate Secret). */
  readonly before?: () => Promise<void>;
}

export interface ReconcileContext {
  readonly k: Kube;
  readonly behaviour: ObjectBehaviour;
  readonly now: () => string;
}

export interface ActorDefinition {
  readonly name: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** Return the status steps to play for this object, or [] to leave it alone. */
  plan(obj: KObject, ctx: ReconcileContext): Promise<Step[]>;
}

export interface ActorOptions {
  /** Namespace to watch; undefined = all namespaces (cluster-scoped kinds are always watched cluster-wide). */
  readonly namespace?: string;
  /** Stop writing after this many status writes (default 5000). */
  readonly maxWrites?: number;
  /** Maximum number of watch (re)starts (default 50). */
  readonly maxWatchRestarts?: number;
}

export interface RunningActor {
  readonly name: string;
  readonly writes: () => number;
  readonly errors: () => readonly string[];
  stop(): void;
}

export function cond(
  type: string,
  status: Condition["status"],
  reason: string,
  message: string,
  generation: number | undefined,
  now: string,
): Condition {
  const c: Condition = { type, status, reason, message, lastTransitionTime: now };
  if (generation !== undefined) c.observedGeneration = generation;
  return c;
}

/** Keep lastTransitionTime from `prev` when a condition's status did not change (metav1 semantics). */
export function keepTransitionTimes(prev: readonly Condition[] | undefined, next: Condition[]): Condition[] {
  return next.map((c) => {
    const p = prev?.find((x) => x.type === c.type);
    return p && p.status === c.status ? { ...c, lastTransitionTime: p.lastTransitionTime } : c;
  });
}

function nowIso(): string {
  // metav1.Time has second precision
  return new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

export function startActor(kc: KubeConfig, def: ActorDefinition, opts: ActorOptions = {}): RunningActor {
  const k = kube(kc);
  const maxWrites = opts.maxWrites ?? 5_000;
  const maxRestarts = opts.maxWatchRestarts ?? 50;
  const handled = new Map<string, string>(); // uid -> key
  const timers = new Map<string, ReturnType<typeof setTimeout>[]>();
  const errors: string[] = [];
  let writes = 0;
  let stopped = false;
  let stopWatch: (() => void) | undefined;
  let restarts = 0;

  const clearTimers = (uid: string): void => {
    for (const t of timers.get(uid) ?? []) clearTimeout(t);
    timers.delete(uid);
  };

  const write = async (obj: KObject, status: Record<string, unknown>): Promise<void> => {
    if (stopped) return;
    if (writes >= maxWrites) {
      if (!errors.includes("maxWrites reached")) errors.push("maxWrites reached");
      return;
    }
    writes++;
    try {
      await k.patchStatus(def.apiVersion, def.kind, def.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name, status);
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code !== 404) errors.push(`${def.name} ${obj.metadata.namespace ?? ""}/${obj.metadata.name}: ${String(e)}`);
    }
  };

  const handle = async (obj: KObject): Promise<void> => {
    const uid = obj.metadata.uid ?? `${obj.metadata.namespace}/${obj.metadata.name}`;
    const b = behaviourOf(obj);
    const key = JSON.stringify([obj.metadata.generation, b]);
    if (handled.get(uid) === key) return;
    handled.set(uid, key);
    clearTimers(uid);
    let steps: Step[];
    try {
      steps = await def.plan(obj, { k, behaviour: b, now: nowIso });
    } catch (e) {
      errors.push(`${def.name} plan ${obj.metadata.name}: ${String(e)}`);
      return;
    }
    let at = 0;
    const list: ReturnType<typeof setTimeout>[] = [];
    for (const step of steps) {
      at += step.afterMs;
      const run = async (): Promise<void> => {
        if (stopped || handled.get(uid) !== key) return;
        if (step.before) {
          try {
            await step.before();
          } catch (e) {
            errors.push(`${def.name} side effect ${obj.metadata.name}: ${String(e)}`);
          }
        }
        await write(obj, step.status);
      };
      if (at === 0) {
        await run();
      } else {
        list.push(setTimeout(() => void run(), at));
      }
    }
    if (list.length > 0) timers.set(uid, list);
  };

  const ns = def.namespaced ? opts.namespace : undefined;
  const startWatch = (): void => {
    if (stopped) return;
    if (restarts++ >= maxRestarts) {
      errors.push(`${def.name}: watch restarted ${maxRestarts} times, giving up`);
      return;
    }
    k.watch(
      def.apiVersion,
      def.kind,
      ns,
      (ev) => {
        if (ev.type === "DELETED") {
          const uid = ev.object.metadata.uid;
          if (uid) {
            clearTimers(uid);
            handled.delete(uid);
          }
          return;
        }
        if (ev.type === "ADDED" || ev.type === "MODIFIED") void handle(ev.object);
      },
      (err) => {
        if (stopped) return;
        if (err) errors.push(`${def.name} watch ended: ${String(err)}`);
        setTimeout(startWatch, 200);
      },
    ).then(
      (s) => {
        stopWatch = s;
        if (stopped) s();
      },
      (e: unknown) => {
        errors.push(`${def.name} watch failed: ${String(e)}`);
        if (!stopped) setTimeout(startWatch, 500);
      },
    );
  };
  startWatch();

  return {
    name: def.name,
    writes: () => writes,
    errors: () => errors,
    stop() {
      stopped = true;
      stopWatch?.();
      for (const uid of [...timers.keys()]) clearTimers(uid);
    },
  };
}
