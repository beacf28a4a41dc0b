// awaitReady's control flow (events, deadlines, cancellation, skip rules) against a scripted
// watch source and a manual clock. The same waiter runs against a real API server in
// await-ready.integration.test.ts.
import { describe, expect, test } from "vitest";
import { awaitReady, type ProgressEvent, type ReadinessSource } from "../../provider/await/index.ts";
import { TransportError, KubeApiError, type KubeObject, type ObjectQuery, type ReflectHandlers, type Reflection } from "../../provider/kube/index.ts";
import { ManualClock } from "./manual-clock.ts";

class ScriptedSource implements ReadinessSource {
  readonly handlers = new Map<string, ReflectHandlers>();
  readonly queries: ObjectQuery[] = [];
  readonly stopped: string[] = [];
  constructor(readonly clock: ManualClock) {}
  reflect(query: ObjectQuery, handlers: ReflectHandlers): Reflection {
    this.queries.push(query);
    const name = query.fieldSelector !== undefined ? query.fieldSelector.replace("metadata.name=", "") : `{${query.labelSelector ?? ""}}`;
    const key = `${query.kind}/${query.namespace ?? ""}/${name}`;
    this.handlers.set(key, handlers);
    return {
      stop: () => this.stopped.push(key),
      done: Promise.resolve(),
      stats: () => ({ lists: 0, watches: 0, expired: 0, reconnects: 0 }),
    };
  }
  emit(key: string, obj: KubeObject): void {
    const h = this.handlers.get(key);
    if (h === undefined) throw new Error(`no watch on ${key}`);
    h.onChange("MODIFIED", obj);
  }
}

const cond = (type: string, status: string, reason: string, generation = 1) => ({
  type, status, reason, message: `${type} ${reason}`, observedGeneration: generation, lastTransitionTime: "2026-11-27T10:00:00Z",
});

function gateway(name: string, conditions: unknown[], annotations?: Record<string, string>): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name, namespace: "ns", generation: 1, ...(annotations ? { annotations } : {}) },
    spec: { listeners: [] },
    status: { conditions },
  };
}
const readyGw = (name: string, annotations?: Record<string, string>) =>
  gateway(name, [cond("Accepted", "True", "Accepted"), cond("Programmed", "True", "Programmed")], annotations);
const pendingGw = (name: string, annotations?: Record<string, string>) =>
  gateway(name, [cond("Accepted", "True", "Accepted"), cond("Programmed", "False", "AddressNotAssigned")], annotations);

async function tick(): Promise<void> {
  await new Promise((r) => setImmediate(r));
}

