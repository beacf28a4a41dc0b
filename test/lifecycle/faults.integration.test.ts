// The engine under network and API server faults: test/faults/proxy.ts sits between the engine's
// client and a real kube-apiserver (the real Envoy Gateway and cert-manager write every status:
// test/infra/controllers.ts; they talk to the API server directly) and injects 500/503/429
// answers, 409 conflicts, dropped connections, lost answers to committed writes, and a real
// apiserver restart (same port, same etcd) in the middle of a create. After every fault:
//   * no orphans: every object labelled with the source is in the returned (partial) state's
//     `downstream`, so the next `up`, which starts from that state, can see and prune it;
//   * the next apply (an update from that state) converges to ready with exactly the rendered set.
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, request } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, PartialFailureError, resolveEngineSettings, type DownstreamRef, type ResourceLifecycle, type ResourceState } from "../../provider/lifecycle/index.ts";
import { DOWNSTREAM_KINDS, refKey } from "../../provider/lifecycle/downstream.ts";
import { sourceSelector } from "../../provider/core/render/index.ts";
import { countsSince, createKubeClient, RequestCounter, type KubeClient } from "../../provider/kube/index.ts";
import type { ControlPlane } from "../infra/controlplane.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import { startFaultProxy, type FaultProxy } from "../faults/proxy.ts";

const TOKEN = "datum:networking:HTTPProxy";
const CLAIMS_NAMESPACE = "datum-downstream-gateway-hostnames";

let rc: Controllers;
let cp: ControlPlane;
let admin: KubeClient;
let proxy: FaultProxy;
let loser: AnswerLoser;

beforeAll(async () => {
  rc = await getControllers();
  cp = rc.cp;
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
  proxy = await startFaultProxy(cp.kubeconfig);
  loser = await startAnswerLoser(proxy);
  // The hostname claims' namespace exists beforehand, so writes per create are exactly counted.
  await admin.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: CLAIMS_NAMESPACE } });
}, 240_000);

afterAll(async () => {
  await admin?.close();
  await loser?.close();
  await proxy?.close();
  await rc?.stop();
});

/**
 * A hop in front of the fault proxy that forwards a matching request, lets the API server commit
 * it, and then drops the client's connection instead of answering: the write happened, the
 * client cannot know. Everything else passes through untouched (watches stream).
 */
interface AnswerLoser {
  readonly kubeconfig: string;
  /** Loses the answer to the next matching request, then calls `after` (before the client notices). */
  loseAnswer(match: { method: string; path: RegExp }, after?: () => void): void;
  readonly lost: string[];
  close(): Promise<void>;
}

