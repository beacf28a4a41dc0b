import { createHash } from "node:crypto";
import type { HttpGet } from "../await/dns/http-get";
import { systemClock, type Clock } from "../kube/clock";
import type { ChallengeSolver, ChallengeTask, SolverContext } from "./solver";

/**
 * http-01 on the proxy's own Gateway, the way NSO's downstream solver does it: an Envoy Gateway
 * HTTPRouteFilter whose direct response is the key authorization, and an HTTPRoute matching
 * exactly `/.well-known/acme-challenge/<token>` that points at the filter. No solver pod, no
 * Service: Envoy answers the CA itself.
 */

export const HTTP01_SOLVER_LABEL = "meta.datumapis.com/http01-solver";
export const ACME_CHALLENGE_PATH = "/.well-known/acme-challenge/";
/** Envoy Gateway's direct-response inline body limit (NSO's MaxInlineBodySize default). */
export const MAX_INLINE_BODY_BYTES = 1024;

export interface GatewayRef {
  readonly name: string;
  readonly namespace: string;
  /** Listener to attach to (the port-80 one); absent = every listener the route fits. */
  readonly sectionName?: string;
}

export interface Http01Objects {
  readonly filter: {
    readonly apiVersion: "gateway.envoyproxy.io/v1alpha1";
    readonly kind: "HTTPRouteFilter";
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
    readonly spec: {
      readonly directResponse: {
        readonly contentType: "text/plain";
        readonly statusCode: 200;
        readonly body: { readonly type: "Inline"; readonly inline: string };
      };
    };
  };
  readonly route: {
    readonly apiVersion: "gateway.networking.k8s.io/v1";
    readonly kind: "HTTPRoute";
    readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
    readonly spec: {
      readonly parentRefs: readonly { readonly name: string; readonly sectionName?: string }[];
      readonly hostnames: readonly string[];
      readonly rules: readonly {
        readonly matches: readonly { readonly path: { readonly type: "Exact"; readonly value: string } }[];
        readonly filters: readonly {
          readonly type: "ExtensionRef";
          readonly extensionRef: { readonly group: "gateway.envoyproxy.io"; readonly kind: "HTTPRouteFilter"; readonly name: string };
        }[];
      }[];
    };
  };
}

/** `<gateway>-acme-<hash>`: one pair per token, stable across retries, ≤ 63 chars (a label). */
export function http01ObjectName(gateway: string, token: string): string {
  const hash = createHash("sha256").update(token).digest("hex").slice(0, 10);
  const head = gateway.slice(0, 63 - "-acme-".length - hash.length).replace(/-+$/, "");
  return `${head}-acme-${hash}`;
}

export class Http01BodyTooLargeError extends Error {
  constructor(bytes: number) {
    super(`http-01 key authorization is ${bytes} bytes; an HTTPRouteFilter inline body holds at most ${MAX_INLINE_BODY_BYTES}`);
    this.name = "Http01BodyTooLargeError";
  }
}

export function http01Objects(gateway: GatewayRef, task: Pick<ChallengeTask, "hostname" | "token" | "keyAuthorization">): Http01Objects {
  const bytes = Buffer.byteLength(task.keyAuthorization, "utf8");
  if (bytes > MAX_INLINE_BODY_BYTES) throw new Http01BodyTooLargeError(bytes);
  const name = http01ObjectName(gateway.name, task.token);
  const labels = { [HTTP01_SOLVER_LABEL]: "true" };
  return {
    filter: {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "HTTPRouteFilter",
      metadata: { name, namespace: gateway.namespace, labels },
      spec: { directResponse: { contentType: "text/plain", statusCode: 200, body: { type: "Inline", inline: task.keyAuthorization } } },
    },
    route: {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name, namespace: gateway.namespace, labels },
      spec: {
        parentRefs: [{ name: gateway.name, ...(gateway.sectionName !== undefined && { sectionName: gateway.sectionName }) }],
        // Narrower than NSO (which matches any host): a token only answers for its own identifier.
        hostnames: [task.hostname],
        rules: [
          {
            matches: [{ path: { type: "Exact", value: `${ACME_CHALLENGE_PATH}${task.token}` } }],
            filters: [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name } }],
          },
        ],
      },
    },
  };
}

/** What the solver needs from provider/kube: apply and delete plain objects. */
export interface ObjectWriter {
  apply(obj: Http01Objects["filter"] | Http01Objects["route"], signal?: AbortSignal): Promise<void>;
  delete(ref: { apiVersion: string; kind: string; namespace: string; name: string }, signal?: AbortSignal): Promise<void>;
}

export interface Http01SolverOptions {
  readonly gateway: GatewayRef;
  readonly writer: ObjectWriter;
  /**
   * Self-check through the data plane before asking the CA: GET the challenge URL and wait for
   * the key authorization. Absent = trust that the route is programmed once applied.
   */
  readonly selfCheck?: { readonly httpGet: HttpGet; readonly timeoutMs?: number; readonly pollIntervalMs?: number; readonly port?: number };
  readonly clock?: Clock;
}

export function createHttp01Solver(opts: Http01SolverOptions): ChallengeSolver {
  const clock = opts.clock ?? systemClock;

  async function waitServed(task: ChallengeTask, ctx: SolverContext): Promise<void> {
    const check = opts.selfCheck;
    if (check === undefined) return;
    const port = check.port !== undefined && check.port !== 80 ? `:${check.port}` : "";
    const url = `http://${task.hostname}${port}${ACME_CHALLENGE_PATH}${task.token}`;
    const deadline = clock.now() + (check.timeoutMs ?? 60_000);
    let last = "";
    for (;;) {
      let seen: string;
      try {
        const r = await check.httpGet(url, { timeoutMs: 5_000, maxBytes: MAX_INLINE_BODY_BYTES, ...(ctx.signal && { signal: ctx.signal }) });
        if (r.status === 200 && r.body.trim() === task.keyAuthorization) return;
        seen = r.status === 200 ? `body '${r.body.trim().slice(0, 80)}'` : `HTTP ${r.status}`;
      } catch (e) {
        ctx.signal?.throwIfAborted();
        seen = e instanceof Error ? e.message : String(e);
      }
      const message = `HTTP ${url}: ${seen}, want the key authorization (route not programmed yet?)`;
      if (message !== last) ctx.onProgress?.(message);
      last = message;
      if (clock.now() >= deadline) throw new Error(`${message}; gave up before asking the CA`);
      await clock.sleep(check.pollIntervalMs ?? 1_000, ctx.signal);
    }
  }

  return {
    type: "http-01",
    async present(task, ctx) {
      const { filter, route } = http01Objects(opts.gateway, task);
      // Filter first: a route whose ExtensionRef does not resolve yet would answer 500.
      await opts.writer.apply(filter, ctx.signal);
      await opts.writer.apply(route, ctx.signal);
      await waitServed(task, ctx);
    },
    async cleanup(task, ctx) {
      const name = http01ObjectName(opts.gateway.name, task.token);
      const ns = opts.gateway.namespace;
      await opts.writer.delete({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, name }, ctx.signal);
      await opts.writer.delete({ apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "HTTPRouteFilter", namespace: ns, name }, ctx.signal);
    },
  };
}
