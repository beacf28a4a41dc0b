// Retries, deadlines and watch recovery, proven through a fault-injecting proxy in front of a
// real kube-apiserver (test/infra). Nothing here fakes the API server: only the network between
// client and server misbehaves.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  AbortedError,
  createKubeClient,
  DeadlineExceededError,
  KubeApiError,
  RequestCounter,
  type KubeClient,
  type KubeObject,
} from "../../provider/kube/index.ts";
import { awaitReady } from "../../provider/await/index.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { kube } from "../infra/kube.ts";
import { startFaultProxy, type FaultProxy } from "./proxy.ts";

let cp: ControlPlane;
let proxy: FaultProxy;
let ns: string;
const clients: KubeClient[] = [];

function client(metrics: RequestCounter, extra: Parameters<typeof createKubeClient>[1] = {}): KubeClient {
  const c = createKubeClient({ kubeconfig: proxy.kubeconfig }, { metrics, retry: { maxAttempts: 6, initialDelayMs: 50, maxDelayMs: 400, multiplier: 2, jitter: 0.5 }, ...extra });
  clients.push(c);
  return c;
}

const configMap = (name: string, data: Record<string, string> = { k: "v" }): KubeObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns },
  data,
});

beforeAll(async () => {
  cp = await getControlPlane();
  proxy = await startFaultProxy(cp.kubeconfig);
  ns = await cp.newNamespace("faults");
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await proxy?.close();
});

describe("retries", () => {
  test("500 then 503 on a read: retried with backoff, then succeeds", async () => {
    const m = new RequestCounter();
    const c = client(m);
    await c.apply(configMap("r1"));
    proxy.inject({ match: { method: "GET", path: /\/configmaps\/r1$/ }, times: 1, action: { kind: "status", status: 500 } });
    proxy.inject({ match: { method: "GET", path: /\/configmaps\/r1$/ }, times: 1, action: { kind: "status", status: 503 } });
    m.reset();
    const got = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "r1" });
    expect(got?.["data"]).toEqual({ k: "v" });
    expect(m.snapshot()).toMatchObject({ reads: 3, retries: 2, failures: 2 });
  });

  test("429 with Retry-After is honoured", async () => {
    const m = new RequestCounter();
    const c = client(m);
    proxy.inject({ match: { method: "PATCH", path: /\/configmaps\/r2$/ }, times: 1, action: { kind: "status", status: 429, retryAfterSeconds: 1 } });
    const t0 = Date.now();
    await c.apply(configMap("r2"));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(m.snapshot()).toMatchObject({ writes: 2, retries: 1 });
  });

  test("dropped connections on apply: SSA is idempotent, so the retry is safe", async () => {
    const m = new RequestCounter();
    const c = client(m);
    proxy.inject({ match: { method: "PATCH", path: /\/configmaps\/r3$/ }, times: 2, action: { kind: "drop" } });
    const out = await c.apply(configMap("r3", { a: "1" }));
    expect(out.metadata.name).toBe("r3");
    expect(m.snapshot()).toMatchObject({ writes: 3, retries: 2, failures: 2 });
    const direct = await kube(cp.kc).get("v1", "ConfigMap", ns, "r3");
    expect(direct?.["data"]).toEqual({ a: "1" });
  });

  test("a hung request trips the per-request timeout and is retried", async () => {
    const m = new RequestCounter();
    const c = client(m, { requestTimeoutMs: 300 });
    await c.apply(configMap("r4"));
    proxy.inject({ match: { method: "GET", path: /\/configmaps\/r4$/ }, times: 1, action: { kind: "delay", ms: 2_000 } });
    m.reset();
    const t0 = Date.now();
    const got = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "r4" });
    expect(got?.metadata.name).toBe("r4");
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(m.snapshot()).toMatchObject({ reads: 2, retries: 1 });
  });

  test("client errors are not retried", async () => {
    const m = new RequestCounter();
    const c = client(m);
    proxy.inject({ match: { method: "GET", path: /\/configmaps\/r5$/ }, times: 1, action: { kind: "status", status: 403, message: 'configmaps "r5" is forbidden' } });
    await c.resolve("v1", "ConfigMap");
    m.reset();
    const err = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "r5" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).code).toBe(403);
    expect((err as KubeApiError).message).toBe(`get ConfigMap ${ns}/r5: configmaps "r5" is forbidden (HTTP 403 Forbidden)`);
    expect(m.snapshot()).toMatchObject({ reads: 1, retries: 0 });
  });
});

