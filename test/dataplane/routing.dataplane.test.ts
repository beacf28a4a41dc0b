// Requests through real Envoy (configured by the real Envoy Gateway controller) for what an
// HTTPProxy renders: the provider's create returns only when the edge serves, so the first request
// after it must succeed — no retry loop here.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DEFAULT_OBSERVE_CONTEXT, observerFor } from "../../provider/await/index.ts";
import { kube } from "../infra/kube.ts";
import { waitFor } from "../infra/procs.ts";
import { recordStatuses, writeRecording } from "../infra/status-recorder.ts";
import { repoRoot } from "../infra/tools.ts";
import { startBackend, type Backend } from "./backends.ts";
import { edgeRequest, startHarness, type Harness } from "./harness.ts";

const PROXY = "datum:networking:HTTPProxy";
let h: Harness;
let web: Backend;
let api: Backend;

beforeAll(async () => {
  h = await startHarness();
  web = await startBackend(h.dp, "web");
  api = await startBackend(h.dp, "api");
}, 180_000);

afterAll(async () => {
  await web?.stop();
  await api?.stop();
  await h?.stop();
});

describe("HTTPProxy through real Envoy Gateway and Envoy", () => {
  test("matches, their precedence, header modifiers, redirects and rewrites", async () => {
    const ns = await h.cp.newNamespace("dp");
    const host = "routing.dp.example";
    const out = await h.up(
      PROXY,
      {
        metadata: { name: "routing", namespace: ns },
        spec: {
          hostnames: [host],
          rules: [
            {
              name: "api",
              matches: [{ path: { type: "PathPrefix", value: "/api" } }],
              filters: [
                { type: "RequestHeaderModifier", requestHeaderModifier: { add: [{ name: "x-edge", value: "datum" }], remove: ["x-drop"] } },
                { type: "ResponseHeaderModifier", responseHeaderModifier: { set: [{ name: "x-served-by", value: "edge" }] } },
              ],
              backends: [{ endpoint: api.url }],
            },
            {
              name: "exact",
              matches: [{ path: { type: "Exact", value: "/api/exact" } }],
              backends: [{ endpoint: web.url }],
            },
            {
              name: "header",
              matches: [{ path: { type: "PathPrefix", value: "/h" }, headers: [{ name: "x-canary", value: "yes" }] }],
              backends: [{ endpoint: api.url }],
            },
            {
              name: "old",
              matches: [{ path: { type: "PathPrefix", value: "/old" } }],
              filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", hostname: "new.dp.example", statusCode: 301 } }],
            },
            {
              name: "rewrite",
              matches: [{ path: { type: "PathPrefix", value: "/v1" } }],
              filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/internal" } } }],
              backends: [{ endpoint: web.url }],
            },
            { name: "default", backends: [{ endpoint: web.url }] },
          ],
        },
      },
      "routing",
    );
    expect(out["ready"]).toBe(true);
    const addr = h.dp.address;
    expect(out["addresses"]).toEqual(expect.arrayContaining([addr]));

    const first = await edgeRequest(addr, host, "/api/items?x=1", { headers: { "x-drop": "1" } });
    expect(first.status).toBe(200);
    expect(first.json()).toMatchObject({ backend: "api", path: "/api/items", query: { x: "1" } });
    expect(first.json<{ headers: Record<string, string> }>().headers["x-edge"]).toBe("datum");
    expect(first.json<{ headers: Record<string, string> }>().headers["x-drop"]).toBeUndefined();
    expect(first.headers["x-served-by"]).toBe("edge");

    // Exact beats the longer-prefix rule listed before it (Gateway API precedence).
    expect((await edgeRequest(addr, host, "/api/exact")).json()).toMatchObject({ backend: "web", path: "/api/exact" });
    // A header match is needed for /h to go to api; without it the catch-all answers.
    expect((await edgeRequest(addr, host, "/h", { headers: { "x-canary": "yes" } })).json()).toMatchObject({ backend: "api" });
    expect((await edgeRequest(addr, host, "/h")).json()).toMatchObject({ backend: "web" });

    const redirect = await edgeRequest(addr, host, "/old/page");
    expect(redirect.status).toBe(301);
    expect(redirect.headers["location"]).toBe("https://new.dp.example/old/page");

    expect((await edgeRequest(addr, host, "/v1/thing")).json()).toMatchObject({ backend: "web", path: "/internal/thing" });

    // Another hostname is not served by this proxy.
    expect((await edgeRequest(addr, "other.dp.example", "/")).status).toBe(404);
  });
});

