// provider/kube against a real kube-apiserver (test/infra/controlplane.ts): kubeconfig sources,
// SSA and its dry run, field-manager conflicts, reads, label-selected lists, delete with
// wait-until-gone, watches from a resourceVersion, and request accounting.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  AbortedError,
  createKubeClient,
  DeadlineExceededError,
  isRetryable,
  KubeApiError,
  KubeConfigError,
  loadKubeConfig,
  RequestCounter,
  type KubeClient,
  type KubeObject,
  type WatchEvent,
} from "../../provider/kube/index.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";

let cp: ControlPlane;
let ns: string;
let metrics: RequestCounter;
let c: KubeClient;
const clients: KubeClient[] = [];

const SOURCE = { "pulumi-datum.io/source-kind": "HTTPProxy", "pulumi-datum.io/source-namespace": "tenant", "pulumi-datum.io/source-name": "shop" };

function gateway(name: string, extra: Partial<KubeObject["metadata"]> = {}, port = 80): KubeObject {
  return {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "Gateway",
    metadata: { name, namespace: ns, ...extra },
    spec: { gatewayClassName: "eg", listeners: [{ name: "http", port, protocol: "HTTP" }] },
  };
}

function newClient(opts: Parameters<typeof createKubeClient>[1] = {}): KubeClient {
  const k = createKubeClient({ kubeconfig: cp.kubeconfig }, opts);
  clients.push(k);
  return k;
}

beforeAll(async () => {
  cp = await getControlPlane();
  ns = await cp.newNamespace("kube");
  metrics = new RequestCounter(200);
  c = newClient({ metrics });
});

afterAll(async () => {
  for (const k of clients) await k.close();
});

describe("kubeconfig sources", () => {
  test("inline contents, a path, and an explicit context all reach the same server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kc-"));
    // A second, broken context first: selecting the good one by name must work.
    const twoContexts = cp.kubeconfig
      .replace("current-context: local", "current-context: broken")
      .replace("contexts:\n", "contexts:\n- name: broken\n  context: {cluster: local, user: nobody}\n");
    const path = join(dir, "config");
    writeFileSync(path, twoContexts);
    const viaPath = loadKubeConfig({ kubeconfig: path, context: "local" });
    const viaInline = loadKubeConfig({ kubeconfig: cp.kubeconfig });
    const viaExplicitPath = loadKubeConfig({ kubeconfigPath: cp.kubeconfigPath });
    expect(viaPath.server).toBe(cp.server);
    expect(viaInline.server).toBe(cp.server);
    expect(viaExplicitPath.contextName).toBe("local");
    expect(viaInline.defaultNamespace).toBe("default");
    const k = createKubeClient(viaPath);
    clients.push(k);
    expect((await k.get({ apiVersion: "v1", kind: "Namespace", name: ns }))?.metadata.name).toBe(ns);
  });

  test("clear errors for a missing file, an unknown context and a dangling user", () => {
    expect(() => loadKubeConfig({ kubeconfig: "/nonexistent/kubeconfig" })).toThrow(new KubeConfigError("kubeconfig file /nonexistent/kubeconfig does not exist"));
    expect(() => loadKubeConfig({ kubeconfig: cp.kubeconfig, context: "prod" })).toThrow(new KubeConfigError('inline kubeconfig has no context "prod" (contexts: local)'));
    const dangling = cp.kubeconfig.replace("current-context: local", "current-context: broken").replace("contexts:\n", "contexts:\n- name: broken\n  context: {cluster: local, user: nobody}\n");
    expect(() => loadKubeConfig({ kubeconfig: dangling })).toThrow(/context "broken" refers to user "nobody", which is not defined/);
  });
});