describe("deadlines and cancellation", () => {
  test("persistent 503 ends at the operation deadline with the last error", async () => {
    const m = new RequestCounter();
    const c = client(m, { retry: { maxAttempts: 100, initialDelayMs: 100, maxDelayMs: 200, multiplier: 2, jitter: 0 } });
    await c.resolve("v1", "ConfigMap");
    const rule = proxy.inject({ match: { path: /\/configmaps\/r6$/ }, action: { kind: "status", status: 503, message: "etcdserver: leader changed" } });
    try {
      const t0 = Date.now();
      const err = await c.apply(configMap("r6"), { timeoutMs: 1_000 }).catch((e: unknown) => e);
      const took = Date.now() - t0;
      expect(err).toBeInstanceOf(DeadlineExceededError);
      const d = err as DeadlineExceededError;
      expect(d.attempts).toBeGreaterThanOrEqual(4);
      expect(d.lastError).toBeInstanceOf(KubeApiError);
      expect(d.message).toContain("etcdserver: leader changed (HTTP 503 ServiceUnavailable)");
      expect(took).toBeLessThan(1_300);
    } finally {
      rule.remove();
    }
  });

  test("AbortSignal.timeout acts as a deadline; a plain abort is a cancellation", async () => {
    const c = client(new RequestCounter(), { retry: { maxAttempts: 100, initialDelayMs: 100, maxDelayMs: 200, multiplier: 2, jitter: 0 } });
    await c.resolve("v1", "ConfigMap");
    const rule = proxy.inject({ match: { path: /\/configmaps\/r7$/ }, action: { kind: "status", status: 500 } });
    try {
      const e1 = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "r7" }, { signal: AbortSignal.timeout(500) }).catch((e: unknown) => e);
      expect(e1).toBeInstanceOf(DeadlineExceededError);
      const ctl = new AbortController();
      setTimeout(() => ctl.abort(new Error("user pressed ^C")), 300);
      const t0 = Date.now();
      const e2 = await c.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "r7" }, { signal: ctl.signal }).catch((e: unknown) => e);
      expect(e2).toBeInstanceOf(AbortedError);
      expect((e2 as AbortedError).message).toBe(`get ConfigMap ${ns}/r7: aborted (user pressed ^C)`);
      expect(Date.now() - t0).toBeLessThan(600);
    } finally {
      rule.remove();
    }
  });
});