async function startAnswerLoser(next: FaultProxy): Promise<AnswerLoser> {
  const upstream = new URL(next.url);
  const rules: { method: string; path: RegExp; left: number; after?: () => void }[] = [];
  const lost: string[] = [];
  const sockets = new Set<Socket>();
  // TLS like the proxy behind it (same certificate, so the kubeconfig's CA still fits).
  const server = createServer({ cert: next.tls.cert, key: next.tls.key }, (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://hop").pathname;
    const rule = rules.find((r) => r.left > 0 && r.method === req.method && r.path.test(path));
    if (rule) rule.left--;
    const up = request({ hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers, ca: next.tls.ca }, (upRes) => {
      if (rule) {
        upRes.resume();
        upRes.on("end", () => {
          lost.push(`${req.method} ${path} -> ${upRes.statusCode}`);
          rule.after?.();
          req.socket.destroy();
        });
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on("error", () => req.socket.destroy());
    req.pipe(up);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    kubeconfig: next.kubeconfig.replace(next.url, url),
    lost,
    loseAnswer(match, after) {
      rules.push({ ...match, left: 1, ...(after ? { after } : {}) });
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function engineThrough(kubeconfig: string) {
  const s = resolveEngineSettings({ kubeconfig, timeoutSeconds: 60, guardrails: { gateway: { disableHostnameVerification: true } } });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const metrics = new RequestCounter();
  const { engine, byToken } = lifecycles(s.settings, { metrics });
  return { engine, metrics, lc: byToken.get(TOKEN) as ResourceLifecycle };
}

/** Three rules: an HTTPS FQDN backend (Service, EndpointSlice, BackendTLSPolicy), a redirect, an HTTP IP backend. */
function proxyInputs(ns: string, name: string, rules = 3) {
  const all = [
    { name: "api", matches: [{ path: { type: "PathPrefix", value: "/api" } }], backends: [{ endpoint: "https://api.example.com" }] },
    { name: "old", matches: [{ path: { type: "PathPrefix", value: "/old" } }], filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "new.example.com", statusCode: 301 } }] },
    { name: "web", backends: [{ endpoint: "http://203.0.113.7:8080" }] },
  ];
  // `<name>.example.com`: every test's name differs, so the merged Gateways never share a hostname.
  return { metadata: { name, namespace: ns }, spec: { hostnames: [`${name}.example.com`], rules: all.slice(0, rules) } };
}

/** Every object in the cluster labelled as rendered from HTTPProxy ns/name, as refKeys. */
async function labelled(ns: string, name: string): Promise<string[]> {
  const selector = sourceSelector({ kind: "HTTPProxy", namespace: ns, name });
  const out: string[] = [];
  for (const k of DOWNSTREAM_KINDS) {
    const list = await admin.list({ apiVersion: k.apiVersion, kind: k.kind, namespace: ns, labelSelector: selector });
    for (const o of list.items) out.push(refKey({ apiVersion: k.apiVersion, kind: k.kind, namespace: ns, name: o.metadata.name }));
  }
  return out.sort();
}

function refsIn(state: ResourceState): string[] {
  const d = state["downstream"];
  expect(Array.isArray(d), "state.downstream is a list").toBe(true);
  return (d as DownstreamRef[]).map(refKey).sort();
}

/** Hostnames claimed for HTTPProxy ns/name (data.owner is `<owner id>/<namespace>/<name>`). */
async function claimsOf(ns: string, name: string): Promise<string[]> {
  const list = await admin.list({ apiVersion: "v1", kind: "ConfigMap", namespace: CLAIMS_NAMESPACE });
  return list.items.filter((o) => String((o["data"] as Record<string, unknown> | undefined)?.["owner"] ?? "").endsWith(`/${ns}/${name}`)).map((o) => o.metadata.name).sort();
}

function hostnamesIn(state: ResourceState): string[] {
  const spec = state["spec"] as { hostnames?: string[] } | undefined;
  return [...(spec?.hostnames ?? [])].sort();
}

/**
 * No orphans: whatever exists is known to the state that Pulumi keeps, and every hostname claim
 * is for a hostname of that state (its delete, or the next update, releases it).
 */
async function expectNoOrphans(ns: string, name: string, state: ResourceState): Promise<string[]> {
  const inCluster = await labelled(ns, name);
  const known = new Set(refsIn(state));
  expect(inCluster.filter((k) => !known.has(k)), "objects in the cluster that the state does not name").toEqual([]);
  const hostnames = new Set(hostnamesIn(state));
  expect((await claimsOf(ns, name)).filter((h) => !hostnames.has(h)), "claims the state does not name").toEqual([]);
  return inCluster;
}

async function partialOf(p: Promise<unknown>): Promise<PartialFailureError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PartialFailureError);
  return err as PartialFailureError;
}

/** The next `up`: an update from the (partial) state with the same inputs converges to exactly the render. */
async function expectConverges(lc: ResourceLifecycle, ns: string, name: string, state: ResourceState, inputs: Record<string, unknown>): Promise<ResourceState> {
  const { outputs } = await lc.update(`${ns}/${name}`, state, inputs, { preview: false });
  expect(outputs["ready"]).toBe(true);
  expect(await labelled(ns, name)).toEqual(refsIn(outputs));
  expect(await claimsOf(ns, name)).toEqual(hostnamesIn(outputs));
  return outputs;
}

async function checked(lc: ResourceLifecycle, ns: string, name: string, rules = 3): Promise<Record<string, unknown>> {
  const c = await lc.check(undefined, proxyInputs(ns, name, rules), { urnName: name });
  expect(c.failures).toEqual([]);
  return c.inputs;
}

describe("transient faults are retried inside the operation", () => {
  test("500 and 503 on writes part-way: the create completes, one extra write per retry, nothing extra exists", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, metrics, lc } = engineThrough(proxy.kubeconfig);
    const inputs = await checked(lc, ns, "retry");
    const r1 = proxy.inject({ match: { method: "PATCH", path: new RegExp(`/namespaces/${ns}/httproutes/retry$`) }, times: 2, action: { kind: "status", status: 500 } });
    const r2 = proxy.inject({ match: { method: "PATCH", path: new RegExp(`/namespaces/${ns}/gateways/retry$`) }, times: 1, action: { kind: "status", status: 503 } });
    try {
      const before = metrics.snapshot();
      const created = await lc.create(inputs, { preview: false });
      const cost = countsSince(before, metrics.snapshot());
      expect(created.outputs["ready"]).toBe(true);
      expect(r1.remaining() + r2.remaining()).toBe(0);
      // One write per downstream object, the claim of retry.example.com, and the three retried writes.
      expect(cost.writes).toBe(refsIn(created.outputs).length + 1 + 3);
      expect(cost.retries).toBeGreaterThanOrEqual(3);
      expect(await labelled(ns, "retry")).toEqual(refsIn(created.outputs));
    } finally {
      r1.remove();
      r2.remove();
      await engine.close();
    }
  });

  test("429 with Retry-After on an apply is honoured, then the create completes", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(proxy.kubeconfig);
    const inputs = await checked(lc, ns, "slow");
    const rule = proxy.inject({ match: { method: "PATCH", path: new RegExp(`/namespaces/${ns}/certificates/`) }, times: 1, action: { kind: "status", status: 429, retryAfterSeconds: 1 } });
    try {
      const t0 = Date.now();
      const created = await lc.create(inputs, { preview: false });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      expect(rule.remaining()).toBe(0);
      expect(created.outputs["ready"]).toBe(true);
      expect(await labelled(ns, "slow")).toEqual(refsIn(created.outputs));
    } finally {
      rule.remove();
      await engine.close();
    }
  });

  test("dropped connections on applies and on the readiness watches: retried, the create completes", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(proxy.kubeconfig);
    // Envoy Gateway programs the Gateway only after cert-manager has issued its listener
    // certificates (the HTTPS listeners wait for their Secrets), so the Gateway is not ready when
    // applied and readiness has to come through the (dropped) watches.
    const inputs = await checked(lc, ns, "drop");
    const writes = proxy.inject({ match: { method: "PATCH", path: new RegExp(`/namespaces/${ns}/(services|endpointslices)/`) }, times: 3, action: { kind: "drop" } });
    const watches = proxy.inject({ match: { watch: true, path: new RegExp(`/namespaces/${ns}/gateways$`) }, times: 2, action: { kind: "drop" } });
    try {
      const created = await lc.create(inputs, { preview: false });
      expect(writes.remaining()).toBe(0);
      expect(watches.remaining()).toBe(0);
      expect(created.outputs["ready"]).toBe(true);
      expect(await labelled(ns, "drop")).toEqual(refsIn(created.outputs));
    } finally {
      writes.remove();
      watches.remove();
      await engine.close();
    }
  });
});

