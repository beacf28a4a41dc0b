// awaitReady against a real kube-apiserver and the real controllers (test/infra/controllers.ts):
// Envoy Gateway v1.8.1 writes the status of the Gateways, routes and policies, cert-manager v1.21
// that of the Certificates. Nothing here writes a status. Each state comes from a real situation:
//   pending   a Certificate whose ClusterIssuer does not exist yet (ready once the test creates it);
//             a Gateway of a class no controller serves (stays at the CRD's "Waiting for controller");
//   failed    an HTTPRoute from a namespace the Gateway's listeners do not admit; an issuance the
//             ACME server (the local pebble) refuses;
//   stale     a spec change: the previous generation's ready status does not count until Envoy
//             Gateway re-programs the Gateway.
// Also measures how long the waiter takes to notice a status the controller wrote, against an
// independent watch of the same object (printed; the bound asserted is deliberately loose).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { awaitReady, DEFAULT_OBSERVE_CONTEXT, observerFor, type ProgressEvent } from "../../provider/await/index.ts";
import { countsSince, createKubeClient, RequestCounter, type KubeClient, type KubeObject } from "../../provider/kube/index.ts";
import { createAcmeClusterIssuer, createCaClusterIssuer } from "../infra/cert-manager.ts";
import { CLUSTER_ISSUER, getControllers, type Controllers } from "../infra/controllers.ts";
import { GATEWAY_CLASS } from "../infra/dataplane/index.ts";
import { conditionsOf, findCondition, kube } from "../infra/kube.ts";
import { startPebble } from "../infra/pebble.ts";
import { startPowerDns } from "../infra/powerdns.ts";
import { waitFor } from "../infra/procs.ts";

let rc: Controllers;
let ns: string;
let metrics: RequestCounter;
let c: KubeClient;

const GW = "gateway.networking.k8s.io/v1";
const EG = "gateway.envoyproxy.io/v1alpha1";
/** Every hostname of this file is `<stack name>.<ZONE>`: distinct per test, so merged Gateways never conflict. */
const ZONE = "await.test";
/** A class no controller serves: its Gateways keep the status the CRD defaults them to. */
const UNSERVED_CLASS = "no-controller-serves-this";

interface StackOptions {
  /** The Gateway's class (default: the one the real Envoy Gateway serves). */
  readonly gatewayClassName?: string;
  /** The Certificate's ClusterIssuer (default: the CA issuer the real cert-manager issues from). */
  readonly issuer?: string;
  /** The Certificate's name (default: the listener's hostname). */
  readonly dnsName?: string;
  /** Where the HTTPRoute and its policy live (default: with the Gateway). */
  readonly routeNamespace?: string;
}

/** An HTTPProxy-shaped stack: an FQDN backend (Service + EndpointSlice), an HTTPS listener with its Certificate, a route, a policy. */
function stack(name: string, o: StackOptions = {}): KubeObject[] {
  const host = `${name}.${ZONE}`;
  const backend = `${name}-backend`;
  const routeNs = o.routeNamespace ?? ns;
  return [
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: backend, namespace: ns },
      spec: { clusterIP: "None", ports: [{ name: "https", port: 443, protocol: "TCP", appProtocol: "https" }] },
    },
    {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: `${backend}-0`, namespace: ns, labels: { "kubernetes.io/service-name": backend } },
      addressType: "FQDN",
      endpoints: [{ addresses: ["api.example.com"], conditions: { ready: true, serving: true, terminating: false } }],
      ports: [{ name: "https", port: 443, protocol: "TCP", appProtocol: "https" }],
    },
    {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: `${name}-https`, namespace: ns },
      spec: { secretName: `${name}-tls`, dnsNames: [o.dnsName ?? host], issuerRef: { name: o.issuer ?? CLUSTER_ISSUER, kind: "ClusterIssuer" } },
    },
    {
      apiVersion: GW,
      kind: "Gateway",
      metadata: { name, namespace: ns },
      spec: {
        gatewayClassName: o.gatewayClassName ?? GATEWAY_CLASS,
        listeners: [
          { name: "http", port: 80, protocol: "HTTP", hostname: host },
          { name: "https", port: 443, protocol: "HTTPS", hostname: host, tls: { mode: "Terminate", certificateRefs: [{ name: `${name}-tls` }] } },
        ],
      },
    },
    {
      apiVersion: GW,
      kind: "HTTPRoute",
      metadata: { name, namespace: routeNs },
      spec: {
        parentRefs: [{ name, namespace: ns }],
        rules: [{ backendRefs: [{ kind: "Service", name: backend, namespace: ns, port: 443 }] }],
      },
    },
    {
      apiVersion: EG,
      kind: "BackendTrafficPolicy",
      metadata: { name: `${name}-timeouts`, namespace: routeNs },
      spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name }], timeout: { http: { requestTimeout: "10s" } } },
    },
  ];
}

