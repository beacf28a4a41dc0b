import { request as httpRequest } from "node:http";
import { str } from "../json";
import { asArray, asObj } from "../../core/json";

/**
 * Is the HTTPProxy's route live in Envoy? Envoy Gateway reports a Gateway `Programmed` and a route
 * `Accepted` once it has translated them; Envoy receives the configuration over xDS a moment later,
 * and nothing in the cluster says when it did. So, optionally (`httpProbe`), `up` sends one request
 * per hostname through the Gateway for the first rule whose match can be written as a plain request,
 * and waits until Envoy routes it — any answer except Envoy's own "no route" reply (404 with an
 * empty body and no upstream timing header).
 */

export interface ProbeRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A request one rule's match admits, or undefined when the match needs a regular expression. */
function requestFor(match: unknown): ProbeRequest | undefined {
  const m = asObj(match);
  const path = asObj(m["path"]);
  const type = str(path["type"]) ?? "PathPrefix";
  if (type !== "PathPrefix" && type !== "Exact") return undefined;
  const headers = exactHeaders(m);
  if (headers === undefined) return undefined;
  const query = new URLSearchParams();
  for (const q of asArray(m["queryParams"]).map(asObj)) {
    if ((str(q["type"]) ?? "Exact") !== "Exact") return undefined;
    const name = str(q["name"]);
    const value = str(q["value"]);
    if (name === undefined || value === undefined) return undefined;
    query.append(name, value);
  }
  const base = str(path["value"]) ?? "/";
  const qs = query.toString();
  return { method: str(m["method"]) ?? "GET", path: qs ? `${base}?${qs}` : base, headers };
}

/** The Exact header matches as request headers; undefined when one needs a regular expression. */
function exactHeaders(match: Record<string, unknown>): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const h of asArray(match["headers"]).map(asObj)) {
    if ((str(h["type"]) ?? "Exact") !== "Exact") return undefined;
    const name = str(h["name"]);
    const value = str(h["value"]);
    if (name === undefined || value === undefined) return undefined;
    headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** Names a probe call uses where a gRPC match leaves the service or the method open. */
const PROBE_SERVICE = "datum.probe.Probe";
const PROBE_METHOD = "Probe";

/**
 * A gRPC call one GRPCProxy match admits, as the HTTP request it is (POST /service/method,
 * content-type application/grpc); undefined when the match needs a regular expression. Whatever
 * the backend answers, Envoy routed it.
 */
function grpcRequestFor(match: unknown): ProbeRequest | undefined {
  const m = asObj(match);
  const method = asObj(m["method"]);
  if ((str(method["type"]) ?? "Exact") !== "Exact") return undefined;
  const headers = exactHeaders(m);
  if (headers === undefined) return undefined;
  const path = `/${str(method["service"]) ?? PROBE_SERVICE}/${str(method["method"]) ?? PROBE_METHOD}`;
  return { method: "POST", path, headers: { ...headers, "content-type": "application/grpc", te: "trailers" } };
}

/** The probe call of a GRPCProxy's rules: the first rule's first writable match. */
export function grpcProbeRequest(rules: unknown): ProbeRequest | undefined {
  for (const rule of asArray(rules).map(asObj)) {
    const matches = asArray(rule["matches"]);
    for (const m of matches.length ? matches : [{}]) {
      const r = grpcRequestFor(m);
      if (r) return r;
    }
  }
  return undefined;
}

/** The first rule's first writable match (a rule without matches matches every request). */
export function probeRequest(rules: unknown): ProbeRequest | undefined {
  for (const rule of asArray(rules).map(asObj)) {
    const matches = asArray(rule["matches"]);
    for (const m of matches.length ? matches : [{}]) {
      const r = requestFor(m);
      if (r) return r;
    }
  }
  return undefined;
}

export interface RouteProbeOptions {
  readonly address: string;
  readonly port: number;
  readonly hostname: string;
  readonly request: ProbeRequest;
  readonly deadlineMs: number;
  readonly signal?: AbortSignal;
  /** Pause between attempts (default 100 ms). */
  readonly intervalMs?: number;
}

export type RouteProbeResult = { readonly routed: true; readonly status: number } | { readonly routed: false; readonly message: string };

function once(o: RouteProbeOptions, timeoutMs: number): Promise<{ status: number; upstream: boolean; bodyBytes: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: o.address, port: o.port, method: o.request.method, path: o.request.path, headers: { ...o.request.headers, host: o.hostname }, timeout: timeoutMs },
      (res) => {
        let bodyBytes = 0;
        res.on("data", (c: Buffer) => (bodyBytes += c.length));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, upstream: res.headers["x-envoy-upstream-service-time"] !== undefined, bodyBytes }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export async function waitForRoute(o: RouteProbeOptions): Promise<RouteProbeResult> {
  let last = "no attempt";
  const interval = o.intervalMs ?? 100;
  // Bounded by the deadline and by a number of attempts.
  for (let attempt = 0; attempt < 100_000 && Date.now() < o.deadlineMs; attempt++) {
    if (o.signal?.aborted) return { routed: false, message: "cancelled" };
    try {
      const r = await once(o, Math.max(1, Math.min(5_000, o.deadlineMs - Date.now())));
      if (!(r.status === 404 && !r.upstream && r.bodyBytes === 0)) return { routed: true, status: r.status };
      last = "Envoy answers 404 (no route yet)";
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  return { routed: false, message: `${o.request.method} http://${o.hostname}${o.request.path} via ${o.address}:${o.port}: ${last}` };
}
