// Status sequences the real Envoy Gateway (v1.8.1, test/infra/controllers.ts) writes for Gateways,
// HTTPRoutes, Backends and policies in real situations: each test builds the situation, records the
// object's statuses through a watch (test/infra/status-recorder.ts), checks the readiness observer
// against every recorded step, and with PULUMI_DATUM_RECORD=1 saves the sequence to
// test/await/recordings/<file> (the files test/await/observers.test.ts replays).
//
// The expectations are written from the raw conditions the controller reports (which step is ready,
// which one is stale, which one is terminal), not from the observer's answers.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_OBSERVE_CONTEXT, observerFor, type Readiness } from "../../provider/await/index.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import { kube, type Condition, type KObject, type Kube } from "../infra/kube.ts";
import { waitFor } from "../infra/procs.ts";
import { recordStatuses, writeRecording, type RecordedStep, type RecordingStep } from "../infra/status-recorder.ts";
import { createCA, type TestCA } from "../infra/tls.ts";
import { repoRoot } from "../infra/tools.ts";

const GW = "gateway.networking.k8s.io/v1";
const EG = "gateway.envoyproxy.io/v1alpha1";
const CLASS = "envoy-gateway";

let rc: Controllers;
let k: Kube;
let ca: TestCA;
let caDir: string;

beforeAll(async () => {
  rc = await getControllers();
  k = kube(rc.cp.kc);
  caDir = mkdtempSync(join(tmpdir(), "pulumi-datum-eg-rec-"));
  ca = createCA(caDir, "eg-recordings-ca");
}, 240_000);

afterAll(async () => {
  await rc?.stop();
  if (caDir !== undefined) rmSync(caDir, { recursive: true, force: true });
});

type Expect = RecordingStep["expect"];

// ---- raw status readers (independent of provider/await) ----

