// Requests through real Envoy (configured by the real Envoy Gateway controller) for what an
// HTTPProxy renders: the provider's create returns only when the edge serves, so the first request
// after it must succeed — no retry loop here.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
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

  test("an HTTPS listener waits for its certificate: Envoy Gateway says InvalidCertificateRef until cert-manager's Secret exists", async () => {
    const ns = await h.cp.newNamespace("certwait");
    const l = h.lifecycle(PROXY);
    const checked = await l.check(undefined, { metadata: { name: "certwait", namespace: ns }, spec: { rules: [{ backends: [{ endpoint: web.url }] }] } }, { urnName: "certwait" });
    const progress: string[] = [];
    const created = await l.create(checked.inputs, { preview: false, onProgress: (m) => progress.push(m) });
    expect(created.outputs["ready"]).toBe(true);
    // What the real controller said while cert-manager worked: the listener waited, it did not fail.
    expect(progress.some((m) => /listener "default-https".*InvalidCertificateRef/.test(m))).toBe(true);
  });
});
