/**
 * The single door to the API server: authentication (from @kubernetes/client-node), request
 * counting, per-attempt timeouts, retries and the mapping of answers to typed errors. Higher
 * layers speak in object terms and never see HTTP.
 */
import { HttpMethod, IsomorphicFetchHttpLibrary, RequestContext } from "@kubernetes/client-node";
import { systemClock, type Clock } from "./clock";
import {
  AbortedError,
  KubeApiError,
  KubeError,
  TransportError,
  type ErrorSubject,
  type StatusCause,
  type Verb,
} from "./errors";
import type { LoadedKubeConfig } from "./kubeconfig";
import { describeCredentialFailure } from "./kubeconfig-document";
import type { ApiMetrics, RequestClass } from "./metrics";
import { DEFAULT_RETRY_POLICY, isTimeoutReason, reasonText, withRetry, type RetryPolicy } from "./retry";
import { isObj } from "../core/json";

export type HttpVerb = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface TransportRequest {
  readonly method: HttpVerb;
  /** API path, e.g. /apis/gateway.networking.k8s.io/v1/namespaces/ns/httproutes/app */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly contentType?: string;
  readonly class: RequestClass;
  readonly verb: Verb;
  readonly subject: ErrorSubject;
  /** Cancels the operation (also during retry sleeps); AbortSignal.timeout() acts as a deadline. */
  readonly signal?: AbortSignal;
  /** Absolute clock time after which no new attempt starts. */
  readonly deadline?: number;
  /** Non-2xx statuses to return instead of throwing (e.g. 404 on get). */
  readonly accept?: readonly number[];
}

export interface TransportResponse {
  readonly status: number;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  readonly body: unknown;
}

export interface OpenStream {
  readonly stream: ReadableStream<Uint8Array>;
  /** Ends the stream and its connection. */
  close(): void;
}

export interface TransportOptions {
  readonly metrics?: ApiMetrics;
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
  readonly random?: () => number;
  /** Time allowed for one attempt to answer (headers and body), default 30 s. */
  readonly requestTimeoutMs?: number;
  readonly userAgent?: string;
}

/** Credentials could not be produced (exec plugin failed, token file unreadable, …). Not retried. */
export class CredentialsError extends KubeError {
  readonly errorKind = "transport" as const;
  constructor(verb: Verb, subject: ErrorSubject, readonly detail: string) {
    super(`${verb}: cannot obtain cluster credentials: ${detail}`, verb, subject);
    this.name = "CredentialsError";
  }
}

type Dispatcher = ReturnType<RequestContext["getDispatcher"]>;

const METHODS: Record<HttpVerb, HttpMethod> = {
  GET: HttpMethod.GET,
  POST: HttpMethod.POST,
  PUT: HttpMethod.PUT,
  PATCH: HttpMethod.PATCH,
  DELETE: HttpMethod.DELETE,
};

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function retryAfter(headers: Record<string, string>, details: Record<string, unknown> | undefined): number | undefined {
  const h = headers["retry-after"];
  if (h !== undefined && /^\d+$/.test(h.trim())) return Number(h.trim());
  const d = details?.["retryAfterSeconds"];
  return typeof d === "number" ? d : undefined;
}

/** Build the typed error for a non-2xx answer, keeping the server's Status fields. */
export function apiErrorFrom(verb: Verb, subject: ErrorSubject, status: number, body: unknown, headers: Record<string, string> = {}): KubeApiError {
  if (isObj(body) && body["kind"] === "Status") {
    const details = isObj(body["details"]) ? body["details"] : undefined;
    const causes: StatusCause[] = Array.isArray(details?.["causes"])
      ? (details["causes"] as unknown[]).filter(isObj).map((c) => ({
          ...(typeof c["field"] === "string" ? { field: c["field"] } : {}),
          ...(typeof c["reason"] === "string" ? { reason: c["reason"] } : {}),
          ...(typeof c["message"] === "string" ? { message: c["message"] } : {}),
        }))
      : [];
    const reason = typeof body["reason"] === "string" ? body["reason"] : "";
    const message = typeof body["message"] === "string" && body["message"] !== "" ? body["message"] : `HTTP ${status}`;
    return new KubeApiError(verb, subject, status, reason, message, causes, retryAfter(headers, details));
  }
  const text = typeof body === "string" ? body.trim().slice(0, 2_000) : body === undefined ? "" : JSON.stringify(body).slice(0, 2_000);
  return new KubeApiError(verb, subject, status, "", text || `HTTP ${status}`, [], retryAfter(headers, undefined));
}

function describeFetchError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // undici hides the socket error in `cause` behind a generic "fetch failed".
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return `${e.message}: ${typeof code === "string" ? `${code} ` : ""}${cause.message}`;
  }
  return e.message;
}

export class KubeTransport {
  readonly clock: Clock;
  private readonly http = new IsomorphicFetchHttpLibrary();
  private readonly retryPolicy: RetryPolicy;
  private readonly random: () => number;
  private readonly requestTimeoutMs: number;
  /** One connection pool for the client's lifetime (client-node builds a fresh one per request). */
  private dispatcher: Dispatcher;
  private haveDispatcher = false;
  private closed = false;