async function applyAll(objs: readonly KubeObject[]): Promise<KubeObject[]> {
  const out: KubeObject[] = [];
  for (const o of objs) out.push(await c.apply(o));
  return out;
}

/** Waits until cert-manager has written the Certificate's Issuing condition (it then stays as long as nothing changes). */
async function issuingWritten(name: string): Promise<void> {
  const k = kube(rc.cp.kc);
  await waitFor(`cert-manager to start issuing ${ns}/${name}`, async () => {
    const cert = await k.get("cert-manager.io/v1", "Certificate", ns, name);
    return findCondition(conditionsOf(cert), "Issuing") !== undefined ? true : undefined;
  }, { timeoutMs: 60_000, intervalMs: 100, onFail: () => rc.certManager.tail(40) });
}

beforeAll(async () => {
  rc = await getControllers();
  ns = await rc.cp.newNamespace("await");
  metrics = new RequestCounter();
  c = createKubeClient({ kubeconfig: rc.cp.kubeconfig }, { metrics });
}, 240_000);

afterAll(async () => {
  await c?.close();
  await rc?.stop();
});

describe("awaitReady with the real Envoy Gateway and cert-manager", () => {
  test("a full HTTPProxy-shaped stack becomes ready; progress names what is pending", async () => {
    const applied = await applyAll(stack("full"));
    const progress: ProgressEvent[] = [];
    const before = metrics.snapshot();
    const r = await awaitReady(applied, { client: c, timeoutMs: 60_000, onProgress: (e) => progress.push(e) });
    const cost = countsSince(before, metrics.snapshot());
    expect(r.status).toBe("ready");
    expect(r.objects.find((o) => o.kind === "Gateway")?.["status"]).toMatchObject({ addresses: [{ type: "IPAddress", value: rc.gatewayAddress }] });
    // Watches, not polling: at most one list + one watch per object that was not already ready.
    expect(cost.writes).toBe(0);
    expect(cost.watches).toBeLessThanOrEqual(4);
    expect(cost.reads).toBeLessThanOrEqual(4);
    const messages = progress.map((p) => p.message);
    expect(messages).toContain(`EndpointSlice ${ns}/full-backend-0: ready`);
    expect(messages.some((m) => m.startsWith(`Gateway ${ns}/full: `) && !m.endsWith("ready"))).toBe(true);
    expect(messages.some((m) => m.startsWith(`Certificate ${ns}/full-https: `) && !m.endsWith("ready"))).toBe(true);
    expect(messages.at(-1)).toMatch(/: ready$/);
    console.log(`[await] full stack ready in ${r.elapsedMs} ms, cost ${JSON.stringify(cost)}`);
  }, 90_000);

  test("a route the Gateway's listeners do not admit (another namespace) fails fast with the controller's message", async () => {
    const other = await rc.cp.newNamespace("await-other");
    const applied = await applyAll(stack("noallow", { routeNamespace: other }));
    const r = await awaitReady(applied, { client: c, timeoutMs: 60_000 });
    expect(r.status).toBe("failed");
    if (r.status !== "failed") return;
    // Failed before the deadline: the waiter did not sit out the timeout.
    expect(r.elapsedMs).toBeLessThan(30_000);
    expect(r.message).toBe(
      `HTTPRoute ${other}/noallow: parent Gateway ${ns}/noallow: Accepted=False (NotAllowedByListeners): No listeners included by this parent ref allowed this attachment.`,
    );
  }, 90_000);

  test("an issuance the ACME server refuses fails fast with cert-manager's message", async () => {
    const pdns = await startPowerDns({ dnsUpdate: true });
    const refused = `refused.${ZONE}`;
    const pebble = await startPebble({ dnsServer: pdns.dnsAddress, domainBlocklist: [refused] });
    try {
      await pdns.createZone(ZONE);
      await createAcmeClusterIssuer(rc.cp.kc, { name: "await-pebble", pebble, pdns, zone: ZONE, secretNamespace: rc.certManager.clusterResourceNamespace });
      const applied = await applyAll(stack("certfail", { issuer: "await-pebble", dnsName: refused }));
      const r = await awaitReady(applied, { client: c, timeoutMs: 60_000 });
      expect(r.status).toBe("failed");
      if (r.status !== "failed") return;
      expect(r.elapsedMs).toBeLessThan(30_000);
      expect(r.message).toMatch(
        new RegExp(
          `^Certificate ${ns}/certfail-https: Issuing=False \\(Failed\\) after 1 failed issuance attempt\\(s\\): The certificate request has failed to complete and will be retried: ` +
            `Failed to wait for order resource "certfail-https-1-\\d+" to become ready: order is in "errored" state: Failed to create Order: 400 urn:ietf:params:acme:error:rejectedIdentifier: ` +
            `Order included an identifier for which issuance is forbidden by policy: "${refused.replaceAll(".", "\\.")}"$`,
        ),
      );
    } finally {
      await pebble.stop();
      await pdns.stop();
    }
  }, 120_000);

  test("controllers that do not answer: the wait times out, listing what is pending", async () => {
    // No controller serves the class; the ClusterIssuer does not exist: cert-manager starts issuing and waits.
    const applied = await applyAll(stack("silent", { gatewayClassName: UNSERVED_CLASS, issuer: "silent-issuer-never-created" }));
    await issuingWritten("silent-https");
    const r = await awaitReady(applied, { client: c, timeoutMs: 1_500 });
    expect(r.status).toBe("timeout");
    if (r.status !== "timeout") return;
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1_500);
    expect(r.elapsedMs).toBeLessThan(3_000);
    expect(r.message.split("\n")).toEqual([
      "timed out after 2s waiting for 4 object(s) to become ready:",
      `  Certificate ${ns}/silent-https: Issuing=True (DoesNotExist) — Issuing certificate as Secret does not exist`,
      // The status the Gateway CRD defaults every Gateway to until its controller writes one.
      `  Gateway ${ns}/silent: Accepted=Unknown (Pending) — Waiting for controller`,
      `  HTTPRoute ${ns}/silent: parent Gateway ${ns}/silent: no status from the Gateway controller yet`,
      `  BackendTrafficPolicy ${ns}/silent-timeouts: no ancestor status from the Gateway controller yet`,
    ]);
  }, 90_000);

  test("a Certificate whose ClusterIssuer does not exist yet is pending, and ready once the issuer is created", async () => {
    const issuer = "await-late-issuer";
    const applied = await applyAll(stack("late", { issuer }));
    await issuingWritten("late-https");
    const progress: ProgressEvent[] = [];
    const waiting = awaitReady(applied, { client: c, timeoutMs: 90_000, onProgress: (e) => progress.push(e) });
    // The wait is still on when the issuer appears: it is pending, not failed.
    await createCaClusterIssuer(rc.cp.kc, { name: issuer, secretNamespace: rc.certManager.clusterResourceNamespace });
    const r = await waiting;
    expect(r.status).toBe("ready");
    const cert = progress.filter((p) => p.ref.kind === "Certificate").map((p) => p.readiness.state);
    expect(cert[0]).toBe("pending");
    expect(cert.at(-1)).toBe("ready");
    // What the waiter reported while the issuer was missing: cert-manager's own state for it.
    expect(progress.map((p) => p.message)).toContain(`Certificate ${ns}/late-https: Issuing=True (DoesNotExist)`);
  }, 120_000);

  test("after a spec update the old (ready) status does not count; re-applying unchanged needs no watch", async () => {
    const applied = await applyAll(stack("update"));
    expect((await awaitReady(applied, { client: c, timeoutMs: 60_000 })).status).toBe("ready");
    // Unchanged re-apply: generation and status stay, so the answer is immediate.
    const again = await applyAll(stack("update"));
    const before = metrics.snapshot();
    const r0 = await awaitReady(again, { client: c });
    expect(r0.status).toBe("ready");
    expect(countsSince(before, metrics.snapshot()).total).toBe(0);
    // Change the Gateway spec: the apply's answer still carries generation 1's (ready) status.
    const gw = stack("update").find((o) => o.kind === "Gateway")!;
    (gw["spec"] as { listeners: { port: number }[] }).listeners[0]!.port = 8080;
    const updated = await c.apply(gw);
    expect(updated.metadata.generation).toBe(2);
    expect(findCondition(conditionsOf(updated as { status?: Record<string, unknown> }), "Programmed")).toMatchObject({ status: "True", observedGeneration: 1 });
    const stale = observerFor(GW, "Gateway")!(updated, DEFAULT_OBSERVE_CONTEXT);
    expect(stale).toMatchObject({ state: "pending", message: "Accepted: status is for generation 1, waiting for generation 2" });
    const r = await awaitReady([updated], { client: c, timeoutMs: 60_000 });
    expect(r.status).toBe("ready");
    // Ready means Envoy Gateway programmed generation 2.
    expect(findCondition(conditionsOf(r.objects[0] as { status?: Record<string, unknown> } | undefined), "Programmed")).toMatchObject({ status: "True", observedGeneration: 2 });
  }, 120_000);

  test("pulumi.com/skipAwait skips one object; cancellation ends the wait", async () => {
    const never = { gatewayClassName: UNSERVED_CLASS, issuer: "skip-issuer-never-created" };
    const objs = stack("skip", never).map((o) => ({
      ...o,
      metadata: { ...o.metadata, annotations: { "pulumi.com/skipAwait": "true" } },
    }));
    const applied = await applyAll(objs);
    expect((await awaitReady(applied, { client: c })).status).toBe("ready");
    const ctl = new AbortController();
    const unskipped = await applyAll(stack("cancel", never));
    setTimeout(() => ctl.abort(), 300);
    const r = await awaitReady(unskipped, { client: c, signal: ctl.signal });
    expect(r.status).toBe("aborted");
    if (r.status === "aborted") expect(r.message).toContain(`Gateway ${ns}/cancel: Accepted=Unknown (Pending) — Waiting for controller`);
  });

  test("preview: a server-side dry run of the whole stack performs zero writes", async () => {
    const m = new RequestCounter();
    const k = createKubeClient({ kubeconfig: rc.cp.kubeconfig }, { metrics: m });
    try {
      for (const o of stack("preview")) await k.dryRunApply(o);
      expect(m.snapshot()).toMatchObject({ writes: 0, dryRuns: 6 });
    } finally {
      await k.close();
    }
  });
});