describe("faults that outlast the operation: partial state, no orphans, the next apply converges", () => {
  test("409 Conflict on the HTTPRoute (not retried): the objects applied before it are in the partial state", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(proxy.kubeconfig);
    const inputs = await checked(lc, ns, "conflict");
    const rule = proxy.inject({
      match: { method: "PATCH", path: new RegExp(`/namespaces/${ns}/httproutes/conflict$`) },
      times: 1,
      action: { kind: "status", status: 409, message: 'Apply failed with 1 conflict: conflict with "kubectl-edit": .spec.rules' },
    });
    try {
      const err = await partialOf(lc.create(inputs, { preview: false }));
      expect(err.id).toBe(`${ns}/conflict`);
      expect(err.message).toMatch(/applying HTTPRoute .*conflict.*Apply failed with 1 conflict/);
      expect(err.outputs["ready"]).toBe(false);
      const existing = await expectNoOrphans(ns, "conflict", err.outputs);
      expect(existing.some((k) => k.includes("|Gateway|"))).toBe(true);
      expect(existing.some((k) => k.includes("|HTTPRoute|"))).toBe(false);
      await expectConverges(lc, ns, "conflict", err.outputs, inputs);
    } finally {
      rule.remove();
      await engine.close();
    }
  });

  test("connections dropped until the deadline: partial state, then the next apply converges", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(proxy.kubeconfig);
    const inputs = await checked(lc, ns, "cut");
    const rule = proxy.inject({ match: { method: "PATCH", path: new RegExp(`/namespaces/${ns}/httproutes/`) }, action: { kind: "drop" } });
    let err: PartialFailureError;
    try {
      err = await partialOf(lc.create(inputs, { preview: false, signal: AbortSignal.timeout(2_500) }));
      expect(err.message).toMatch(/deadline exceeded/);
    } finally {
      rule.remove();
    }
    await expectNoOrphans(ns, "cut", err.outputs);
    await expectConverges(lc, ns, "cut", err.outputs, inputs);
    await engine.close();
  });

  test("a committed write whose answer is lost, then 500s until the deadline: the object is in the partial state", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(loser.kubeconfig);
    const inputs = await checked(lc, ns, "lost");
    const route = new RegExp(`/namespaces/${ns}/httproutes/lost$`);
    let rule: { remove(): void } | undefined;
    loser.loseAnswer({ method: "PATCH", path: route }, () => {
      rule = proxy.inject({ match: { method: "PATCH", path: route }, action: { kind: "status", status: 500, message: "etcdserver: request timed out" } });
    });
    let err: PartialFailureError;
    try {
      err = await partialOf(lc.create(inputs, { preview: false, signal: AbortSignal.timeout(2_500) }));
    } finally {
      rule?.remove();
    }
    expect(loser.lost).toEqual(expect.arrayContaining([expect.stringMatching(/^PATCH .*httproutes\/lost -> 20[01]$/)]));
    const existing = await expectNoOrphans(ns, "lost", err.outputs);
    expect(existing.some((k) => k.includes("|HTTPRoute|"))).toBe(true);
    await expectConverges(lc, ns, "lost", err.outputs, inputs);
    await engine.close();
  });

  test("an update that fails part-way keeps the objects it has not pruned yet in state; the next apply prunes them", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(proxy.kubeconfig);
    const full = await checked(lc, ns, "shrink");
    const created = await lc.create(full, { preview: false });
    const smaller = await checked(lc, ns, "shrink", 2);
    const rule = proxy.inject({ match: { method: "PATCH", path: new RegExp(`/namespaces/${ns}/httproutes/shrink$`) }, action: { kind: "status", status: 503 } });
    let err: PartialFailureError;
    try {
      err = await partialOf(lc.update(`${ns}/shrink`, created.outputs, smaller, { preview: false, signal: AbortSignal.timeout(2_500) }));
    } finally {
      rule.remove();
    }
    const existing = await expectNoOrphans(ns, "shrink", err.outputs);
    expect(existing.filter((k) => k.includes("|Service|"))).toHaveLength(2); // rule "web" not pruned yet
    const after = await expectConverges(lc, ns, "shrink", err.outputs, smaller);
    expect(refsIn(after).filter((k) => k.includes("|Service|"))).toHaveLength(1);
    await engine.close();
  });

  test("a prune that fails part-way keeps the objects not yet deleted in state; the next apply deletes them", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(proxy.kubeconfig);
    const full = await checked(lc, ns, "prune");
    const created = await lc.create(full, { preview: false });
    const smaller = await checked(lc, ns, "prune", 2);
    const rule = proxy.inject({ match: { method: "DELETE", path: new RegExp(`/namespaces/${ns}/services/`) }, action: { kind: "status", status: 500 } });
    let err: PartialFailureError;
    try {
      err = await partialOf(lc.update(`${ns}/prune`, created.outputs, smaller, { preview: false, signal: AbortSignal.timeout(2_500) }));
      expect(err.message).toMatch(/removing objects the new configuration no longer has failed/);
    } finally {
      rule.remove();
    }
    const existing = await expectNoOrphans(ns, "prune", err.outputs);
    expect(existing.filter((k) => k.includes("|Service|"))).toHaveLength(2);
    const after = await expectConverges(lc, ns, "prune", err.outputs, smaller);
    expect(refsIn(after).filter((k) => k.includes("|Service|"))).toHaveLength(1);
    await engine.close();
  });
});