const conds = (x: unknown): Condition[] => {
  const c = (x as { conditions?: unknown } | undefined)?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
};
const cond = (x: unknown, type: string): Condition | undefined => conds(x).find((c) => c.type === type);
const entries = (st: RecordedStep, field: "parents" | "ancestors"): unknown[] => {
  const e = st.status[field];
  return Array.isArray(e) ? e : [];
};
const listener = (st: RecordedStep, name: string): unknown => (Array.isArray(st.status["listeners"]) ? (st.status["listeners"] as { name?: string }[]).find((l) => l.name === name) : undefined);
/** Every condition of every entry (top-level, listener, parent, ancestor) reports the step's generation. */
const allCurrent = (st: RecordedStep, holders: readonly unknown[]): boolean => holders.every((h) => conds(h).every((c) => c.observedGeneration === st.generation));
const stale = (c: Condition | undefined, st: RecordedStep): boolean => c?.observedGeneration !== undefined && st.generation !== undefined && c.observedGeneration < st.generation;
const staleMessage = (type: string, c: Condition, st: RecordedStep): string => `${type}: status is for generation ${c.observedGeneration}, waiting for generation ${st.generation}`;
const terminal = (c: Condition): string => `${c.type}=${c.status} (${c.reason}): ${c.message}`;
/** `ancestor Gateway ns/app` for an ancestors[] entry, as the controller names it. */
const ancestorWhere = (a: unknown): string => {
  const ref = (a as { ancestorRef?: { kind?: string; name?: string; namespace?: string } }).ancestorRef ?? {};
  return `ancestor ${ref.kind ?? "Gateway"} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name ?? ""}`;
};
const describeSteps = (steps: readonly RecordedStep[]): string =>
  steps
    .map((st, i) => {
      const holders = [st.status, ...["listeners", "parents", "ancestors"].flatMap((f) => (Array.isArray(st.status[f]) ? (st.status[f] as unknown[]) : []))];
      return `#${i} g${st.generation}: ${holders.map((h) => conds(h).map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`).join(",")).join(" | ")}`;
    })
    .join("\n");

// ---- the capture ----

async function get(apiVersion: string, kind: string, ns: string, name: string): Promise<KObject | undefined> {
  return k.get(apiVersion, kind, ns, name);
}

/** Waits (bounded) until the live object satisfies `pred`. */
async function until(what: string, apiVersion: string, kind: string, ns: string, name: string, pred: (o: KObject & { status?: Record<string, unknown> }) => boolean): Promise<void> {
  let last: unknown;
  await waitFor(what, async () => {
    const o = await get(apiVersion, kind, ns, name);
    last = o?.status;
    return o !== undefined && pred(o) ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200, onFail: () => `last status: ${JSON.stringify(last)}` });
}

const observe = (o: unknown): Readiness => observerFor((o as KObject).apiVersion, (o as KObject).kind)!(o, DEFAULT_OBSERVE_CONTEXT);
const untilObserved = (apiVersion: string, kind: string, ns: string, name: string, state: Readiness["state"]): Promise<void> =>
  until(`${kind} ${ns}/${name} to be ${state}`, apiVersion, kind, ns, name, (o) => observe(o).state === state);

interface Capture {
  readonly file: string;
  readonly description: string;
  readonly setup: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Namespaces (other than the recorded object's) and the stable names they get in the file. */
  readonly otherNamespaces?: Readonly<Record<string, string>>;
  /** What each recorded step means, read from the raw conditions. */
  readonly expect: (st: RecordedStep, i: number, all: readonly RecordedStep[]) => Expect;
}

/**
 * Records `c.kind` `ns/c.name` while `drive` builds the situation, then (once the watch has
 * delivered the live status) checks the observer against `c.expect` on every step and saves the
 * recording when PULUMI_DATUM_RECORD=1. Returns the steps for scenario-specific checks.
 */
async function capture(c: Capture, ns: string, drive: () => Promise<void>): Promise<RecordingStep[]> {
  const rec = await recordStatuses(k, c.apiVersion, c.kind, ns, c.name);
  try {
    await drive();
    const live = await get(c.apiVersion, c.kind, ns, c.name);
    const key = JSON.stringify({ generation: live?.metadata.generation, status: (live as { status?: unknown } | undefined)?.status ?? {} });
    await waitFor(`the ${c.kind} recording to reach the live status`, async () => {
      const last = rec.steps().at(-1);
      return last !== undefined && JSON.stringify({ generation: last.generation, status: last.status }) === key ? true : undefined;
    }, { timeoutMs: 10_000, intervalMs: 50, onFail: () => `watch error: ${String(rec.error())}` });
  } finally {
    rec.stop();
  }
  expect(rec.error()).toBeUndefined();
  const live = (await get(c.apiVersion, c.kind, ns, c.name))!;
  const steps = rec.steps();
  const recorded: RecordingStep[] = steps.map((st, i) => {
    const exp = c.expect(st, i, steps);
    const got = observe({ ...live, metadata: { ...live.metadata, generation: st.generation }, status: st.status });
    const msg = got.state === "ready" ? undefined : got.message;
    const why = `step ${i} of\n${describeSteps(steps)}`;
    expect({ step: i, state: got.state, ...(exp.message !== undefined && { message: msg }) }, why).toEqual({ step: i, state: exp.state, ...(exp.message !== undefined && { message: exp.message }) });
    if (exp.messageContains !== undefined) expect(msg ?? "", why).toContain(exp.messageContains);
    return { ...(i === 0 || steps[i - 1]!.generation !== st.generation ? { generation: st.generation! } : {}), status: st.status, expect: exp };
  });
  if (process.env["PULUMI_DATUM_RECORD"] === "1") {
    const renames: [string, string][] = [[ns, "default"], ...Object.entries(c.otherNamespaces ?? {})];
    const anonymise = <T>(x: T): T => {
      let s = JSON.stringify(x);
      for (const [from, to] of renames) s = s.replaceAll(from, to);
      return JSON.parse(s) as T;
    };
    const spec = (live as { spec?: unknown }).spec;
    writeRecording(join(repoRoot(), "test/await/recordings", c.file), {
      description: c.description,
      source: {
        controller: "Envoy Gateway (github.com/envoyproxy/gateway/cmd/envoy-gateway)",
        version: "v1.8.1",
        recordedBy: `test/dataplane/eg-recordings.dataplane.test.ts (PULUMI_DATUM_RECORD=1): ${c.file}`,
        setup: `kube-apiserver v1.35.4, Envoy 1.38.3 run by the node agent (GatewayClass ${CLASS}, mergeGateways); ${c.setup}`,
      },
      object: anonymise({ apiVersion: c.apiVersion, kind: c.kind, metadata: { name: c.name, namespace: ns, generation: steps[0]?.generation ?? 1 }, spec }),
      steps: anonymise(recorded),
    });
  }
  if (process.env["PULUMI_DATUM_RECORD_DEBUG"] === "1") console.log(`${c.file}\n${describeSteps(steps)}`);
  return recorded;
}

// ---- objects ----

const gateway = (ns: string, name: string, listeners: Record<string, unknown>[], extra: Record<string, unknown> = {}): KObject =>
  ({ apiVersion: GW, kind: "Gateway", metadata: { name, namespace: ns }, spec: { gatewayClassName: CLASS, listeners, ...extra } }) as KObject;
const httpListener = (name: string, hostname: string, from = "Same"): Record<string, unknown> => ({ name, port: 80, protocol: "HTTP", hostname, allowedRoutes: { namespaces: { from } } });
/** A selector-less Service and its EndpointSlice, as the provider renders an endpoint backend. */
async function service(ns: string, name: string, port: number): Promise<void> {
  await k.create({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { clusterIP: "None", ports: [{ name: "p", port, protocol: "TCP" }] } } as KObject);
  await k.create({
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name, namespace: ns, labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["192.0.2.10"], conditions: { ready: true } }],
    ports: [{ name: "p", port, protocol: "TCP" }],
  } as unknown as KObject);
}
const route = (ns: string, name: string, parentRefs: Record<string, unknown>[], backendRefs: Record<string, unknown>[], hostnames?: string[]): KObject =>
  ({ apiVersion: GW, kind: "HTTPRoute", metadata: { name, namespace: ns }, spec: { parentRefs, ...(hostnames && { hostnames }), rules: [{ backendRefs }] } }) as KObject;
const tlsSecret = (ns: string, name: string, host: string): KObject => {
  const leaf = ca.issue(name, { cn: host, dnsNames: [host] });
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ns },
    type: "kubernetes.io/tls",
    data: { "tls.crt": Buffer.from(readFileSync(leaf.cert)).toString("base64"), "tls.key": Buffer.from(readFileSync(leaf.key)).toString("base64") },
  } as unknown as KObject;
};
/** Unique per namespace: every Gateway of the class shares one Envoy (mergeGateways). */
const host = (ns: string, label: string): string => `${label}.${ns}.rec.example`;

describe("Envoy Gateway v1.8.1 status recordings", () => {
  test("gateway-happy-path: scheduled, programmed, the HTTPS listener waits for its Secret, then everything is programmed", async () => {
    const ns = await rc.cp.newNamespace("rec-gw");
    const h = host(ns, "app");
    const steps = await capture(
      {
        file: "gateway-happy-path.json",
        description: "A Gateway with an HTTP and an HTTPS listener whose certificate Secret is created only after Envoy Gateway programmed the Gateway: pending while no address is assigned, then while the https listener reports InvalidCertificateRef, then ready once the Secret exists.",
        setup: "the TLS Secret (a test CA's leaf) created once the Gateway was Programmed and the https listener reported InvalidCertificateRef",
        apiVersion: GW,
        kind: "Gateway",
        name: "app",
        expect: (st, i, all) => {
          if (i === all.length - 1) return { state: "ready" };
          const top = ["Accepted", "Programmed"].map((t) => cond(st.status, t)).find((c) => c?.status !== "True");
          if (top !== undefined) return { state: "pending", message: `${top.type}=${top.status} (${top.reason})` };
          const https = cond(listener(st, "https"), "ResolvedRefs");
          if (https?.status === "False") return { state: "pending", message: `listener "https": ResolvedRefs=False (${https.reason})` };
          return { state: "pending" };
        },
      },
      ns,
      async () => {
        await k.create(gateway(ns, "app", [httpListener("http", h), { name: "https", port: 443, protocol: "HTTPS", hostname: h, tls: { mode: "Terminate", certificateRefs: [{ name: "app-tls" }] }, allowedRoutes: { namespaces: { from: "Same" } } }]));
        await until("the Gateway to be programmed while the https listener misses its Secret", GW, "Gateway", ns, "app", (o) =>
          cond(o.status, "Programmed")?.status === "True" && cond(listener({ generation: 1, status: o.status ?? {} }, "https"), "ResolvedRefs")?.reason === "InvalidCertificateRef");
        await k.create(tlsSecret(ns, "app-tls", h));
        await untilObserved(GW, "Gateway", ns, "app", "ready");
      },
    );
    expect(steps.at(-1)!.expect.state).toBe("ready");
    expect(steps.map((s) => s.expect.message)).toContain('listener "https": ResolvedRefs=False (InvalidCertificateRef)');
  });

  test("gateway-update-stale-status: a spec update leaves the generation-1 status in place until Envoy Gateway re-observes", async () => {
    const ns = await rc.cp.newNamespace("rec-gen");
    const steps = await capture(
      {
        file: "gateway-update-stale-status.json",
        description: "A ready Gateway whose listener hostname is changed (generation 1 -> 2): the watch first delivers the new spec with the generation-1 status, which must not count, until Envoy Gateway re-observes generation 2.",
        setup: "one HTTP listener; its hostname patched once the Gateway was ready",
        apiVersion: GW,
        kind: "Gateway",
        name: "app",
        expect: (st, i, all) => {
          const accepted = cond(st.status, "Accepted");
          if (accepted !== undefined && stale(accepted, st)) return { state: "pending", message: staleMessage("Accepted", accepted, st) };
          const l = listener(st, "http");
          const lAccepted = cond(l, "Accepted");
          if (lAccepted !== undefined && stale(lAccepted, st)) return { state: "pending", message: `listener "http": ${staleMessage("Accepted", lAccepted, st)}` };
          const programmed = cond(st.status, "Programmed")?.status === "True" && conds(l).length > 0 && allCurrent(st, [st.status, l]);
          const ready = programmed && conds(l).every((c) => (c.type === "Conflicted" ? c.status === "False" : c.status === "True"));
          return { state: ready ? "ready" : "pending" };
        },
      },
      ns,
      async () => {
        await k.create(gateway(ns, "app", [httpListener("http", host(ns, "v1"))]));
        await untilObserved(GW, "Gateway", ns, "app", "ready");
        await k.patch(GW, "Gateway", ns, "app", { spec: { listeners: [httpListener("http", host(ns, "v2"))] } });
        await until("generation 2 to be observed", GW, "Gateway", ns, "app", (o) => observe(o).state === "ready" && cond(o.status, "Programmed")?.observedGeneration === 2);
      },
    );
    const stalePending = steps.findIndex((s) => s.expect.message === "Accepted: status is for generation 1, waiting for generation 2");
    expect(stalePending).toBeGreaterThan(0);
    expect(steps[stalePending - 1]!.expect.state).toBe("ready");
    expect(steps.at(-1)!.expect.state).toBe("ready");
  });

  test("gateway-invalid-listener: a listener protocol Envoy Gateway does not support is terminal, quoting the listener's reason", async () => {
    const ns = await rc.cp.newNamespace("rec-bad");
    const steps = await capture(
      {
        file: "gateway-invalid-listener.json",
        description: "A Gateway whose only listener has a protocol Envoy Gateway does not implement (SCTP; the CRD admits it): the listener is Accepted=False/UnsupportedProtocol, a terminal failure naming the listener and quoting the controller.",
        setup: "one listener with protocol SCTP on port 9000",
        apiVersion: GW,
        kind: "Gateway",
        name: "app",
        expect: (st) => {
          const a = cond(listener(st, "sctp"), "Accepted");
          if (a?.status === "False" && a.reason === "UnsupportedProtocol" && !stale(a, st)) return { state: "failed", message: `listener "sctp": ${terminal(a)}` };
          return { state: "pending" };
        },
      },
      ns,
      async () => {
        await k.create(gateway(ns, "app", [{ name: "sctp", port: 9000, protocol: "SCTP" }]));
        await untilObserved(GW, "Gateway", ns, "app", "failed");
      },
    );
    expect(steps.at(-1)!.expect.state).toBe("failed");
    expect(steps.at(-1)!.expect.message).toMatch(/^listener "sctp": Accepted=False \(UnsupportedProtocol\): .*SCTP/);
  });

  test("gateway-invalid-parameters: a Gateway whose infrastructure parameters name a missing EnvoyProxy is terminal", async () => {
    const ns = await rc.cp.newNamespace("rec-par");
    const steps = await capture(
      {
        file: "gateway-invalid-parameters.json",
        description: "A Gateway whose spec.infrastructure.parametersRef names an EnvoyProxy that does not exist: a Gateway-level terminal reason without listener detail, quoting the controller.",
        setup: "one HTTP listener; infrastructure.parametersRef -> EnvoyProxy missing (never created)",
        apiVersion: GW,
        kind: "Gateway",
        name: "app",
        expect: (st) => {
          const a = cond(st.status, "Accepted");
          if (a?.status === "False" && a.reason === "InvalidParameters" && !stale(a, st)) return { state: "failed", message: terminal(a) };
          return { state: "pending" };
        },
      },
      ns,
      async () => {
        await k.create(gateway(ns, "app", [httpListener("http", host(ns, "app"))], { infrastructure: { parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: "missing" } } }));
        await untilObserved(GW, "Gateway", ns, "app", "failed");
      },
    );
    expect(steps.at(-1)!.expect.message).toMatch(/^Accepted=False \(InvalidParameters\): /);
  });

  test("httproute-attach: two parents, a backend that appears later, then a listener that stops allowing the route, then a spec update", async () => {
    const ns = await rc.cp.newNamespace("rec-rt");
    const infra = await rc.cp.newNamespace("rec-infra");
    const steps = await capture(
      {
        file: "httproute-attach.json",
        description: "An HTTPRoute with two parentRefs (its own Gateway, and another namespace's Gateway by sectionName) whose backend Service is created after Envoy Gateway reported BackendNotFound; then the shared listener stops allowing other namespaces (NotAllowedByListeners, terminal); then a route spec update, whose generation-1 status does not count.",
        setup: "Gateway app (same namespace, HTTP, from Same) and Gateway infra/shared (listener web, HTTP, from All, later patched to Same); backend Service + EndpointSlice created after BackendNotFound",
        apiVersion: GW,
        kind: "HTTPRoute",
        name: "app",
        otherNamespaces: { [infra]: "infra" },
        expect: (st) => {
          const ps = entries(st, "parents");
          const stalePs = ps.map((p) => cond(p, "Accepted")).find((c) => stale(c, st));
          if (stalePs !== undefined) return { state: "pending", messageContains: staleMessage("Accepted", stalePs, st) };
          for (const p of ps) {
            const a = cond(p, "Accepted");
            if (a?.status === "False" && a.reason === "NotAllowedByListeners") return { state: "failed", message: `parent Gateway ${infra}/shared/web: ${terminal(a)}` };
          }
          if (ps.length < 2) return { state: "pending" };
          const notFound = ps.map((p) => cond(p, "ResolvedRefs")).find((c) => c?.reason === "BackendNotFound");
          if (notFound !== undefined) return { state: "pending", messageContains: "ResolvedRefs=False (BackendNotFound)" };
          // BackendsAvailable=False/EndpointsNotFound: the Service is seen, its EndpointSlice not yet (Envoy would answer 503).
          const noEndpoints = ps.map((p) => cond(p, "BackendsAvailable")).find((c) => c?.status === "False");
          if (noEndpoints !== undefined) return { state: "pending", messageContains: `BackendsAvailable=False (${noEndpoints.reason})` };
          return { state: ps.every((p) => ["Accepted", "ResolvedRefs"].every((t) => cond(p, t)?.status === "True")) ? "ready" : "pending" };
        },
      },
      ns,
      async () => {
        await k.create(gateway(ns, "app", [httpListener("http", host(ns, "app"))]));
        await k.create(gateway(infra, "shared", [httpListener("web", host(infra, "shared"), "All")]));
        await k.create(route(ns, "app", [{ name: "app" }, { name: "shared", namespace: infra, sectionName: "web" }], [{ name: "app-0-0", port: 80 }]));
        await until("BackendNotFound on both parents", GW, "HTTPRoute", ns, "app", (o) => entries({ generation: 1, status: o.status ?? {} }, "parents").filter((p) => cond(p, "ResolvedRefs")?.reason === "BackendNotFound").length === 2);
        await service(ns, "app-0-0", 80);
        await untilObserved(GW, "HTTPRoute", ns, "app", "ready");
        await k.patch(GW, "Gateway", infra, "shared", { spec: { listeners: [httpListener("web", host(infra, "shared"), "Same")] } });
        await untilObserved(GW, "HTTPRoute", ns, "app", "failed");
        await k.patch(GW, "HTTPRoute", ns, "app", { spec: { rules: [{ matches: [{ path: { type: "PathPrefix", value: "/v2" } }], backendRefs: [{ name: "app-0-0", port: 80 }] }] } });
        await until("generation 2 to be observed", GW, "HTTPRoute", ns, "app", (o) => entries({ generation: 2, status: o.status ?? {} }, "parents").every((p) => cond(p, "Accepted")?.observedGeneration === 2));
      },
    );
    const states = steps.map((s) => s.expect.state);
    expect(states.indexOf("ready")).toBeGreaterThan(0);
    expect(states.indexOf("failed")).toBeGreaterThan(states.indexOf("ready"));
    expect(steps.some((s) => s.expect.messageContains?.includes("BackendNotFound"))).toBe(true);
    expect(steps.some((s) => s.expect.messageContains?.includes("waiting for generation 2"))).toBe(true);
  });

  test("httproute-ref-not-permitted: a cross-namespace backend without a ReferenceGrant is terminal", async () => {
    const ns = await rc.cp.newNamespace("rec-ref");
    const other = await rc.cp.newNamespace("rec-other");
    const steps = await capture(
      {
        file: "httproute-ref-not-permitted.json",
        description: "An HTTPRoute whose backendRef names a Service in another namespace with no ReferenceGrant: ResolvedRefs=False/RefNotPermitted, terminal.",
        setup: "Gateway app (HTTP); Service other/svc exists; no ReferenceGrant",
        apiVersion: GW,
        kind: "HTTPRoute",
        name: "app",
        otherNamespaces: { [other]: "other" },
        expect: (st) => {
          const p = entries(st, "parents")[0];
          const r = cond(p, "ResolvedRefs");
          if (r?.reason === "RefNotPermitted" && !stale(r, st)) return { state: "failed", message: `parent Gateway ${ns}/app: ${terminal(r)}` };
          return { state: "pending" };
        },
      },
      ns,
      async () => {
        await service(other, "svc", 80);
        await k.create(gateway(ns, "app", [httpListener("http", host(ns, "app"))]));
        await k.create(route(ns, "app", [{ name: "app" }], [{ name: "svc", namespace: other, port: 80 }]));
        await untilObserved(GW, "HTTPRoute", ns, "app", "failed");
      },
    );
    expect(steps.at(-1)!.expect.message).toMatch(/ResolvedRefs=False \(RefNotPermitted\)/);
  });

  test("backend: an FQDN Backend is accepted; a loopback IP endpoint is refused; the FQDN again is accepted", async () => {
    const ns = await rc.cp.newNamespace("rec-be");
    const steps = await capture(
      {
        file: "backend.json",
        description: "An Envoy Gateway Backend (FQDN endpoint) referenced by an HTTPRoute: accepted; then its endpoint changed to a loopback IP, which Envoy Gateway refuses (terminal). The spec update is first seen with the generation-1 status; the refusal is a condition of type Invalid (status False, reason Accepted) next to the generation-1 Accepted=True, which Envoy Gateway leaves in place. Back to the FQDN (generation 3): Accepted=True again while the generation-2 Invalid condition stays (history, not a failure).",
        setup: "Gateway app (HTTP), HTTPRoute app -> Backend api; the Backend's endpoint patched to 127.0.0.1 once accepted, then back to the FQDN once refused",
        apiVersion: EG,
        kind: "Backend",
        name: "api",
        expect: (st) => {
          const refusal = cond(st.status, "Invalid");
          if (refusal !== undefined && !stale(refusal, st)) return { state: "failed", message: `not accepted by Envoy Gateway: ${refusal.message}` };
          const a = cond(st.status, "Accepted");
          if (a === undefined) return { state: "pending", message: "Accepted: no status from the controller yet" };
          if (stale(a, st)) return { state: "pending", message: staleMessage("Accepted", a, st) };
          if (a.status === "True") return { state: "ready" };
          return a.reason === "Invalid" ? { state: "failed", message: terminal(a) } : { state: "pending" };
        },
      },
      ns,
      async () => {
        await k.create(gateway(ns, "app", [httpListener("http", host(ns, "app"))]));
        await k.create({ apiVersion: EG, kind: "Backend", metadata: { name: "api", namespace: ns }, spec: { endpoints: [{ fqdn: { hostname: "api.example.com", port: 443 } }] } } as KObject);
        await k.create(route(ns, "app", [{ name: "app" }], [{ group: "gateway.envoyproxy.io", kind: "Backend", name: "api", port: 443 }]));
        await untilObserved(EG, "Backend", ns, "api", "ready");
        await k.patch(EG, "Backend", ns, "api", { spec: { endpoints: [{ ip: { address: "127.0.0.1", port: 443 } }] } });
        await untilObserved(EG, "Backend", ns, "api", "failed");
        await k.patch(EG, "Backend", ns, "api", { spec: { endpoints: [{ fqdn: { hostname: "api.example.com", port: 443 } }] } });
        await until("generation 3 to be accepted", EG, "Backend", ns, "api", (o) => cond(o.status, "Accepted")?.observedGeneration === 3);
      },
    );
    expect(steps.map((s) => s.expect.state)).toContain("ready");
    expect(steps.at(-1)!.expect.state).toBe("ready");
    expect(steps.at(-1)!.status["conditions"]).toContainEqual(expect.objectContaining({ type: "Invalid", observedGeneration: 2 }));
    expect(steps.find((s) => s.expect.state === "failed")?.expect.message).toMatch(/^not accepted by Envoy Gateway: The Backend was not accepted: .*127\.0\.0\.1.*loopback/);
  });

  test("backendtlspolicy: a missing CA ConfigMap waits, the ConfigMap makes it ready, an unsupported CA reference kind is terminal", async () => {
    const ns = await rc.cp.newNamespace("rec-btls");
    const steps = await capture(
      {
        file: "backendtlspolicy.json",
        description: "A BackendTLSPolicy for an https backend Service (routed from Gateway app) whose CA ConfigMap is created only after Envoy Gateway reported it missing (pending), then ready; then its CA reference is changed to an unsupported kind (ResolvedRefs=False/InvalidKind, terminal).",
        setup: "Gateway app (HTTP), HTTPRoute app -> Service app-0-0:443 (selector-less, EndpointSlice); BackendTLSPolicy app-0-0 -> ConfigMap app-ca (created after the policy reported it missing), later patched to kind Pod",
        apiVersion: GW,
        kind: "BackendTLSPolicy",
        name: "app-0-0",
        expect: (st) => {
          const as = entries(st, "ancestors");
          if (as.length === 0) return { state: "pending", message: "no ancestor status from the Gateway controller yet" };
          const where = ancestorWhere(as[0]);
          const a = cond(as[0], "Accepted");
          const r = cond(as[0], "ResolvedRefs");
          if (a !== undefined && stale(a, st)) return { state: "pending", message: `${where}: ${staleMessage("Accepted", a, st)}` };
          if (a?.status === "False" && a.reason === "Invalid") return { state: "failed", message: `${where}: ${terminal(a)}` };
          if (r?.status === "False" && r.reason === "InvalidKind") return { state: "failed", message: `${where}: ${terminal(r)}` };
          if (a?.status === "True" && (r === undefined || r.status === "True")) return { state: "ready" };
          return { state: "pending", messageContains: where };
        },
      },
      ns,
      async () => {
        await k.create(gateway(ns, "app", [httpListener("http", host(ns, "app"))]));
        await service(ns, "app-0-0", 443);
        await k.create(route(ns, "app", [{ name: "app" }], [{ name: "app-0-0", port: 443 }]));
        await k.create({
          apiVersion: GW,
          kind: "BackendTLSPolicy",
          metadata: { name: "app-0-0", namespace: ns },
          spec: { targetRefs: [{ group: "", kind: "Service", name: "app-0-0" }], validation: { hostname: "api.example.com", caCertificateRefs: [{ group: "", kind: "ConfigMap", name: "app-ca" }] } },
        } as KObject);
        await until("the policy to report its CA missing", GW, "BackendTLSPolicy", ns, "app-0-0", (o) => entries({ generation: 1, status: o.status ?? {} }, "ancestors").some((a) => cond(a, "ResolvedRefs")?.status === "False"));
        await k.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app-ca", namespace: ns }, data: { "ca.crt": readFileSync(ca.cert, "utf8") } } as unknown as KObject);
        await untilObserved(GW, "BackendTLSPolicy", ns, "app-0-0", "ready");
        await k.patch(GW, "BackendTLSPolicy", ns, "app-0-0", { spec: { validation: { hostname: "api.example.com", caCertificateRefs: [{ group: "", kind: "Pod", name: "app-ca" }] } } });
        await untilObserved(GW, "BackendTLSPolicy", ns, "app-0-0", "failed");
      },
    );
    const states = steps.map((s) => s.expect.state);
    expect(states.indexOf("ready")).toBeGreaterThan(states.indexOf("pending"));
    expect(states.at(-1)).toBe("failed");
  });

  test("backendtrafficpolicy-invalid: a global rate limit without a rate-limit service is refused in status", async () => {
    const ns = await rc.cp.newNamespace("rec-btp");
    const steps = await capture(
      {
        file: "backendtrafficpolicy-invalid.json",
        description: "A BackendTrafficPolicy on an HTTPRoute, accepted with retries (generation 1), then changed to a Global rate limit while Envoy Gateway runs without a rate-limit service: the generation-2 spec is first seen with the generation-1 status (pending), then Accepted=False/Invalid (terminal, quoting the controller).",
        setup: "Gateway app (HTTP), HTTPRoute app -> Service app:80; Envoy Gateway configured without rateLimit",
        apiVersion: EG,
        kind: "BackendTrafficPolicy",
        name: "app-retries",
        expect: (st) => {
          const as = entries(st, "ancestors");
          if (as.length === 0) return { state: "pending", message: "no ancestor status from the Gateway controller yet" };
          const where = ancestorWhere(as[0]);
          const a = cond(as[0], "Accepted")!;
          if (stale(a, st)) return { state: "pending", message: `${where}: ${staleMessage("Accepted", a, st)}` };
          if (a.status === "True") return { state: "ready" };
          return a.reason === "Invalid" ? { state: "failed", message: `${where}: ${terminal(a)}` } : { state: "pending" };
        },
      },
      ns,
      async () => {
        await k.create(gateway(ns, "app", [httpListener("http", host(ns, "app"))]));
        await service(ns, "app", 80);
        await k.create(route(ns, "app", [{ name: "app" }], [{ name: "app", port: 80 }]));
        await k.create({
          apiVersion: EG,
          kind: "BackendTrafficPolicy",
          metadata: { name: "app-retries", namespace: ns },
          spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "app" }], retry: { numRetries: 3 } },
        } as KObject);
        await untilObserved(EG, "BackendTrafficPolicy", ns, "app-retries", "ready");
        await k.patch(EG, "BackendTrafficPolicy", ns, "app-retries", { spec: { retry: null, rateLimit: { type: "Global", global: { rules: [{ limit: { requests: 10, unit: "Minute" } }] } } } });
        await untilObserved(EG, "BackendTrafficPolicy", ns, "app-retries", "failed");
      },
    );
    expect(steps.some((s) => s.expect.message?.endsWith("waiting for generation 2"))).toBe(true);
    expect(steps.at(-1)!.expect.message).toMatch(/Accepted=False \(Invalid\): /);
  });

  test("securitypolicy: created before its route, accepted once the route exists; a second policy on the same route is Conflicted", async () => {
    const ns = await rc.cp.newNamespace("rec-sp");
    const policy = (name: string): KObject =>
      ({
        apiVersion: EG,
        kind: "SecurityPolicy",
        metadata: { name, namespace: ns },
        spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "app" }], basicAuth: { users: { name: "app-htpasswd" } } },
      }) as KObject;
    const expectPolicy = (st: RecordedStep): Expect => {
      const as = entries(st, "ancestors");
      if (as.length === 0) return { state: "pending", message: "no ancestor status from the Gateway controller yet" };
      const where = ancestorWhere(as[0]);
      const a = cond(as[0], "Accepted")!;
      if (a.status === "True") return { state: "ready" };
      return a.reason === "Invalid" || a.reason === "Conflicted" ? { state: "failed", message: `${where}: ${terminal(a)}` } : { state: "pending", message: `${where}: Accepted=False (${a.reason})` };
    };
    const htpasswd = "user:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n";
    const first = await capture(
      {
        file: "securitypolicy.json",
        description: "A basic-auth SecurityPolicy created before the HTTPRoute it targets: Envoy Gateway writes no status (no TargetNotFound) while the route is missing, then Accepted once the route attaches to its Gateway.",
        setup: "SecurityPolicy app-auth (basicAuth, Secret app-htpasswd) created first; then Gateway app (HTTP), and once Envoy Gateway accepted it (so it has translated the policy without a target) HTTPRoute app -> Service app:80",
        apiVersion: EG,
        kind: "SecurityPolicy",
        name: "app-auth",
        expect: expectPolicy,
      },
      ns,
      async () => {
        await k.create({ apiVersion: "v1", kind: "Secret", metadata: { name: "app-htpasswd", namespace: ns }, stringData: { ".htpasswd": htpasswd } } as unknown as KObject);
        await k.create(policy("app-auth"));
        // Envoy Gateway has seen the policy without its target (no route yet) before the route comes.
        // Once the Gateway created after the policy is accepted, Envoy Gateway has translated the policy without its target.
        await k.create(gateway(ns, "app", [httpListener("http", host(ns, "app"))]));
        await until("the Gateway to be accepted", GW, "Gateway", ns, "app", (o) => cond(o.status, "Accepted")?.status === "True");
        await service(ns, "app", 80);
        await k.create(route(ns, "app", [{ name: "app" }], [{ name: "app", port: 80 }]));
        await untilObserved(EG, "SecurityPolicy", ns, "app-auth", "ready");
      },
    );
    expect(first.at(-1)!.expect.state).toBe("ready");
    const second = await capture(
      {
        file: "securitypolicy-conflicted.json",
        description: "A second SecurityPolicy on an HTTPRoute that an older SecurityPolicy already targets: Envoy Gateway marks the newer one Accepted=False/Conflicted, terminal.",
        setup: "as securitypolicy.json, then SecurityPolicy app-auth-2 targeting the same route",
        apiVersion: EG,
        kind: "SecurityPolicy",
        name: "app-auth-2",
        expect: expectPolicy,
      },
      ns,
      async () => {
        await k.create(policy("app-auth-2"));
        await untilObserved(EG, "SecurityPolicy", ns, "app-auth-2", "failed");
      },
    );
    expect(second.at(-1)!.expect.message).toMatch(/Accepted=False \(Conflicted\)/);
  });
});
