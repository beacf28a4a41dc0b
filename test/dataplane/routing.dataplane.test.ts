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