  constructor(
    readonly config: LoadedKubeConfig,
    private readonly options: TransportOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.retryPolicy = options.retry ?? DEFAULT_RETRY_POLICY;
    this.random = options.random ?? Math.random;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** One logical request with retries; returns 2xx (and `accept`ed) answers, throws KubeErrors otherwise. */
  async send(req: TransportRequest): Promise<TransportResponse> {
    return withRetry(
      {
        verb: req.verb,
        subject: req.subject,
        policy: this.retryPolicy,
        clock: this.clock,
        random: this.random,
        ...(req.deadline !== undefined ? { deadline: req.deadline } : {}),
        ...(req.signal !== undefined ? { signal: req.signal } : {}),
      },
      (attempt) => this.attempt(req, attempt),
    );
  }

  /**
   * One streaming GET (watch). No retries here: the watch loop decides whether to resume or
   * re-list. Resolves once the headers arrived with 200; other statuses throw KubeApiError.
   */
  async openStream(req: TransportRequest, attempt = 0): Promise<OpenStream> {
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort(req.signal?.reason);
    if (req.signal?.aborted) throw new AbortedError(req.verb, req.subject, reasonText(req.signal));
    req.signal?.addEventListener("abort", onAbort, { once: true });
    const headerTimer = setTimeout(() => ctl.abort(new Error("header timeout")), this.requestTimeoutMs);
    const started = this.clock.now();
    let status = 0;
    try {
      const ctx = await this.context(req, ctl.signal);
      const res = await this.http.send(ctx).toPromise();
      status = res.httpStatusCode;
      if (status !== 200) {
        const body = parseBody(await res.body.text());
        throw apiErrorFrom(req.verb, req.subject, status, body, res.headers);
      }
      const stream = res.body.stream();
      if (stream === null || stream === undefined) {
        throw new TransportError(req.verb, req.subject, "watch response has no body stream");
      }
      return {
        stream: stream as ReadableStream<Uint8Array>,
        close: () => {
          req.signal?.removeEventListener("abort", onAbort);
          ctl.abort(new Error("closed"));
        },
      };
    } catch (e) {
      req.signal?.removeEventListener("abort", onAbort);
      ctl.abort(new Error("failed"));
      throw this.mapThrown(e, req, ctl.signal);
    } finally {
      clearTimeout(headerTimer);
      this.options.metrics?.record({ class: req.class, method: req.method, path: req.path, status, durationMs: this.clock.now() - started, attempt });
    }
  }

  /** Releases pooled connections. Further requests open a new pool. */
  async close(): Promise<void> {
    this.closed = true;
    const d = this.dispatcher;
    this.dispatcher = undefined;
    this.haveDispatcher = false;
    if (d !== undefined) await d.close().catch(() => undefined);
  }

  private url(req: TransportRequest): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) qs.set(k, v);
    const q = qs.toString();
    return `${this.config.server}${req.path}${q ? `?${q}` : ""}`;
  }

  private async context(req: TransportRequest, signal: AbortSignal): Promise<RequestContext> {
    const ctx = new RequestContext(this.url(req), METHODS[req.method]);
    try {
      await this.config.kubeConfig.applySecurityAuthentication(ctx);
    } catch (e) {
      // Never the error's text: an exec plugin's stderr or an auth provider's answer may quote a token.
      throw new CredentialsError(req.verb, req.subject, describeCredentialFailure(this.config.kubeConfig.getCurrentUser(), e));
    }
    if (!this.haveDispatcher || this.closed) {
      this.dispatcher = ctx.getDispatcher();
      this.haveDispatcher = true;
      this.closed = false;
    }
    if (this.dispatcher !== undefined) ctx.setDispatcher(this.dispatcher);
    ctx.setHeaderParam("Accept", "application/json");
    ctx.setHeaderParam("User-Agent", this.options.userAgent ?? "pulumi-datum");
    if (req.body !== undefined) {
      ctx.setHeaderParam("Content-Type", req.contentType ?? "application/json");
      ctx.setBody(req.body);
    }
    ctx.setSignal(signal);
    return ctx;
  }

  private async attempt(req: TransportRequest, attempt: number): Promise<TransportResponse> {
    const ctl = new AbortController();
    const onAbort = (): void => ctl.abort(req.signal?.reason);
    if (req.signal?.aborted) throw new AbortedError(req.verb, req.subject, reasonText(req.signal));
    req.signal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => ctl.abort(new Error("request timeout")), this.requestTimeoutMs);
    const started = this.clock.now();
    let status = 0;
    try {
      const ctx = await this.context(req, ctl.signal);
      const res = await this.http.send(ctx).toPromise();
      const body = parseBody(await res.body.text());
      status = res.httpStatusCode;
      if ((status >= 200 && status < 300) || req.accept?.includes(status)) return { status, body };
      throw apiErrorFrom(req.verb, req.subject, status, body, res.headers);
    } catch (e) {
      throw this.mapThrown(e, req, ctl.signal);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener("abort", onAbort);
      this.options.metrics?.record({ class: req.class, method: req.method, path: req.path, status, durationMs: this.clock.now() - started, attempt });
    }
  }

  private mapThrown(e: unknown, req: TransportRequest, attemptSignal: AbortSignal): KubeError {
    if (e instanceof KubeError) return e;
    if (req.signal?.aborted) {
      return new AbortedError(req.verb, req.subject, isTimeoutReason(req.signal.reason) ? "operation deadline" : reasonText(req.signal));
    }
    if (attemptSignal.aborted) {
      return new TransportError(req.verb, req.subject, `no answer within ${this.requestTimeoutMs} ms`, { cause: e });
    }
    return new TransportError(req.verb, req.subject, describeFetchError(e), { cause: e });
  }
}