describe("awaitReady", () => {
  test("objects already ready at the applied generation need no watch at all", async () => {
    const clock = new ManualClock();
    const src = new ScriptedSource(clock);
    const r = await awaitReady([readyGw("a"), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "ns" } }], { client: src });
    expect(r.status).toBe("ready");
    expect(src.handlers.size).toBe(0);
  });

  test("skipAwait (option or annotation) returns at once without watching", async () => {
    const src = new ScriptedSource(new ManualClock());
    expect((await awaitReady([pendingGw("a")], { client: src, skipAwait: true })).status).toBe("ready");
    expect((await awaitReady([pendingGw("a", { "pulumi.com/skipAwait": "true" })], { client: src })).status).toBe("ready");
    expect(src.handlers.size).toBe(0);
  });

  test("re-evaluates on every event, reports progress changes, stops its watches when ready", async () => {
    const clock = new ManualClock();
    const src = new ScriptedSource(clock);
    const progress: ProgressEvent[] = [];
    const p = awaitReady([pendingGw("a"), readyGw("b")], { client: src, onProgress: (e) => progress.push(e) });
    await tick();
    expect([...src.handlers.keys()]).toEqual(["Gateway/ns/a"]);
    src.emit("Gateway/ns/a", pendingGw("a")); // same answer: no new progress line
    await clock.advance(1500);
    src.emit("Gateway/ns/a", readyGw("a"));
    const r = await p;
    expect(r.status).toBe("ready");
    expect(r.elapsedMs).toBe(1500);
    expect(progress.map((e) => e.message)).toEqual([
      "Gateway ns/a: Programmed=False (AddressNotAssigned)",
      "Gateway ns/b: ready",
      "Gateway ns/a: ready",
    ]);
    expect(src.stopped).toEqual(["Gateway/ns/a"]);
  });

  test("a terminal condition fails fast, quoting the controller", async () => {
    const src = new ScriptedSource(new ManualClock());
    const p = awaitReady([pendingGw("a")], { client: src });
    await tick();
    src.emit("Gateway/ns/a", gateway("a", [cond("Accepted", "False", "InvalidParameters"), cond("Programmed", "False", "Pending")]));
    const r = await p;
    expect(r.status).toBe("failed");
    if (r.status !== "failed") return;
    expect(r.message).toBe("Gateway ns/a: Accepted=False (InvalidParameters): Accepted InvalidParameters");
    expect(r.failures).toHaveLength(1);
  });

  test("times out at the default deadline, listing everything still pending with details", async () => {
    const clock = new ManualClock();
    const src = new ScriptedSource(clock);
    let settled = false;
    const p = awaitReady([pendingGw("a"), pendingGw("b")], { client: src }).finally(() => (settled = true));
    await tick();
    await clock.advance(10 * 60 * 1000 - 1);
    expect(settled).toBe(false);
    await clock.advance(1);
    const r = await p;
    expect(r.status).toBe("timeout");
    if (r.status !== "timeout") return;
    expect(r.message).toBe(
      "timed out after 600s waiting for 2 object(s) to become ready:\n" +
        "  Gateway ns/a: Programmed=False (AddressNotAssigned) — Programmed AddressNotAssigned\n" +
        "  Gateway ns/b: Programmed=False (AddressNotAssigned) — Programmed AddressNotAssigned",
    );
    expect(r.pending.map((x) => x.ref.name)).toEqual(["a", "b"]);
    expect(src.stopped.sort()).toEqual(["Gateway/ns/a", "Gateway/ns/b"]);
  });

  test("pulumi.com/timeoutSeconds shortens one object's deadline", async () => {
    const clock = new ManualClock();
    const src = new ScriptedSource(clock);
    const p = awaitReady([pendingGw("slow"), pendingGw("quick", { "pulumi.com/timeoutSeconds": "5" })], { client: src, timeoutMs: 60_000 });
    await tick();
    await clock.advance(5_000);
    const r = await p;
    expect(r.status).toBe("timeout");
    expect(r.elapsedMs).toBe(5_000);
  });

  test("an object that becomes ready before its deadline does not time out the rest", async () => {
    const clock = new ManualClock();
    const src = new ScriptedSource(clock);
    const p = awaitReady([pendingGw("slow"), pendingGw("quick", { "pulumi.com/timeoutSeconds": "5" })], { client: src, timeoutMs: 60_000 });
    await tick();
    await clock.advance(4_000);
    src.emit("Gateway/ns/quick", readyGw("quick"));
    await clock.advance(10_000);
    src.emit("Gateway/ns/slow", readyGw("slow"));
    expect((await p).status).toBe("ready");
  });

  test("cancellation via AbortSignal", async () => {
    const src = new ScriptedSource(new ManualClock());
    const ctl = new AbortController();
    const p = awaitReady([pendingGw("a")], { client: src, signal: ctl.signal });
    await tick();
    ctl.abort();
    const r = await p;
    expect(r.status).toBe("aborted");
    if (r.status === "aborted") expect(r.message).toContain("Gateway ns/a: Programmed=False (AddressNotAssigned)");
    expect(src.stopped).toEqual(["Gateway/ns/a"]);
  });

  test("deletion while waiting is a failure", async () => {
    const src = new ScriptedSource(new ManualClock());
    const p = awaitReady([pendingGw("a")], { client: src });
    await tick();
    src.handlers.get("Gateway/ns/a")!.onChange("DELETED", pendingGw("a"));
    const r = await p;
    expect(r.status).toBe("failed");
    if (r.status === "failed") expect(r.message).toBe("Gateway ns/a: deleted while waiting for it to become ready");
  });

  test("a watch failure that will not be retried ends the wait as an error; retried ones do not", async () => {
    const src = new ScriptedSource(new ManualClock());
    const p = awaitReady([pendingGw("a")], { client: src });
    await tick();
    const h = src.handlers.get("Gateway/ns/a")!;
    h.onError?.(new TransportError("watch", { kind: "Gateway" }, "connection reset"), true);
    h.onError?.(new KubeApiError("watch", { kind: "Gateway", namespace: "ns" }, 403, "Forbidden", 'gateways is forbidden: User "x" cannot watch'), false);
    const r = await p;
    expect(r.status).toBe("error");
    if (r.status === "error") expect(r.message).toContain("gateways is forbidden");
  });

  test("malformed await annotations are reported before anything else", async () => {
    const src = new ScriptedSource(new ManualClock());
    const r = await awaitReady([pendingGw("a", { "pulumi.com/timeoutSeconds": "soon" })], { client: src });
    expect(r.status).toBe("error");
    if (r.status === "error") expect(r.message).toBe('Gateway ns/a: metadata.annotations[pulumi.com/timeoutSeconds]: Invalid value: "soon": must be a positive whole number of seconds');
  });

  test("objects of one kind and namespace that share labels share one watch, selected by those labels", async () => {
    const src = new ScriptedSource(new ManualClock());
    const labelled = (name: string, source: string): KubeObject => {
      const g = pendingGw(name);
      return { ...g, metadata: { ...g.metadata, labels: { "pulumi-datum.io/source-name": source, "pulumi-datum.io/source-kind": "HTTPProxy", only: name } } };
    };
    const p = awaitReady([labelled("a", "shop"), labelled("b", "shop"), { ...pendingGw("c"), metadata: { name: "c", namespace: "other", generation: 1 } }], { client: src });
    await tick();
    expect(src.queries).toEqual([
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: "ns", labelSelector: "pulumi-datum.io/source-kind=HTTPProxy,pulumi-datum.io/source-name=shop" },
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: "other", fieldSelector: "metadata.name=c" },
    ]);
    const shared = src.handlers.get("Gateway/ns/{pulumi-datum.io/source-kind=HTTPProxy,pulumi-datum.io/source-name=shop}")!;
    // A sync that lacks one member fails that member only; events for others in the selection are ignored.
    shared.onChange("MODIFIED", { ...readyGw("unrelated") });
    shared.onSync?.([labelled("a", "shop")]);
    const r = await p;
    expect(r.status).toBe("failed");
    if (r.status === "failed") expect(r.message).toBe("Gateway ns/b: deleted while waiting for it to become ready");
  });

  test("without shared labels each object is watched by name", async () => {
    const src = new ScriptedSource(new ManualClock());
    const p = awaitReady([pendingGw("a"), pendingGw("b")], { client: src });
    await tick();
    expect(src.queries.map((q) => q.fieldSelector)).toEqual(["metadata.name=a", "metadata.name=b"]);
    src.emit("Gateway/ns/a", readyGw("a"));
    src.emit("Gateway/ns/b", readyGw("b"));
    expect((await p).status).toBe("ready");
  });
});
