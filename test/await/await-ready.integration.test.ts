// awaitReady against a real kube-apiserver, with the test/infra status actors playing Envoy
// Gateway and cert-manager by writing /status. Also measures how long the waiter takes to
// notice a status write (printed; the bound asserted is deliberately loose).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { awaitReady, type ProgressEvent } from "../../provider/await/index.ts";
import { countsSince, createKubeClient, RequestCounter, type KubeClient, type KubeObject } from "../../provider/kube/index.ts";
import { startActors, type ActorGroup } from "../infra/actors/index.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { kube } from "../infra/kube.ts";

let cp: ControlPlane;
let ns: string;
let actors: ActorGroup;
let metrics: RequestCounter;
let c: KubeClient;

const GW = "gateway.networking.k8s.io/v1";
const EG = "gateway.envoyproxy.io/v1alpha1";
const MODE = "test.datum.net/actor-mode";
const DELAY = "test.datum.net/actor-delay-ms";

function annotated(mode?: string, delayMs?: number, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(mode ? { [MODE]: mode } : {}), ...(delayMs ? { [DELAY]: String(delayMs) } : {}), ...extra };
}

function stack(name: string, modes: Partial<Record<"gateway" | "route" | "cert" | "policy", string>> = {}, delayMs = 150): KubeObject[] {
  return [
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${name}-0-0`, namespace: ns },
      addressType: "FQDN",
      endpoints: [{ addresses: ["api.example.com"], conditions: { ready: true, serving: true, terminating: false } }],
      ports: [{ name: "httpproxy-0-0", port: 443, protocol: "TCP", appProtocol: "https" }],
    },
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: `${name}-https`, namespace: ns, annotations: annotated(modes.cert, delayMs) },
      spec: { secretName: `${name}-tls`, dnsNames: [`${name}.example.com`], issuerRef: { name: "letsencrypt", kind: "ClusterIssuer" } },
    },
    {
      apiVersion: GW,
      kind: "Gateway",
      metadata: { name, namespace: ns, annotations: annotated(modes.gateway, delayMs) },
      spec: {
        gatewayClassName: "eg",
        listeners: [
          { name: "http", port: 80, protocol: "HTTP" },
          { name: "https", port: 443, protocol: "HTTPS", hostname: `${name}.example.com`, tls: { mode: "Terminate", certificateRefs: [{ name: `${name}-tls` }] } },
        ],
      },
    },
    {
      apiVersion: GW,
      kind: "HTTPRoute",
      metadata: { name, namespace: ns, annotations: annotated(modes.route, delayMs) },
      spec: {
        parentRefs: [{ name }],
        rules: [{ backendRefs: [{ group: "discovery.k8s.io", kind: "EndpointSlice", name: `${name}-0-0`, port: 443 }] }],
      },
    },
    {
      apiVersion: EG,
      kind: "BackendTrafficPolicy",
      metadata: { name: `${name}-timeouts`, namespace: ns, annotations: annotated(modes.policy, delayMs) },
      spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name }], timeout: { http: { requestTimeout: "10s" } } },
    },
  ];
}

async function applyAll(objs: readonly KubeObject[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const o of objs) out.push(await c.apply(o));
  return out;
}

beforeAll(async () => {
  cp = await getControlPlane();
  ns = await cp.newNamespace("await");
  actors = startActors(cp.kc, { namespace: ns });
  metrics = new RequestCounter();
  c = createKubeClient({ kubeconfig: cp.kubeconfig }, { metrics });
});

afterAll(async () => {
  actors?.stop();
  await c?.close();
});

describe("awaitReady with status actors", () => {
  test("a full HTTPProxy-shaped stack becomes ready; progress names what is pending", async () => {
    const applied = await applyAll(stack("full"));
    const progress: ProgressEvent[] = [];
    const before = metrics.snapshot();
    const r = await awaitReady(applied, { client: c, timeoutMs: 30_000, onProgress: (e) => progress.push(e) });
    const cost = countsSince(before, metrics.snapshot());
    expect(r.status).toBe("ready");
    expect(r.objects.find((o) => o.kind === "Gateway")?.["status"]).toBeDefined();
    // Watches, not polling: at most one list + one watch per object that was not already ready.
    expect(cost.writes).toBe(0);
    expect(cost.watches).toBeLessThanOrEqual(4);
    expect(cost.reads).toBeLessThanOrEqual(4);
    const messages = progress.map((p) => p.message);
    expect(messages).toContain(`EndpointSlice ${ns}/full-0-0: ready`);
    expect(messages.some((m) => m.startsWith(`Gateway ${ns}/full: `) && !m.endsWith("ready"))).toBe(true);
    expect(messages.at(-1)).toMatch(/: ready$/);
    console.log(`[await] full stack ready in ${r.elapsedMs} ms, cost ${JSON.stringify(cost)}`);
  });

  test("a route the Gateway's listeners do not allow fails fast with the controller's message", async () => {
    const applied = await applyAll(stack("noallow", { route: "invalid" }));
    const t0 = Date.now();
    const r = await awaitReady(applied, { client: c, timeoutMs: 30_000 });
    expect(r.status).toBe("failed");
    if (r.status !== "failed") return;
    expect(r.message).toBe(
      `HTTPRoute ${ns}/noallow: parent Gateway ${ns}/noallow: Accepted=False (NotAllowedByListeners): No listeners included by this parent ref allowed this attachment.`,
    );
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  test("failed certificate issuance fails fast", async () => {
    const applied = await applyAll(stack("certfail", { cert: "fail" }));
    const r = await awaitReady(applied, { client: c, timeoutMs: 30_000 });
    expect(r.status).toBe("failed");
    if (r.status === "failed") {
      expect(r.message).toBe(
        `Certificate ${ns}/certfail-https: Issuing=False (Failed) after 1 failed issuance attempt(s): The certificate request has failed to complete and will be retried: ACME challenge failed`,
      );
    }
  });

  test("a controller that never answers times out, listing what is pending", async () => {
    const applied = await applyAll(stack("silent", { gateway: "never", route: "never", policy: "never", cert: "never" }));
    const r = await awaitReady(applied, { client: c, timeoutMs: 1_500 });
    expect(r.status).toBe("timeout");
    if (r.status !== "timeout") return;
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1_500);
    expect(r.elapsedMs).toBeLessThan(3_000);
    expect(r.message.split("\n")).toEqual([
      "timed out after 2s waiting for 4 object(s) to become ready:",
      // The cert-manager actor's "never" still starts issuing; the Gateway shows its CRD default status.
      `  Certificate ${ns}/silent-https: Issuing=True (DoesNotExist) — Issuing certificate as Secret does not exist`,
      `  Gateway ${ns}/silent: Accepted=Unknown (Pending) — Waiting for controller`,
      `  HTTPRoute ${ns}/silent: parent Gateway ${ns}/silent: no status from the Gateway controller yet`,
      `  BackendTrafficPolicy ${ns}/silent-timeouts: no ancestor status from the Gateway controller yet`,
    ]);
  });

  test("after a spec update the old (ready) status does not count; re-applying unchanged needs no watch", async () => {
    const applied = await applyAll(stack("update"));
    expect((await awaitReady(applied, { client: c, timeoutMs: 30_000 })).status).toBe("ready");
    // Unchanged re-apply: generation and status stay, so the answer is immediate.
    const again = await applyAll(stack("update"));
    const before = metrics.snapshot();
    const r0 = await awaitReady(again, { client: c });
    expect(r0.status).toBe("ready");
    expect(countsSince(before, metrics.snapshot()).total).toBe(0);
    // Change the Gateway spec: the actor re-programs it only after 600 ms.
    const gw = stack("update", {}, 600).find((o) => o.kind === "Gateway")!;
    (gw["spec"] as { listeners: { port: number }[] }).listeners[0]!.port = 8080;
    const updated = await c.apply(gw);
    expect(updated.metadata.generation).toBe(2);
    const r = await awaitReady([updated], { client: c, timeoutMs: 30_000 });
    expect(r.status).toBe("ready");
    expect(r.elapsedMs).toBeGreaterThanOrEqual(450);
  });

  test("pulumi.com/skipAwait skips one object; cancellation ends the wait", async () => {
    const objs = stack("skip", { gateway: "never", route: "never", policy: "never", cert: "never" }).map((o) => ({
      ...o,
      metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, "pulumi.com/skipAwait": "true" } },
    }));
    const applied = await applyAll(objs);
    expect((await awaitReady(applied, { client: c })).status).toBe("ready");
    const ctl = new AbortController();
    const unskipped = await applyAll(stack("cancel", { gateway: "never" }));
    setTimeout(() => ctl.abort(), 300);
    const r = await awaitReady(unskipped, { client: c, signal: ctl.signal });
    expect(r.status).toBe("aborted");
    if (r.status === "aborted") expect(r.message).toContain(`Gateway ${ns}/cancel: Accepted=Unknown (Pending) — Waiting for controller`);
  });

  test("preview: a server-side dry run of the whole stack performs zero writes", async () => {
    const m = new RequestCounter();
    const k = createKubeClient({ kubeconfig: cp.kubeconfig }, { metrics: m });
    try {
      for (const o of stack("preview")) await k.dryRunApply(o);
      expect(m.snapshot()).toMatchObject({ writes: 0, dryRuns: 5 });
    } finally {
      await k.close();
    }
  });
});

describe("readiness-notice lag", () => {
  const N = 40;

  test(`status write → waiter notices (p50 over ${N} runs)`, async () => {
    const k = kube(cp.kc);
    const lagFromWriteStart: number[] = [];
    const lagFromWriteAck: number[] = [];
    for (let i = 0; i < N; i++) {
      const name = `lag-${i}`;
      const gw = await c.apply({
        apiVersion: GW,
        kind: "Gateway",
        metadata: { name, namespace: ns, annotations: { [MODE]: "never" } },
        spec: { gatewayClassName: "eg", listeners: [{ name: "http", port: 80, protocol: "HTTP" }] },
      });
      let noticedAt = 0;
      const waiting = awaitReady([gw], {
        client: c,
        timeoutMs: 30_000,
        onProgress: (e) => {
          if (e.readiness.state === "ready") noticedAt = performance.now();
        },
      });
      // Let the watch open before writing (the waiter would also catch a write before it opens, via its list).
      await new Promise((r) => setTimeout(r, 50));
      const g = gw.metadata.generation ?? 1;
      const cond = (type: string) => ({ type, status: "True", reason: type, message: "ok", observedGeneration: g, lastTransitionTime: "2026-11-27T10:00:00Z" });
      const t0 = performance.now();
      await k.patchStatus(GW, "Gateway", ns, name, {
        conditions: [cond("Accepted"), cond("Programmed")],
        listeners: [{ name: "http", attachedRoutes: 0, supportedKinds: [], conditions: [cond("Accepted"), cond("Programmed"), cond("ResolvedRefs")] }],
      });
      const t1 = performance.now();
      const r = await waiting;
      expect(r.status).toBe("ready");
      lagFromWriteStart.push(noticedAt - t0);
      lagFromWriteAck.push(noticedAt - t1);
    }
    const pct = (xs: number[], p: number): number => {
      const s = [...xs].sort((a, b) => a - b);
      return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(2));
    };
    const summary = {
      runs: N,
      fromWriteStartMs: { p50: pct(lagFromWriteStart, 50), p95: pct(lagFromWriteStart, 95), max: pct(lagFromWriteStart, 100) },
      fromWriteAckMs: { p50: pct(lagFromWriteAck, 50), p95: pct(lagFromWriteAck, 95), max: pct(lagFromWriteAck, 100) },
    };
    console.log(`[await] readiness-notice lag ${JSON.stringify(summary)}`);
    expect(summary.fromWriteStartMs.p50).toBeLessThan(250);
  });
});