describe("watch recovery", () => {
  const gatewayOf = (name: string): KubeObject => ({
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name, namespace: ns },
    spec: { gatewayClassName: "eg", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] },
  });
  const readyStatus = (generation: number) => ({
    conditions: ["Accepted", "Programmed"].map((type) => ({ type, status: "True", reason: type, message: "ok", observedGeneration: generation, lastTransitionTime: "2026-11-27T10:00:00Z" })),
    listeners: [{
      name: "http", attachedRoutes: 0, supportedKinds: [],
      conditions: ["Accepted", "Programmed", "ResolvedRefs"].map((type) => ({ type, status: "True", reason: type, message: "ok", observedGeneration: generation, lastTransitionTime: "2026-11-27T10:00:00Z" })),
    }],
  });

  test("a watch connection cut mid-stream is resumed; the waiter still sees the status", async () => {
    const m = new RequestCounter();
    const c = client(m);
    const gw = await c.apply(gatewayOf("cut"));
    // The first watch stream dies after 300 ms; the status is written after that.
    proxy.inject({ match: { watch: true, path: /\/gateways$/ }, times: 1, action: { kind: "cutAfter", ms: 300 } });
    const p = awaitReady([gw], { client: c, timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 800));
    await kube(cp.kc).patchStatus("gateway.networking.k8s.io/v1", "Gateway", ns, "cut", readyStatus(gw.metadata.generation ?? 1));
    const r = await p;
    expect(r.status).toBe("ready");
    expect(m.snapshot().watches).toBeGreaterThanOrEqual(2);
    expect(proxy.log.filter((l) => l.watch && l.path.endsWith("/gateways") && l.outcome === "cut").length).toBeGreaterThanOrEqual(1);
  });

  test("410 Expired on a watch makes the reflector re-list and carry on", async () => {
    const c = client(new RequestCounter());
    await c.apply(configMap("w1"));
    proxy.inject({
      match: { watch: true, path: /\/configmaps$/ },
      times: 1,
      action: { kind: "watchEvents", events: [{ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", message: "too old resource version: 1 (2)", reason: "Expired", code: 410 } }] },
    });
    const seen: string[] = [];
    let resolveSeen: () => void = () => undefined;
    const sawUpdate = new Promise<void>((r) => (resolveSeen = r));
    const refl = c.reflect(c.nameQuery({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "w1" }), {
      onChange: (type, o) => {
        seen.push(`${type}:${JSON.stringify(o["data"])}`);
        if ((o["data"] as Record<string, string> | undefined)?.["k"] === "v2") resolveSeen();
      },
    });
    try {
      await new Promise((r) => setTimeout(r, 500));
      await c.apply(configMap("w1", { k: "v2" }));
      await sawUpdate;
      expect(refl.stats().expired).toBe(1);
      expect(refl.stats().lists).toBeGreaterThanOrEqual(2);
      expect(seen[0]).toBe('ADDED:{"k":"v"}');
      expect(seen.at(-1)).toBe('MODIFIED:{"k":"v2"}');
    } finally {
      refl.stop();
    }
  });

  test("all connections dropped at once (apiserver restart-like): watches reconnect", async () => {
    const c = client(new RequestCounter());
    await c.apply(configMap("w2"));
    let resolveSeen: () => void = () => undefined;
    const sawUpdate = new Promise<void>((r) => (resolveSeen = r));
    const refl = c.reflect(c.nameQuery({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "w2" }), {
      onChange: (_t, o) => {
        if ((o["data"] as Record<string, string> | undefined)?.["k"] === "after-drop") resolveSeen();
      },
    });
    try {
      await new Promise((r) => setTimeout(r, 400));
      proxy.dropAllConnections();
      await new Promise((r) => setTimeout(r, 100));
      // Written around the proxy, by another field manager.
      const direct = createKubeClient({ kubeconfig: cp.kubeconfig }, { fieldManager: "someone-else", force: true });
      clients.push(direct);
      await direct.apply(configMap("w2", { k: "after-drop" }));
      await sawUpdate;
      expect(refl.stats().reconnects).toBeGreaterThanOrEqual(1);
    } finally {
      refl.stop();
    }
  });

  test("deleteAndWait: a same-named object re-created while the watch was down is not the deleted one", async () => {
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "recreated" };
    const direct = createKubeClient({ kubeconfig: cp.kubeconfig }, { fieldManager: "pulumi-datum" });
    clients.push(direct);
    const cm = (finalizers: string[]): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "recreated", namespace: ns, finalizers } });
    await direct.apply(cm(["example.com/hold"]));
    const c = client(new RequestCounter());
    const waiting = c.deleteAndWait(ref, { timeoutMs: 15_000 }).then(() => "gone", (e: unknown) => String(e));
    await new Promise((r) => setTimeout(r, 400)); // watch is open now
    // Take the watch down; its resume gets 410 and the re-list is held back until the
    // object has been released and re-created under the same name.
    proxy.inject({ match: { watch: true, path: /\/configmaps$/ }, times: 1, action: { kind: "watchEvents", events: [{ type: "ERROR", object: { kind: "Status", status: "Failure", reason: "Expired", message: "too old resource version", code: 410 } }] } });
    proxy.inject({ match: { method: "GET", watch: false, path: /\/configmaps$/ }, times: 1, action: { kind: "delay", ms: 1_000 } });
    proxy.dropAllConnections();
    await direct.apply(cm([]));
    const recreated = await direct.apply(cm([]));
    expect(await waiting).toBe("gone");
    expect((await direct.get(ref))?.metadata.uid).toBe(recreated.metadata.uid);
  });
});