describe("readiness-notice lag", () => {
  const N = 10;

  test(`Envoy Gateway programs a Gateway → the waiter notices, against an independent watch (p50 over ${N} runs)`, async () => {
    const k = kube(rc.cp.kc);
    const observe = observerFor(GW, "Gateway")!;
    const lags: number[] = [];
    for (let i = 0; i < N; i++) {
      const name = `lag-${i}`;
      // The reference: a plain watch of the same object, opened before it exists.
      let seenAt = 0;
      const stopWatch = await k.watch(GW, "Gateway", ns, (e) => {
        if (seenAt === 0 && observe(e.object as KubeObject, DEFAULT_OBSERVE_CONTEXT).state === "ready") seenAt = performance.now();
      }, undefined, { fieldSelector: `metadata.name=${name}` });
      try {
        const gw = await c.apply({
          apiVersion: GW,
          kind: "Gateway",
          metadata: { name, namespace: ns },
          spec: { gatewayClassName: GATEWAY_CLASS, listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname: `${name}.${ZONE}` }] },
        });
        let noticedAt = 0;
        const r = await awaitReady([gw], {
          client: c,
          timeoutMs: 60_000,
          onProgress: (e) => {
            if (e.readiness.state === "ready") noticedAt = performance.now();
          },
        });
        expect(r.status).toBe("ready");
        await waitFor("the reference watch to see the ready status", async () => (seenAt > 0 ? true : undefined), { timeoutMs: 10_000, intervalMs: 10 });
        lags.push(noticedAt - seenAt);
      } finally {
        stopWatch();
      }
      await k.delete(GW, "Gateway", ns, name);
    }
    const pct = (xs: number[], p: number): number => {
      const s = [...xs].sort((a, b) => a - b);
      return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(2));
    };
    const summary = { runs: N, afterReferenceWatchMs: { p50: pct(lags, 50), p95: pct(lags, 95), max: pct(lags, 100) } };
    console.log(`[await] readiness-notice lag ${JSON.stringify(summary)}`);
    expect(summary.afterReferenceWatchMs.p50).toBeLessThan(250);
  }, 300_000);
});
