// A stand-in for the Envoy data plane (which cannot run here) in the ACME lifecycle tests: an HTTP
// server on 127.0.0.1 that answers from what is in the real kube-apiserver — HTTPRoutes (Host in
// spec.hostnames, Exact path match) whose rule's ExtensionRef names an Envoy Gateway
// HTTPRouteFilter with a direct response — and 404 otherwise. So pebble validates http-01 against
// the objects the provider actually wrote, as Envoy Gateway would program them.
import type { KubeClient, KubeObject } from "../../provider/kube/index.ts";
import { startLocalHttp, type LocalHttp } from "../domain/local-http.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export interface ApiserverDataPlane {
  readonly http: LocalHttp;
  /** `Host path -> status` of every request answered. */
  readonly served: string[];
  close(): Promise<void>;
}

async function answer(client: KubeClient, namespace: string, host: string, path: string): Promise<{ status: number; body: string }> {
  const routes = await client.list({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace });
  for (const route of routes.items as KubeObject[]) {
    const spec = isObj(route["spec"]) ? route["spec"] : {};
    if (!list(spec["hostnames"]).includes(host)) continue;
    for (const rule of list(spec["rules"]).filter(isObj)) {
      const matches = list(rule["matches"]).filter(isObj);
      if (!matches.some((m) => isObj(m["path"]) && m["path"]["type"] === "Exact" && m["path"]["value"] === path)) continue;
      const ref = list(rule["filters"]).filter(isObj).find((f) => f["type"] === "ExtensionRef")?.["extensionRef"];
      const name = isObj(ref) ? String(ref["name"]) : "";
      const filter = name === "" ? undefined : await client.get({ apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "HTTPRouteFilter", namespace, name });
      const direct = filter && isObj(filter["spec"]) && isObj(filter["spec"]["directResponse"]) ? filter["spec"]["directResponse"] : undefined;
      // Envoy Gateway answers 500 for a route whose ExtensionRef does not resolve.
      if (direct === undefined) return { status: 500, body: "" };
      const body = isObj(direct["body"]) ? String(direct["body"]["inline"] ?? "") : "";
      return { status: Number(direct["statusCode"] ?? 200), body };
    }
  }
  return { status: 404, body: "" };
}

/** Serves the routes of one namespace on `port` (pebble's http-01 port). */
export async function startApiserverDataPlane(client: KubeClient, namespace: () => string, port: number): Promise<ApiserverDataPlane> {
  const served: string[] = [];
  const http = await startLocalHttp(port, (req, res) => {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    const path = req.url ?? "/";
    answer(client, namespace(), host, path).then(
      (a) => {
        served.push(`${host} ${path} -> ${a.status}`);
        res.statusCode = a.status;
        res.setHeader("Content-Type", "text/plain");
        res.end(a.body);
      },
      () => {
        res.statusCode = 503;
        res.end();
      },
    );
  });
  return { http, served, close: () => http.close() };
}
