// HTTPProxy beyond NSO (issue #16) through real Envoy Gateway and Envoy: each capability switched on
// in the provider's settings (datum:extensions) and proven by requests through the edge.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startBackend, type Backend } from "./backends.ts";
import { edgeRequest, startHarness, type Harness } from "./harness.ts";

const PROXY = "datum:networking:HTTPProxy";
let h: Harness;
let app: Backend;

beforeAll(async () => {
  h = await startHarness({ extensions: { routeTimeouts: true } });
  app = await startBackend(h.dp, "app");
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await h?.stop();
});

interface Stream {
  status: number;
  events: string[];
}

/** Reads a server-sent event stream through the edge until it ends (at most 60 s). */
function readEvents(host: string, path: string): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: h.dp.address, port: 80, path, headers: { host, accept: "text/event-stream" }, timeout: 60_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      const done = (): void => resolve({ status: res.statusCode ?? 0, events: text.split("\n\n").filter((e) => e.startsWith("data: ")) });
      res.on("end", done);
      // Envoy ending a stream at its maximum duration resets it: the events so far still count.
      res.on("error", done);
      res.on("aborted", done);
    });
    req.on("timeout", () => req.destroy(new Error(`stream ${host}${path} still open after 60 s`)));
    req.on("error", reject);
    req.end();
  });
}

describe("routeTimeouts: per-rule deadlines and the streaming profile", () => {
  test("a slow backend gets 504 after its rule's 1 s deadline while an SSE stream on the streaming rule stays open past it, up to its own maximum duration", async () => {
    const ns = await h.cp.newNamespace("timeouts");
    const host = "timeouts.dp.example";
    await h.up(
      PROXY,
      {
        metadata: { name: "timeouts", namespace: ns },
        spec: {
          hostnames: [host],
          rules: [
            { name: "slow", matches: [{ path: { type: "PathPrefix", value: "/delay" } }], timeouts: { request: "1s" }, backends: [{ endpoint: app.url }] },
            { name: "events", matches: [{ path: { type: "PathPrefix", value: "/sse" } }], timeouts: { streaming: { idleTimeout: "5s", maxDuration: "30s" } }, backends: [{ endpoint: app.url }] },
            { name: "short", matches: [{ path: { type: "PathPrefix", value: "/short/sse" } }], filters: [{ type: "URLRewrite", urlRewrite: { path: { type: "ReplacePrefixMatch", replacePrefixMatch: "/sse" } } }], timeouts: { streaming: { maxDuration: "2s" } }, backends: [{ endpoint: app.url }] },
            { name: "default", backends: [{ endpoint: app.url }] },
          ],
        },
      },
      "timeouts",
    );

    const fast = await edgeRequest(h.dp.address, host, "/delay?ms=100");
    expect(fast.status).toBe(200);
    // Envoy's own answer at the deadline (the backend would have answered 200 after 4 s).
    const slow = await edgeRequest(h.dp.address, host, "/delay?ms=4000");
    expect(slow.status).toBe(504);
    expect(slow.body).toContain("upstream request timeout");

    // 8 events 500 ms apart: all of them arrive, so the stream lived ~3.5 s, far past the 1 s deadline of the other rule.
    const sse = await readEvents(host, "/sse?events=8&intervalMs=500");
    expect(sse.status).toBe(200);
    expect(sse.events).toEqual(Array.from({ length: 8 }, (_, i) => `data: app ${i}`));

    // The same stream on a rule whose maximum stream duration is 2 s is cut there (its own BackendTrafficPolicy).
    const cut = await readEvents(host, "/short/sse?events=20&intervalMs=500");
    expect(cut.status).toBe(200);
    expect(cut.events.length).toBeGreaterThan(0);
    expect(cut.events.length).toBeLessThan(20);
  });
});