describe("hostname claims under faults", () => {
  test("a delete that fails part-way keeps the claim (the Gateway may still serve it); the next delete releases it", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(proxy.kubeconfig);
    const created = await lc.create(await checked(lc, ns, "gone"), { preview: false });
    expect(await claimsOf(ns, "gone")).toEqual([`gone.example.com`]);
    const rule = proxy.inject({ match: { method: "DELETE", path: new RegExp(`/namespaces/${ns}/gateways/gone$`) }, action: { kind: "status", status: 500 } });
    try {
      await expect(lc.delete(`${ns}/gone`, created.outputs, { preview: false, signal: AbortSignal.timeout(2_500) })).rejects.toThrow();
    } finally {
      rule.remove();
    }
    expect((await labelled(ns, "gone")).some((k) => k.includes("|Gateway|"))).toBe(true);
    expect(await claimsOf(ns, "gone")).toEqual([`gone.example.com`]);
    await lc.delete(`${ns}/gone`, created.outputs, { preview: false });
    expect(await labelled(ns, "gone")).toEqual([]);
    expect(await claimsOf(ns, "gone")).toEqual([]);
    await engine.close();
  });

  test("a claim write that fails: nothing is written, and the next create claims and converges", async () => {
    const ns = await cp.newNamespace("flt");
    const { engine, lc } = engineThrough(proxy.kubeconfig);
    const inputs = await checked(lc, ns, "claim");
    const rule = proxy.inject({ match: { method: "PATCH", path: new RegExp(`/namespaces/${CLAIMS_NAMESPACE}/configmaps/claim\\.example\\.com$`) }, action: { kind: "status", status: 500 } });
    try {
      await expect(lc.create(inputs, { preview: false, signal: AbortSignal.timeout(2_500) })).rejects.toThrow();
    } finally {
      rule.remove();
    }
    expect(await labelled(ns, "claim")).toEqual([]);
    expect(await claimsOf(ns, "claim")).toEqual([]);
    const created = await lc.create(inputs, { preview: false });
    expect(await claimsOf(ns, "claim")).toEqual(["claim.example.com"]);
    await lc.delete(created.id, created.outputs, { preview: false });
    expect(await claimsOf(ns, "claim")).toEqual([]);
    await engine.close();
  });
});

