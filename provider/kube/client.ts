/**
 * The provider's Kubernetes client: server-side apply (and its dry run), read, list, delete
 * with wait-until-gone, and watches, on any kind the cluster serves. Shaped for the lifecycle:
 * render → apply in order → prune by source labels → await readiness; preview = dry runs only.
 */
import type { Clock } from "./clock";
import { type InstallHint } from "./crd-hints";
import { Discovery, type ResourceInfo } from "./discovery";
import { AbortedError, DeadlineExceededError, isExpired, isKubeError, isNotFound, KubeApiError, type ErrorSubject, type KubeError, type Verb } from "./errors";
import { loadKubeConfig, type KubeConfigSource, type LoadedKubeConfig } from "./kubeconfig";
import type { ApiMetrics } from "./metrics";
import { isTimeoutReason, reasonText, type RetryPolicy } from "./retry";
import { KubeTransport, type TransportOptions, type TransportRequest } from "./transport";
import { asKubeObject, describeRef, type KubeObject, type ObjectQuery, type ObjectRef } from "./types";
import { readWatchStream, reflect, type ListWatchSource, type ObjectList, type ReflectOptions, type Reflection, type ReflectHandlers, type WatchEnd, type WatchEvent, type WatchOptions } from "./watch";
import { isObj } from "../core/json";

export interface KubeClientOptions {
  /** SSA field manager (default "pulumi-datum"). */
  readonly fieldManager?: string;
  /** Take over fields owned by other managers on apply. Off unless configured: conflicts are user decisions. */
  readonly force?: boolean;
  /** Server-side field validation for apply (default Strict: unknown fields are errors, not silently dropped). */
  readonly fieldValidation?: "Strict" | "Warn" | "Ignore";
  readonly metrics?: ApiMetrics;
  readonly retry?: RetryPolicy;
  readonly clock?: Clock;
  readonly random?: () => number;
  readonly requestTimeoutMs?: number;
  readonly installHints?: readonly InstallHint[];
  /** Namespace for namespaced objects that name none (default: the context's, else "default"). */
  readonly defaultNamespace?: string;
}

export interface CallOptions {
  /** Cancellation; AbortSignal.timeout(ms) reads as a deadline in errors. */
  readonly signal?: AbortSignal;
  /** Operation deadline: no retry starts after this many ms. */
  readonly timeoutMs?: number;
}

export interface ApplyOptions extends CallOptions {
  /** dryRun=All: full admission and validation, nothing persisted. */
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly fieldManager?: string;
}

export type PropagationPolicy = "Foreground" | "Background" | "Orphan";

export interface DeleteOptions extends CallOptions {
  /** Default Background: Foreground needs the garbage collector to ever finish. */
  readonly propagationPolicy?: PropagationPolicy;
  readonly gracePeriodSeconds?: number;
  readonly dryRun?: boolean;
}

export interface ListOptions extends CallOptions {
  /** Page size for chunked lists (default 500). */
  readonly limit?: number;
}

/** "deleted": a DELETE was accepted; "absent": there was nothing to delete. */
export type DeleteOutcome = "deleted" | "absent";

