// A fault-injecting HTTP proxy on 127.0.0.1 between a client and a real kube-apiserver.
//
//   const proxy = await startFaultProxy(cp.kubeconfig);
//   proxy.inject({ match: { method: "GET" }, times: 2, action: { kind: "status", status: 500 } });
//   const client = createKubeClient({ kubeconfig: proxy.kubeconfig });
//
// The client talks TLS to the proxy, as it does to a real API server (the proxy's certificate is
// issued for 127.0.0.1 by a throw-away CA that its kubeconfig trusts), so faults reach the provider
// through its real TLS transport; the proxy forwards over TLS with the admin client certificate from
// the upstream kubeconfig. Rules apply in order; the first matching rule with
// remaining `times` acts. Every request is logged with what happened to it.
import { KubeConfig } from "@kubernetes/client-node";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { Agent, createServer, request as httpsRequest, type RequestOptions } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCA } from "../infra/tls.ts";
import type { AddressInfo, Socket } from "node:net";

export type FaultAction =
  /** Answer with this status (and a Status body) instead of forwarding. */
  | { readonly kind: "status"; readonly status: number; readonly retryAfterSeconds?: number; readonly message?: string }
  /** Destroy the client connection without answering. */
  | { readonly kind: "drop" }
  /** Wait, then forward (to trip per-request timeouts). */
  | { readonly kind: "delay"; readonly ms: number }
  /** Forward, then cut both connections after ms (mid-body, e.g. a watch stream). */
  | { readonly kind: "cutAfter"; readonly ms: number }
  /** Answer a watch with these NDJSON events and end the stream (e.g. a 410 ERROR event). */
  | { readonly kind: "watchEvents"; readonly events: readonly unknown[] };

export interface FaultRule {
  readonly match?: { readonly method?: string; readonly path?: RegExp; readonly watch?: boolean };
  /** How many matching requests this rule affects (default: all). */
  readonly times?: number;
  readonly action: FaultAction;
}

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly watch: boolean;
  /** "forwarded", "injected <status>", "dropped", "delayed", "cut", "watchEvents" */
  readonly outcome: string;
  readonly at: number;
}

export interface FaultProxy {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  /** The proxy's serving certificate and key and the CA (PEM) its kubeconfig trusts (for hops in front of it). */
  readonly tls: { readonly ca: string; readonly cert: string; readonly key: string };
  /** Kubeconfig pointing at the proxy. */
  readonly kubeconfig: string;
  inject(rule: FaultRule): { remaining(): number; remove(): void };
  clear(): void;
  readonly log: readonly ProxiedRequest[];
  /** Destroy every open client connection (all watches drop at once). */
  dropAllConnections(): void;
  close(): Promise<void>;
}

interface LiveRule {
  rule: FaultRule;
  left: number;
}

function matches(rule: FaultRule, method: string, path: string, watch: boolean): boolean {
  const m = rule.match;
  if (m === undefined) return true;
  if (m.method !== undefined && m.method !== method) return false;
  if (m.path !== undefined && !m.path.test(path)) return false;
  if (m.watch !== undefined && m.watch !== watch) return false;
  return true;
}

function statusBody(code: number, message: string): string {
  const reason = code === 429 ? "TooManyRequests" : code === 503 ? "ServiceUnavailable" : code === 500 ? "InternalError" : code === 403 ? "Forbidden" : "";
  return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
}

export async function startFaultProxy(upstreamKubeconfig: string): Promise<FaultProxy> {
  const kc = new KubeConfig();
  kc.loadFromString(upstreamKubeconfig);
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error("upstream kubeconfig has no current cluster");
  const upstream = new URL(cluster.server);
  const tls: RequestOptions = {};
  await kc.applyToHTTPSOptions(tls);
  const agent = new Agent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key });

  const rules: LiveRule[] = [];
  const log: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();

  const forward = (req: IncomingMessage, res: ServerResponse, cutAfterMs?: number): void => {
    const headers = { ...req.headers };
    delete headers["authorization"];
    headers["host"] = upstream.host;
    const up = httpsRequest(
      { protocol: "https:", hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent, ca: tls.ca, cert: tls.cert, key: tls.key },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        if (cutAfterMs !== undefined) {
          setTimeout(() => {
            upRes.destroy();
            req.socket.destroy();
          }, cutAfterMs);
        }
      },
    );
    up.on("error", () => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "application/json" });
        res.end(statusBody(502, "fault proxy: upstream error"));
      } else {
        req.socket.destroy();
      }
    });
    req.pipe(up);
  };

  const tlsDir = mkdtempSync(join(tmpdir(), "pulumi-datum-fault-proxy-"));
  const ca = createCA(tlsDir, "fault-proxy-ca");
  const serving = ca.issue("proxy", { cn: "127.0.0.1", ips: ["127.0.0.1"] });
  const serverTls = { ca: readFileSync(ca.cert, "utf8"), cert: readFileSync(serving.cert, "utf8"), key: readFileSync(serving.key, "utf8") };
  rmSync(tlsDir, { recursive: true, force: true });
  const server: Server = createServer({ cert: serverTls.cert, key: serverTls.key }, (req, res) => {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://proxy");
    const watch = url.searchParams.get("watch") === "1" || url.searchParams.get("watch") === "true";
    const live = rules.find((r) => r.left > 0 && matches(r.rule, method, url.pathname, watch));
    const record = (outcome: string): void => {
      log.push({ method, path: url.pathname, watch, outcome, at: Date.now() });
    };
    if (live === undefined) {
      record("forwarded");
      forward(req, res);
      return;
    }
    live.left--;
    const a = live.rule.action;
    switch (a.kind) {
      case "status": {
        record(`injected ${a.status}`);
        req.resume();
        const h: Record<string, string> = { "content-type": "application/json" };
        if (a.retryAfterSeconds !== undefined) h["retry-after"] = String(a.retryAfterSeconds);
        res.writeHead(a.status, h);
        res.end(statusBody(a.status, a.message ?? `fault proxy injected ${a.status}`));
        return;
      }
      case "drop":
        record("dropped");
        req.resume();
        req.socket.destroy();
        return;
      case "delay":
        record("delayed");
        setTimeout(() => {
          if (!req.socket.destroyed) forward(req, res);
        }, a.ms);
        return;
      case "cutAfter":
        record("cut");
        forward(req, res, a.ms);
        return;
      case "watchEvents":
        record("watchEvents");
        req.resume();
        res.writeHead(200, { "content-type": "application/json" });
        for (const e of a.events) res.write(`${JSON.stringify(e)}\n`);
        res.end();
        return;
    }
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `https://127.0.0.1:${port}`;
  const kubeconfig = [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: proxy",
    "  cluster:",
    `    server: ${url}`,
    `    certificate-authority-data: ${Buffer.from(serverTls.ca).toString("base64")}`,
    "users:",
    "- name: proxied",
    "  user: {}",
    "contexts:",
    "- name: proxy",
    "  context: {cluster: proxy, user: proxied}",
    "current-context: proxy",
    "",
  ].join("\n");

  return {
    url,
    tls: serverTls,
    kubeconfig,
    log,
    inject(rule) {
      const live: LiveRule = { rule, left: rule.times ?? Number.POSITIVE_INFINITY };
      rules.push(live);
      return {
        remaining: () => live.left,
        remove: () => {
          const i = rules.indexOf(live);
          if (i >= 0) rules.splice(i, 1);
        },
      };
    },
    clear() {
      rules.length = 0;
    },
    dropAllConnections() {
      for (const s of sockets) s.destroy();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