describe("kube-apiserver restart (same port, same etcd) in the middle of a create", () => {
  /**
   * Holds the Gateway apply in the proxy while the apiserver goes down, so the restart lands
   * part-way: the claim, Services and EndpointSlices are written, the rest is not. Envoy Gateway
   * and cert-manager ride out the same outage (their watches reconnect, failed writes requeue),
   * so the objects written after it still become ready. The engine's retries and watches are
   * what is under test here.
   */
  async function restartDuringCreate(name: string, downMs: number, signal?: AbortSignal) {
    const ns = await cp.newNamespace("rst");
    const { engine, metrics, lc } = engineThrough(proxy.kubeconfig);
    const inputs = await checked(lc, ns, name);
    const hold = proxy.inject({ match: { method: "PATCH", path: new RegExp(`/namespaces/${ns}/gateways/${name}$`) }, times: 1, action: { kind: "delay", ms: 1_000 } });
    const pidBefore = cp.pids.apiserver;
    const outcome = lc.create(inputs, { preview: false, ...(signal ? { signal } : {}) }).then(
      (r) => ({ ok: true as const, outputs: r.outputs }),
      (e: unknown) => ({ ok: false as const, error: e }),
    );
    // Wait until the proxy holds the Gateway apply: the objects before it are written.
    for (let i = 0; i < 2_000 && hold.remaining() > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(hold.remaining()).toBe(0);
    const restart = await cp.restartApiserver({ downMs, signal: "SIGKILL" });
    hold.remove();
    expect(cp.pids.apiserver).not.toBe(pidBefore);
    return { ns, engine, metrics, lc, inputs, restart, result: await outcome };
  }

  test("an outage shorter than the retry budget: the create rides it out and is ready", async () => {
    const { ns, engine, metrics, result, restart } = await restartDuringCreate("ride", 0);
    if (!result.ok) throw result.error;
    expect(restart.downMs).toBeGreaterThan(1_000); // a kube-apiserver needs seconds to come back
    expect(result.outputs["ready"]).toBe(true);
    expect(metrics.snapshot().failures).toBeGreaterThan(0);
    expect(await labelled(ns, "ride")).toEqual(refsIn(result.outputs));
    await engine.close();
  }, 120_000);

  test("an outage longer than the operation's deadline: partial state, no orphans, the next apply converges", async () => {
    const { ns, engine, lc, inputs, result } = await restartDuringCreate("outage", 4_000, AbortSignal.timeout(3_000));
    expect(result.ok).toBe(false);
    const err = result.ok ? undefined : result.error;
    expect(err).toBeInstanceOf(PartialFailureError);
    const partial = err as PartialFailureError;
    await expectNoOrphans(ns, "outage", partial.outputs);
    await expectConverges(lc, ns, "outage", partial.outputs, inputs);
    await engine.close();
  }, 120_000);
});
