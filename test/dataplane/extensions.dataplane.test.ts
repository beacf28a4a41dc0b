// HTTPProxy beyond NSO (issue #16) through real Envoy Gateway and Envoy: each capability switched on
// in the provider's settings (datum:extensions) and proven by requests through the edge.
import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { kube, type KObject } from "../infra/kube.ts";
import { startBackend, type Backend } from "./backends.ts";
import { edgeRequest, edgeWebSocketEcho, startHarness, type Harness } from "./harness.ts";

const PROXY = "datum:networking:HTTPProxy";
let h: Harness;
let app: Backend;
let h2c: Backend;
let canary: Backend;
let shadow: Backend;

beforeAll(async () => {
  h = await startHarness({ extensions: { routeTimeouts: true, backendProtocols: true, weightedBackends: true, requestMirroring: true } });
  app = await startBackend(h.dp, "app");
  h2c = await startBackend(h.dp, "h2c", { h2c: true });
  canary = await startBackend(h.dp, "canary");
  shadow = await startBackend(h.dp, "shadow");
}, 180_000);

afterAll(async () => {
  await app?.stop();
  await h2c?.stop();
  await canary?.stop();
  await shadow?.stop();
  await h?.stop();
});

/** The appProtocol of the Service port a backend renders to. */
async function servicePortProtocol(ns: string, name: string): Promise<string | undefined> {
  const svc = await kube(h.cp.kc).get<KObject & { spec: { ports: { appProtocol?: string }[] } }>("v1", "Service", ns, name);
  return svc?.spec.ports[0]?.appProtocol;
}

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

describe("backendProtocols: h2c and WebSocket backends", () => {
  test("an h2c-only backend is reached over HTTP/2 cleartext with protocol h2c (and fails without it); a WebSocket echo round-trips with protocol websocket", async () => {
    const ns = await h.cp.newNamespace("protocols");
    const host = "protocols.dp.example";
    await h.up(
      PROXY,
      {
        metadata: { name: "protocols", namespace: ns },
        spec: {
          hostnames: [host],
          rules: [
            { name: "h2c", matches: [{ path: { type: "PathPrefix", value: "/" } }], backends: [{ endpoint: h2c.url, protocol: "h2c" }] },
            { name: "plain", matches: [{ path: { type: "PathPrefix", value: "/plain" } }], backends: [{ endpoint: h2c.url }] },
            { name: "ws", matches: [{ path: { type: "PathPrefix", value: "/ws" } }], backends: [{ endpoint: app.url, protocol: "websocket" }] },
          ],
        },
      },
      "protocols",
    );
    expect(await servicePortProtocol(ns, "route-protocols-rule-0-backendref-0")).toBe("kubernetes.io/h2c");
    expect(await servicePortProtocol(ns, "route-protocols-rule-1-backendref-0")).toBe("http");
    expect(await servicePortProtocol(ns, "route-protocols-rule-2-backendref-0")).toBe("kubernetes.io/ws");

    // The client speaks HTTP/1.1 to the edge; Envoy speaks HTTP/2 without TLS to the backend.
    const viaH2c = await edgeRequest(h.dp.address, host, "/hello");
    expect(viaH2c.status).toBe(200);
    expect(viaH2c.json()).toMatchObject({ backend: "h2c", path: "/hello", httpVersion: "2.0" });
    // Without the hint Envoy speaks HTTP/1.1, which an h2c-only server does not answer: Envoy gives 502.
    const plain = await edgeRequest(h.dp.address, host, "/plain");
    expect(plain.status).toBe(502);

    expect(await edgeWebSocketEcho(h.dp.address, host, "/ws", "hello")).toBe("app: hello");
  });
});

describe("weightedBackends: a canary", () => {
  test("a 90/10 split measured over 1000 requests lands within ±3 percentage points of 10 % (3.2 σ of the binomial)", async () => {
    const ns = await h.cp.newNamespace("canary");
    const host = "canary.dp.example";
    await h.up(
      PROXY,
      {
        metadata: { name: "canary", namespace: ns },
        spec: { hostnames: [host], rules: [{ name: "split", backends: [{ endpoint: app.url, weight: 90 }, { endpoint: canary.url, weight: 10 }] }] },
      },
      "canary",
    );
    const N = 1000;
    const counts: Record<string, number> = {};
    for (let i = 0; i < N; i++) {
      const r = await edgeRequest(h.dp.address, host, `/n/${i}`);
      const backend = String(r.headers["x-backend"] ?? `status ${r.status}`);
      counts[backend] = (counts[backend] ?? 0) + 1;
    }
    console.log(`[canary] ${N} requests: ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(["app", "canary"]);
    // p = 0.1, n = 1000: σ = √(n·p·(1−p)) ≈ 9.5 requests; ±30 requests (3 points) is 3.2 σ.
    expect(Math.abs((counts["canary"] ?? 0) - 0.1 * N)).toBeLessThanOrEqual(0.03 * N);
    expect((counts["app"] ?? 0) + (counts["canary"] ?? 0)).toBe(N);
  });
});

/** The paths under `prefix` that reached a backend, read from it directly once the count settles (mirrors are fire-and-forget). */
async function pathsSeen(b: Backend, prefix: string): Promise<string[]> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const seen = ((await (await fetch(`${b.url}/__requests`)).json()) as { path: string }[]).map((r) => r.path).filter((p) => p.startsWith(prefix));
    if (seen.length === last) return seen;
    last = seen.length;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`requests to ${b.name} under ${prefix} did not settle`);
}

describe("requestMirroring: a copy of the rule's requests to a second endpoint", () => {
  test("the mirror sees every request of a 100 % rule and about a quarter of a 25 % rule's, while the primary answers all", async () => {
    const ns = await h.cp.newNamespace("mirror");
    const host = "mirror.dp.example";
    await h.up(
      PROXY,
      {
        metadata: { name: "mirror", namespace: ns },
        spec: {
          hostnames: [host],
          rules: [
            { name: "all", matches: [{ path: { type: "PathPrefix", value: "/all" } }], mirror: { endpoint: shadow.url }, backends: [{ endpoint: app.url }] },
            { name: "some", matches: [{ path: { type: "PathPrefix", value: "/some" } }], mirror: { endpoint: shadow.url, percent: 25 }, backends: [{ endpoint: app.url }] },
          ],
        },
      },
      "mirror",
    );
    for (let i = 0; i < 20; i++) {
      const r = await edgeRequest(h.dp.address, host, `/all/${i}`);
      expect(r.status).toBe(200);
      expect(r.headers["x-backend"]).toBe("app");
    }
    expect((await pathsSeen(shadow, "/all/")).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `/all/${i}`).sort());

    const N = 400;
    for (let i = 0; i < N; i++) expect((await edgeRequest(h.dp.address, host, `/some/${i}`)).headers["x-backend"]).toBe("app");
    const copied = (await pathsSeen(shadow, "/some/")).length;
    console.log(`[mirror] 25 % rule: ${copied} of ${N} requests mirrored`);
    // p = 0.25, n = 400: σ ≈ 8.7 requests; ±26 is 3 σ.
    expect(Math.abs(copied - 0.25 * N)).toBeLessThanOrEqual(26);
  });
});