function resourcePath(info: ResourceInfo, namespace: string | undefined, name?: string): string {
  const base = info.group === "" ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const ns = info.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${base}${ns}/${info.plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ""}`;
}

/** A 404 whose Status names no object means the resource type itself is gone (CRD deleted). */
function isTypeLevel404(e: unknown): boolean {
  if (!isNotFound(e)) return false;
  return e.reason !== "NotFound" || /could not find the requested resource/.test(e.serverMessage);
}

export class KubeClient implements ListWatchSource {
  readonly clock: Clock;
  readonly defaultNamespace: string;
  readonly fieldManager: string;
  readonly server: string;
  private readonly transport: KubeTransport;
  private readonly discovery: Discovery;

  constructor(
    config: LoadedKubeConfig,
    private readonly options: KubeClientOptions = {},
  ) {
    const t: TransportOptions = {
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.random ? { random: options.random } : {}),
      ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    };
    this.transport = new KubeTransport(config, t);
    this.clock = this.transport.clock;
    this.discovery = new Discovery(this.transport, options.installHints);
    this.defaultNamespace = options.defaultNamespace ?? config.defaultNamespace;
    this.fieldManager = options.fieldManager ?? "pulumi-datum";
    this.server = config.server;
  }

  /** REST mapping for a kind (cached); throws MissingKindError when the cluster does not serve it. */
  resolve(apiVersion: string, kind: string, opts: CallOptions = {}): Promise<ResourceInfo> {
    return this.discovery.resolve(apiVersion, kind, "discover", opts.signal);
  }

  /** Server-side apply. Returns the object as stored (or as it would be, with dryRun). */
  async apply(obj: KubeObject, opts: ApplyOptions = {}): Promise<KubeObject> {
    const subject = this.subjectOf(obj);
    return this.onResource("apply", subject, opts, async (info) => {
      const ns = info.namespaced ? (obj.metadata.namespace ?? this.defaultNamespace) : undefined;
      const body = info.namespaced && obj.metadata.namespace === undefined ? { ...obj, metadata: { ...obj.metadata, namespace: ns } } : obj;
      const force = opts.force ?? this.options.force ?? false;
      const res = await this.transport.send({
        ...this.call(opts),
        method: "PATCH",
        path: resourcePath(info, ns, obj.metadata.name),
        query: {
          fieldManager: opts.fieldManager ?? this.fieldManager,
          fieldValidation: this.options.fieldValidation ?? "Strict",
          ...(force ? { force: "true" } : {}),
          ...(opts.dryRun ? { dryRun: "All" } : {}),
        },
        // JSON is YAML, and apply-patch+yaml is accepted by every API server version.
        body: JSON.stringify(body),
        contentType: "application/apply-patch+yaml",
        class: opts.dryRun ? "dryRun" : "write",
        verb: "apply",
        subject: { ...subject, ...(ns !== undefined ? { namespace: ns } : {}) },
      });
      return this.objectFrom(res.body, "apply", subject);
    });
  }

  /** Server-side dry run of an apply: admission, CEL and webhooks run, nothing is written. */
  dryRunApply(obj: KubeObject, opts: Omit<ApplyOptions, "dryRun"> = {}): Promise<KubeObject> {
    return this.apply(obj, { ...opts, dryRun: true });
  }

  /** The object, or undefined when it does not exist. */
  async get(ref: ObjectRef, opts: CallOptions = {}): Promise<KubeObject | undefined> {
    const subject = this.subjectOf(ref);
    return this.onResource("get", subject, opts, async (info) => {
      const res = await this.transport.send({
        ...this.call(opts),
        method: "GET",
        path: resourcePath(info, this.namespaceFor(info, ref.namespace), ref.name),
        class: "read",
        verb: "get",
        subject,
        accept: [404],
      });
      if (res.status === 404) {
        if (isTypeLevel404(this.errorFrom(res.body, "get", subject))) throw this.errorFrom(res.body, "get", subject);
        return undefined;
      }
      return this.objectFrom(res.body, "get", subject);
    });
  }

  /** All objects matching the query (pages followed), with the list's resourceVersion for watching. */
  async list(query: ObjectQuery, opts: ListOptions = {}): Promise<ObjectList> {
    const subject: ErrorSubject = { apiVersion: query.apiVersion, kind: query.kind, ...(query.namespace ? { namespace: query.namespace } : {}) };
    return this.onResource("list", subject, opts, async (info) => {
      const items: KubeObject[] = [];
      let cont: string | undefined;
      let rv = "";
      do {
        const res = await this.transport.send({
          ...this.call(opts),
          method: "GET",
          path: resourcePath(info, info.namespaced ? query.namespace : undefined),
          query: {
            labelSelector: query.labelSelector,
            fieldSelector: query.fieldSelector,
            limit: String(opts.limit ?? 500),
            continue: cont,
          },
          class: "read",
          verb: "list",
          subject,
        });
        const body = isObj(res.body) ? res.body : {};
        const meta = isObj(body["metadata"]) ? body["metadata"] : {};
        rv = typeof meta["resourceVersion"] === "string" ? meta["resourceVersion"] : rv;
        cont = typeof meta["continue"] === "string" && meta["continue"] !== "" ? meta["continue"] : undefined;
        for (const raw of Array.isArray(body["items"]) ? (body["items"] as unknown[]) : []) {
          // Lists of built-in kinds omit apiVersion/kind on items.
          const filled = isObj(raw) ? { apiVersion: query.apiVersion, kind: query.kind, ...raw } : raw;
          const o = asKubeObject(filled);
          if (o !== undefined) items.push(o);
        }
      } while (cont !== undefined);
      return { items, resourceVersion: rv };
    });
  }

  /** DELETE; a 404 is "absent", not an error. */
  async delete(ref: ObjectRef, opts: DeleteOptions = {}): Promise<DeleteOutcome> {
    const subject = this.subjectOf(ref);
    return this.onResource("delete", subject, opts, async (info) => {
      const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions", propagationPolicy: opts.propagationPolicy ?? "Background" };
      if (opts.gracePeriodSeconds !== undefined) body["gracePeriodSeconds"] = opts.gracePeriodSeconds;
      if (opts.dryRun) body["dryRun"] = ["All"];
      const res = await this.transport.send({
        ...this.call(opts),
        method: "DELETE",
        path: resourcePath(info, this.namespaceFor(info, ref.namespace), ref.name),
        body: JSON.stringify(body),
        class: opts.dryRun ? "dryRun" : "write",
        verb: "delete",
        subject,
        accept: [404],
      });
      if (res.status === 404) {
        const err = this.errorFrom(res.body, "delete", subject);
        if (isTypeLevel404(err)) throw err;
        return "absent";
      }
      return "deleted";
    });
  }

  /** Delete and wait until the object is gone (finalizers done). Watches rather than polls. */
  async deleteAndWait(ref: ObjectRef, opts: DeleteOptions = {}): Promise<DeleteOutcome> {
    const deadlineSignal = this.deadlineSignal(opts);
    const o = { ...opts, ...(deadlineSignal ? { signal: deadlineSignal } : {}) };
    const outcome = await this.delete(ref, o);
    if (outcome === "deleted") await this.waitUntilGone(ref, o);
    return outcome;
  }

  /**
   * Resolves once the object does not exist (404, a DELETED event, or a different UID under
   * the same name: a re-created object is not the one we were waiting for).
   */
  async waitUntilGone(ref: ObjectRef, opts: CallOptions = {}): Promise<void> {
    const signal = this.deadlineSignal(opts);
    const subject = this.subjectOf(ref);
    // The cheap common case: no finalizers, already gone.
    const now = await this.get(ref, signal ? { signal } : {});
    if (now === undefined) return;
    const uid = now.metadata.uid;
    let last: KubeObject = now;
    const same = (o: KubeObject): boolean => o.metadata.name === ref.name && (uid === undefined || o.metadata.uid === uid);
    const stop = new AbortController();
    const all = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    try {
      await new Promise<void>((resolve, reject) => {
        let settled = false;
        const finish = (err?: KubeError): void => {
          if (settled) return;
          settled = true;
          r.stop();
          if (err) reject(err);
          else resolve();
        };
        const r = this.reflect(
          this.nameQuery(ref),
          {
            onChange: (type, obj) => {
              if (!same(obj)) return;
              if (type === "DELETED") finish();
              else last = obj;
            },
            onSync: (items) => {
              if (!items.some(same)) finish();
            },
            onError: (e, willRetry) => {
              if (!willRetry) finish(e);
            },
          },
          { signal: all },
        );
        all.addEventListener(
          "abort",
          () => {
            if (isTimeoutReason(signal?.reason)) {
              const finalizers = Array.isArray(last.metadata["finalizers"]) ? (last.metadata["finalizers"] as unknown[]).map(String) : [];
              finish(new DeadlineExceededError("delete", subject, 1, undefined, finalizers.length > 0 ? `finalizers ${finalizers.join(", ")} to be removed` : "the object to disappear"));
            } else {
              finish(new AbortedError("delete", subject, reasonText(signal)));
            }
          },
          { once: true },
        );
        r.done.catch((e: unknown) => finish(isKubeError(e) ? e : new AbortedError("delete", subject, String(e))));
      });
    } finally {
      stop.abort();
    }
  }

  /** One watch stream from a resourceVersion; see reflect() for the self-healing version. */
  async watch(query: ObjectQuery, onEvent: (e: WatchEvent) => void, opts: WatchOptions = {}): Promise<WatchEnd> {
    const subject: ErrorSubject = { apiVersion: query.apiVersion, kind: query.kind, ...(query.namespace ? { namespace: query.namespace } : {}) };
    const info = await this.discovery.resolve(query.apiVersion, query.kind, "watch", opts.signal);
    const req: TransportRequest = {
      method: "GET",
      path: resourcePath(info, info.namespaced ? query.namespace : undefined),
      query: {
        watch: "1",
        allowWatchBookmarks: "true",
        resourceVersion: opts.resourceVersion,
        labelSelector: query.labelSelector,
        fieldSelector: query.fieldSelector,
        timeoutSeconds: String(opts.timeoutSeconds ?? 300),
      },
      class: "watch",
      verb: "watch",
      subject,
      ...(opts.signal ? { signal: opts.signal } : {}),
    };
    let stream;
    try {
      stream = await this.transport.openStream(req);
    } catch (e) {
      if (isExpired(e)) return { reason: "expired", resourceVersion: opts.resourceVersion };
      if (isTypeLevel404(e)) {
        this.discovery.invalidate(query.apiVersion);
        await this.discovery.resolve(query.apiVersion, query.kind, "watch", opts.signal);
      }
      throw e;
    }
    return readWatchStream(stream, "watch", subject, onEvent, opts.resourceVersion, opts.idleTimeoutMs ?? 90_000, opts.signal);
  }

  /** List+watch that survives stream ends, dropped connections and 410 (re-lists). */
  reflect(query: ObjectQuery, handlers: ReflectHandlers, opts: ReflectOptions = {}): Reflection {
    return reflect(this, query, handlers, {
      ...(this.options.retry ? { retry: this.options.retry } : {}),
      ...(this.options.random ? { random: this.options.random } : {}),
      ...opts,
    });
  }

  /** Query for exactly one object by name (what per-object watches use). */
  nameQuery(ref: ObjectRef): ObjectQuery {
    return {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      ...(ref.namespace ? { namespace: ref.namespace } : {}),
      fieldSelector: `metadata.name=${ref.name}`,
    };
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  // -------------------------------------------------------------------------------------------

  private call(opts: CallOptions): Pick<TransportRequest, "signal" | "deadline"> {
    return {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.timeoutMs !== undefined ? { deadline: this.clock.now() + opts.timeoutMs } : {}),
    };
  }

  /** A signal that fires at the call's deadline too, for multi-request operations. */
  private deadlineSignal(opts: CallOptions): AbortSignal | undefined {
    if (opts.timeoutMs === undefined) return opts.signal;
    const t = AbortSignal.timeout(opts.timeoutMs);
    return opts.signal ? AbortSignal.any([opts.signal, t]) : t;
  }

  private namespaceFor(info: ResourceInfo, ns: string | undefined): string | undefined {
    return info.namespaced ? (ns ?? this.defaultNamespace) : undefined;
  }

  private subjectOf(x: { apiVersion: string; kind: string; name?: string; namespace?: string; metadata?: { name: string; namespace?: string } }): ErrorSubject {
    const name = x.metadata?.name ?? x.name;
    const namespace = x.metadata?.namespace ?? x.namespace;
    return { apiVersion: x.apiVersion, kind: x.kind, ...(name !== undefined ? { name } : {}), ...(namespace ? { namespace } : {}) };
  }

  private objectFrom(body: unknown, verb: Verb, subject: ErrorSubject): KubeObject {
    const o = asKubeObject(body);
    if (o === undefined) {
      throw new KubeApiError(verb, subject, 200, "", `unexpected response body for ${describeRef({ kind: subject.kind ?? "?", name: subject.name, namespace: subject.namespace })}`);
    }
    return o;
  }

  private errorFrom(body: unknown, verb: Verb, subject: ErrorSubject): KubeApiError {
    const isStatus = isObj(body) && body["kind"] === "Status";
    const reason = isStatus && typeof body["reason"] === "string" ? body["reason"] : "";
    const message = isStatus && typeof body["message"] === "string" ? body["message"] : typeof body === "string" ? body : "not found";
    return new KubeApiError(verb, subject, 404, reason, message);
  }

  /**
   * Resolve the kind, run fn, and turn a type-level 404 (the CRD vanished since discovery)
   * into a fresh discovery, which then reports MissingKindError.
   */
  private async onResource<T>(verb: Verb, subject: ErrorSubject, opts: CallOptions, fn: (info: ResourceInfo) => Promise<T>): Promise<T> {
    const apiVersion = subject.apiVersion ?? "v1";
    const kind = subject.kind ?? "";
    const info = await this.discovery.resolve(apiVersion, kind, verb, opts.signal);
    try {
      return await fn(info);
    } catch (e) {
      if (isTypeLevel404(e)) {
        this.discovery.invalidate(apiVersion);
        await this.discovery.resolve(apiVersion, kind, verb, opts.signal);
      }
      throw e;
    }
  }
}

/** Build a client from a kubeconfig source (string, path, context or the default chain). */
export function createKubeClient(source: KubeConfigSource | LoadedKubeConfig, options: KubeClientOptions = {}): KubeClient {
  const loaded = "kubeConfig" in source ? source : loadKubeConfig(source);
  return new KubeClient(loaded, options);
}