describe("server-side apply", () => {
  test("create is one write (plus one discovery read per group-version), with our field manager", async () => {
    const fresh = new RequestCounter(20);
    const k = newClient({ metrics: fresh, fieldManager: "pulumi-datum-test" });
    const out = await k.apply(gateway("ssa-create"));
    expect(fresh.snapshot()).toMatchObject({ writes: 1, reads: 1, dryRuns: 0 });
    const managers = (out.metadata["managedFields"] as { manager: string; operation: string }[]).map((f) => `${f.manager}/${f.operation}`);
    expect(managers).toEqual(["pulumi-datum-test/Apply"]);
    expect(out.metadata.generation).toBe(1);
    // A second object of the same group-version costs exactly one request.
    await k.apply(gateway("ssa-create-2"));
    expect(fresh.snapshot()).toMatchObject({ writes: 2, reads: 1 });
  });

  test("re-applying the same object does not bump the generation", async () => {
    const a = await c.apply(gateway("ssa-idem"));
    const b = await c.apply(gateway("ssa-idem"));
    expect(b.metadata.generation).toBe(a.metadata.generation);
    const d = await c.apply(gateway("ssa-idem", {}, 8080));
    expect(d.metadata.generation).toBe((a.metadata.generation ?? 0) + 1);
  });

  test("fields owned by another manager conflict (409) unless force is configured", async () => {
    const other = newClient({ fieldManager: "kubectl-edit" });
    await other.apply(gateway("ssa-conflict", {}, 8081));
    const err = await c.apply(gateway("ssa-conflict", {}, 9090)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    const e = err as KubeApiError;
    expect(e.code).toBe(409);
    expect(e.reason).toBe("Conflict");
    expect(e.subject).toMatchObject({ kind: "Gateway", namespace: ns, name: "ssa-conflict" });
    expect(e.serverMessage).toContain('conflict with "kubectl-edit"');
    expect(e.causes.some((x) => x.reason === "FieldManagerConflict")).toBe(true);
    const forced = await c.apply(gateway("ssa-conflict", {}, 9090), { force: true });
    expect((forced["spec"] as { listeners: { port: number }[] }).listeners[0]?.port).toBe(9090);
  });

  test("invalid objects come back as 422 with the server's field message", async () => {
    const err = await c.apply(gateway("ssa-invalid", {}, 99999)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    const e = err as KubeApiError;
    expect(e.code).toBe(422);
    expect(e.reason).toBe("Invalid");
    expect(e.causes).toContainEqual(expect.objectContaining({ field: "spec.listeners[0].port" }));
    expect(e.message).toBe(
      `apply Gateway ${ns}/ssa-invalid: Gateway.gateway.networking.k8s.io "ssa-invalid" is invalid: spec.listeners[0].port: Invalid value: 99999: spec.listeners[0].port in body should be less than or equal to 65535 (HTTP 422 Invalid)`,
    );
  });

  test("unknown fields are rejected (fieldValidation=Strict), not silently dropped", async () => {
    const obj = gateway("ssa-strict");
    (obj["spec"] as Record<string, unknown>)["listenrs"] = [];
    const err = await c.apply(obj).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    const e = err as KubeApiError;
    // The API server reports this as HTTP 500; it is deterministic, so it must not be retried.
    expect(e.code).toBe(500);
    expect(e.serverMessage).toMatch(/\.spec\.listenrs: field not declared in schema/);
    expect(isRetryable(e)).toBe(false);
  });

  test("objects without a namespace go to the configured default namespace; cluster-scoped ones have none", async () => {
    const k = newClient({ defaultNamespace: ns });
    const out = await k.apply({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "no-ns" }, data: { a: "b" } });
    expect(out.metadata.namespace).toBe(ns);
    expect((await k.get({ apiVersion: "v1", kind: "ConfigMap", name: "no-ns" }))?.metadata.namespace).toBe(ns);
    const cls = await k.apply({ apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name: `eg-${ns}` }, spec: { controllerName: "gateway.envoyproxy.io/gatewayclass-controller" } });
    expect(cls.metadata.namespace).toBeUndefined();
  });

  test("a namespace that does not exist is an object-level 404, not a missing kind", async () => {
    const obj = { ...gateway("x"), metadata: { name: "x", namespace: "no-such-namespace" } };
    const err = await c.apply(obj).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeApiError);
    expect((err as KubeApiError).message).toContain('namespaces "no-such-namespace" not found');
  });
});

describe("server-side dry run (preview)", () => {
  test("a dry run validates everything and writes nothing", async () => {
    const m = new RequestCounter();
    const k = newClient({ metrics: m });
    const objs: KubeObject[] = [
      gateway("preview-gw", { labels: SOURCE }),
      { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "preview-route", namespace: ns, labels: SOURCE }, spec: { parentRefs: [{ name: "preview-gw" }] } },
      {
        apiVersion: "discovery.k8s.io/v1",
        kind: "EndpointSlice",
        metadata: { name: "preview-0-0", namespace: ns, labels: SOURCE },
        addressType: "FQDN",
        endpoints: [{ addresses: ["api.example.com"] }],
        ports: [{ name: "httpproxy-0-0", port: 443, protocol: "TCP", appProtocol: "https" }],
      },
    ];
    for (const o of objs) {
      const out = await k.dryRunApply(o);
      expect(out.metadata.name).toBe(o.metadata.name);
      expect(out.metadata.uid).toBeDefined();
    }
    expect(m.snapshot()).toMatchObject({ writes: 0, dryRuns: 3 });
    for (const o of objs) expect(await k.get({ apiVersion: o.apiVersion, kind: o.kind, namespace: ns, name: o.metadata.name })).toBeUndefined();
    const bad = await k.dryRunApply(gateway("preview-bad", {}, 0)).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(KubeApiError);
    expect((bad as KubeApiError).code).toBe(422);
    expect(m.snapshot().writes).toBe(0);
  });
});

