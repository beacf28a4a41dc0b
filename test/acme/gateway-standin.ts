// A stand-in for the Envoy data plane in the http-01 tests: an HTTP server on 127.0.0.1 that
// serves exactly what the applied HTTPRouteFilter + HTTPRoute objects say — Exact path match,
// route hostnames, ExtensionRef to a direct-response filter — and 404 otherwise. It is also the
// ObjectWriter the solver applies to, so the test exercises the rendered objects, not a shortcut.
import type { Http01Objects, ObjectWriter } from "../../provider/acme/index.ts";
import { startLocalHttp, type LocalHttp } from "../domain/local-http.ts";

type Filter = Http01Objects["filter"];
type Route = Http01Objects["route"];

export interface GatewayStandIn extends ObjectWriter {
  readonly http: LocalHttp;
  readonly filters: Map<string, Filter>;
  readonly routes: Map<string, Route>;
  /** Kinds/names applied and deleted, in order. */
  readonly log: string[];
  close(): Promise<void>;
}

const key = (namespace: string, name: string): string => `${namespace}/${name}`;

export async function startGatewayStandIn(port: number): Promise<GatewayStandIn> {
  const filters = new Map<string, Filter>();
  const routes = new Map<string, Route>();
  const log: string[] = [];
  const http = await startLocalHttp(port, (req, res) => {
    const host = (req.headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
    for (const route of routes.values()) {
      if (!route.spec.hostnames.includes(host)) continue;
      for (const rule of route.spec.rules) {
        if (!rule.matches.some((m) => m.path.type === "Exact" && m.path.value === req.url)) continue;
        const ref = rule.filters.find((f) => f.type === "ExtensionRef")?.extensionRef;
        const filter = ref === undefined ? undefined : filters.get(key(route.metadata.namespace, ref.name));
        if (filter === undefined) {
          // Envoy Gateway answers 500 for a route whose ExtensionRef does not resolve.
          res.statusCode = 500;
          res.end();
          return;
        }
        res.statusCode = filter.spec.directResponse.statusCode;
        res.setHeader("Content-Type", filter.spec.directResponse.contentType);
        res.end(filter.spec.directResponse.body.inline);
        return;
      }
    }
    res.statusCode = 404;
    res.end();
  });
  return {
    http,
    filters,
    routes,
    log,
    async apply(obj) {
      log.push(`apply ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`);
      if (obj.kind === "HTTPRouteFilter") filters.set(key(obj.metadata.namespace, obj.metadata.name), obj);
      else routes.set(key(obj.metadata.namespace, obj.metadata.name), obj);
    },
    async delete(ref) {
      log.push(`delete ${ref.kind} ${ref.namespace}/${ref.name}`);
      (ref.kind === "HTTPRouteFilter" ? filters : routes).delete(key(ref.namespace, ref.name));
    },
    close: () => http.close(),
  };
}