describe("readiness against the real controller", () => {
  test("a Gateway whose class does not exist fails at once, naming the class", async () => {
    const ns = await h.cp.newNamespace("noclass");
    const l = h.lifecycle(PROXY);
    const { lifecycles, resolveEngineSettings } = await import("../../provider/lifecycle/index.ts");
    // A readiness timeout far beyond this test's own (60 s): only failing fast can pass.
    const s = resolveEngineSettings({ kubeconfig: h.cp.kubeconfig, timeoutSeconds: 600, gatewayClassName: "nobody-owns-this", guardrails: { gateway: { disableHostnameVerification: true } } });
    if (!s.ok) throw new Error(JSON.stringify(s.errors));
    const proxy = lifecycles(s.settings, {}).byToken.get(PROXY);
    const checked = await l.check(undefined, { metadata: { name: "orphan", namespace: ns }, spec: { rules: [{ backends: [{ endpoint: web.url }] }] } }, { urnName: "orphan" });
    await expect(proxy?.create(checked.inputs, { preview: false })).rejects.toThrow(
      /GatewayClass "nobody-owns-this" does not exist on this cluster, so no controller will program it; .*set datum:gatewayClassName to one the cluster has \("envoy-gateway"\)/,
    );
  });

  test("a Gateway whose class its controller refused fails at once, quoting the controller", async () => {
    const k = kube(h.cp.kc);
    // A class whose parameters point at an EnvoyProxy that does not exist: Envoy Gateway refuses it.
    await k.create({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "GatewayClass",
      metadata: { name: "refused" },
      spec: { controllerName: "gateway.envoyproxy.io/gatewayclass-controller", parametersRef: { group: "gateway.envoyproxy.io", kind: "EnvoyProxy", name: "missing", namespace: "envoy-gateway-system" } },
    });
    await waitFor("Envoy Gateway to refuse the class", async () => {
      const c = await k.get("gateway.networking.k8s.io/v1", "GatewayClass", undefined, "refused");
      const accepted = ((c as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions ?? []).find((x) => x.type === "Accepted");
      return accepted?.status === "False" ? true : undefined;
    }, { timeoutMs: 30_000 });
    const ns = await h.cp.newNamespace("refused");
    const { lifecycles, resolveEngineSettings } = await import("../../provider/lifecycle/index.ts");
    const s = resolveEngineSettings({ kubeconfig: h.cp.kubeconfig, timeoutSeconds: 600, gatewayClassName: "refused", guardrails: { gateway: { disableHostnameVerification: true } } });
    if (!s.ok) throw new Error(JSON.stringify(s.errors));
    const proxy = lifecycles(s.settings, {}).byToken.get(PROXY);
    const checked = await h.lifecycle(PROXY).check(undefined, { metadata: { name: "refused", namespace: ns }, spec: { rules: [{ backends: [{ endpoint: web.url }] }] } }, { urnName: "refused" });
    await expect(proxy?.create(checked.inputs, { preview: false })).rejects.toThrow(
      /GatewayClass "refused" was not accepted by its controller gateway\.envoyproxy\.io\/gatewayclass-controller \(InvalidParameters: /,
    );
  });

  test("an HTTPS listener waits for its certificate: Envoy Gateway says InvalidCertificateRef until cert-manager's Secret exists", async () => {
    const ns = await h.cp.newNamespace("certwait");
    const l = h.lifecycle(PROXY);
    const checked = await l.check(undefined, { metadata: { name: "certwait", namespace: ns }, spec: { rules: [{ backends: [{ endpoint: web.url }] }] } }, { urnName: "certwait" });
    const k = kube(h.cp.kc);
    const gatewayRec = await recordStatuses(k, "gateway.networking.k8s.io/v1", "Gateway", ns, "certwait");
    const routeRec = await recordStatuses(k, "gateway.networking.k8s.io/v1", "HTTPRoute", ns, "certwait");
    const progress: string[] = [];
    const created = await l.create(checked.inputs, { preview: false, onProgress: (m) => progress.push(m) });
    expect(created.outputs["ready"]).toBe(true);
    for (const [rec, kind, file] of [[gatewayRec, "Gateway", "gateway-real-certificate-wait.json"], [routeRec, "HTTPRoute", "httproute-real.json"]] as const) {
      const live = await k.get("gateway.networking.k8s.io/v1", kind, ns, "certwait");
      // The recorder's own watch delivers the status create saw; wait for it (bounded), then stop.
      const current = JSON.stringify((live as { status?: unknown } | undefined)?.status ?? {});
      await waitFor(`${kind} recording to reach the live status`, async () => (JSON.stringify(rec.steps().at(-1)?.status ?? {}) === current ? true : undefined), { timeoutMs: 10_000 });
      rec.stop();
      const steps = rec.steps();
      // Every status the real controller wrote before the last one is "not yet", never a failure;
      // the last one is ready. The same expectations are what the recording file replays.
      const expected = steps.map((_, i) => (i === steps.length - 1 ? "ready" : "pending"));
      const observe = observerFor("gateway.networking.k8s.io/v1", kind);
      expect(steps.map((st) => observe?.({ ...live, metadata: { ...live?.metadata, generation: st.generation }, status: st.status }, DEFAULT_OBSERVE_CONTEXT).state)).toEqual(expected);
      if (process.env["PULUMI_DATUM_RECORD"] === "1" && live) {
        writeRecording(join(repoRoot(), "test/await/recordings", file), {
          description: `A${kind === "Gateway" ? " Gateway of an HTTPProxy (HTTP + HTTPS listeners) while cert-manager issues its certificates: InvalidCertificateRef until the Secrets exist, AddressNotAssigned/NoResources until Envoy runs" : "n HTTPRoute of an HTTPProxy attached to its Gateway"}, as the real controller wrote it`,
          source: {
            controller: "Envoy Gateway (github.com/envoyproxy/gateway/cmd/envoy-gateway)",
            version: "v1.8.1",
            recordedBy: "test/dataplane/routing.dataplane.test.ts (PULUMI_DATUM_RECORD=1)",
            setup: "kube-apiserver v1.35.4, Envoy 1.38.3 run by the node agent, cert-manager v1.21.2 + pebble",
          },
          object: { apiVersion: live.apiVersion, kind: live.kind, metadata: { name: "certwait", namespace: "default", generation: 1 }, spec: (live as { spec?: unknown }).spec },
          steps: steps.map((st, i) => ({ ...(st.generation !== undefined && { generation: st.generation }), status: st.status, expect: { state: expected[i] as "ready" | "pending" } })),
        });
      }
    }
    // What the real controller said while cert-manager worked: the listener waited, it did not fail.
    expect(progress.some((m) => /listener "default-https".*InvalidCertificateRef/.test(m))).toBe(true);
  });
});