describe("read, list, delete", () => {
  test("get of a missing object is undefined", async () => {
    expect(await c.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "nope" })).toBeUndefined();
  });

  test("list by the source labels follows pages and fills kind/apiVersion on items", async () => {
    const other = { ...SOURCE, "pulumi-datum.io/source-name": "other" };
    for (let i = 0; i < 5; i++) {
      await c.apply({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: `mine-${i}`, namespace: ns, labels: SOURCE }, addressType: "FQDN", endpoints: [], ports: [] });
    }
    await c.apply({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "not-mine", namespace: ns, labels: other }, addressType: "FQDN", endpoints: [], ports: [] });
    const m = new RequestCounter();
    const k = newClient({ metrics: m });
    const selector = Object.entries(SOURCE).map(([a, b]) => `${a}=${b}`).join(",");
    const list = await k.list({ apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", namespace: ns, labelSelector: selector }, { limit: 2 });
    expect(list.items.map((i) => i.metadata.name).sort()).toEqual(["mine-0", "mine-1", "mine-2", "mine-3", "mine-4"]);
    expect(list.items.every((i) => i.kind === "EndpointSlice" && i.apiVersion === "discovery.k8s.io/v1")).toBe(true);
    expect(list.resourceVersion).toMatch(/^\d+$/);
    expect(m.snapshot().reads).toBe(1 + 3); // discovery + three pages
  });

  test("delete of an absent object is 'absent'; deleteAndWait returns once it is gone", async () => {
    await c.apply(gateway("del-plain"));
    expect(await c.deleteAndWait({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "del-plain" })).toBe("deleted");
    expect(await c.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "del-plain" })).toBeUndefined();
    expect(await c.delete({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "del-plain" })).toBe("absent");
  });

  test("deleteAndWait waits for finalizers, watching rather than polling", async () => {
    const ref = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "del-final" };
    await c.apply(gateway("del-final", { finalizers: ["example.com/hold"] }));
    const m = new RequestCounter();
    const k = newClient({ metrics: m });
    let done = false;
    const p = k.deleteAndWait(ref, { propagationPolicy: "Background" }).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(done).toBe(false);
    const before = m.snapshot();
    // The "controller" releases its finalizer (another field manager owns it).
    const owner = newClient({ fieldManager: "pulumi-datum" });
    await owner.apply({ ...gateway("del-final"), metadata: { name: "del-final", namespace: ns, finalizers: [] } });
    expect(await p).toBe("deleted");
    // 1 s of waiting cost no extra requests: one list + one watch, opened before we slept.
    expect(before.reads).toBeLessThanOrEqual(3);
    expect(before.watches).toBe(1);
  });

  test("deleteAndWait respects its deadline", async () => {
    await c.apply(gateway("del-stuck", { finalizers: ["example.com/hold"] }));
    const ref = { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "del-stuck" };
    const t0 = Date.now();
    const err = await c.deleteAndWait(ref, { timeoutMs: 700 }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as DeadlineExceededError).message).toBe(`delete Gateway ${ns}/del-stuck: deadline exceeded while waiting for finalizers example.com/hold to be removed`);
    await c.apply({ ...gateway("del-stuck"), metadata: { name: "del-stuck", namespace: ns, finalizers: [] } }, { force: true });
  });

});

describe("watch", () => {
  test("from a list's resourceVersion: sees later changes only", async () => {
    await c.apply(gateway("watch-1"));
    const list = await c.list(c.nameQuery({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "watch-1" }));
    const events: WatchEvent[] = [];
    const ctl = new AbortController();
    const w = c.watch(c.nameQuery({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "watch-1" }), (e) => {
      events.push(e);
      if (e.type === "DELETED") ctl.abort();
    }, { resourceVersion: list.resourceVersion, signal: ctl.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await c.apply(gateway("watch-1", {}, 8080));
    await c.delete({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "watch-1" });
    expect(await w).toBeInstanceOf(AbortedError);
    expect(events.filter((e) => e.type !== "BOOKMARK").map((e) => e.type)).toEqual(["MODIFIED", "DELETED"]);
  });

  test("a resourceVersion older than the watch cache answers 410, reported as expired", async () => {
    const end = await c.watch({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns }, () => undefined, { resourceVersion: "1" });
    expect(end.reason).toBe("expired");
  });
});
