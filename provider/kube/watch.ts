/**
 * Watches: one NDJSON stream from a resourceVersion (`readWatchStream`), and a reflector that
 * keeps a query's objects current across stream ends, dropped connections and 410 Expired by
 * re-listing (`reflect`). Consumers get the objects, never the transport's hiccups.
 */
import type { Clock } from "./clock";
import { AbortedError, isExpired, isKubeError, isRetryable, KubeError, TransportError, type ErrorSubject, type Verb } from "./errors";
import { backoffDelay, DEFAULT_RETRY_POLICY, reasonText, type RetryPolicy } from "./retry";
import { apiErrorFrom, type OpenStream } from "./transport";
import { asKubeObject, type KubeObject, type ObjectQuery } from "./types";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: KubeObject;
}

/** Why a single watch stream ended without an error. */
export type WatchEnd =
  /** The server closed the stream (timeoutSeconds elapsed); resume from `resourceVersion`. */
  | { readonly reason: "closed"; readonly resourceVersion: string | undefined }
  /** The resourceVersion is too old (410 Gone/Expired); the caller must re-list. */
  | { readonly reason: "expired"; readonly resourceVersion: string | undefined };

export interface ObjectList {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

export interface WatchOptions {
  readonly resourceVersion?: string;
  readonly signal?: AbortSignal;
  /** Server-side stream lifetime; the reflector resumes after it. Default 300 s. */
  readonly timeoutSeconds?: number;
  /** A stream silent for this long is treated as a dead connection. Default 90 s (bookmarks arrive about every minute). */
  readonly idleTimeoutMs?: number;
}

/** What reflect() needs from a client; KubeClient implements it. */
export interface ListWatchSource {
  readonly clock: Clock;
  list(query: ObjectQuery, opts?: { signal?: AbortSignal }): Promise<ObjectList>;
  watch(query: ObjectQuery, onEvent: (e: WatchEvent) => void, opts?: WatchOptions): Promise<WatchEnd>;
}

/**
 * Reads one watch stream to its end. Resolves on a server close or on 410; rejects with a
 * TransportError when the connection drops or goes idle, with KubeApiError for other ERROR events.
 */
export async function readWatchStream(
  open: OpenStream,
  verb: Verb,
  subject: ErrorSubject,
  onEvent: (e: WatchEvent) => void,
  startResourceVersion: string | undefined,
  idleTimeoutMs: number,
  signal?: AbortSignal,
): Promise<WatchEnd> {
  const reader = open.stream.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let rv = startResourceVersion;
  let idle: ReturnType<typeof setTimeout> | undefined;
  let idledOut = false;
  const arm = (): void => {
    if (idle !== undefined) clearTimeout(idle);
    idle = setTimeout(() => {
      idledOut = true;
      open.close();
    }, idleTimeoutMs);
  };
  const handleLine = (line: string): WatchEnd | undefined => {
    if (line.trim() === "") return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new TransportError(verb, subject, `malformed watch event: ${line.slice(0, 200)}`);
    }
    const ev = parsed as { type?: unknown; object?: unknown };
    if (ev.type === "ERROR") {
      const err = apiErrorFrom(verb, subject, statusCode(ev.object), ev.object);
      if (isExpired(err)) return { reason: "expired", resourceVersion: rv };
      throw err;
    }
    const obj = asKubeObject(ev.object) ?? bookmarkObject(ev.object);
    if (obj === undefined) return undefined;
    if (obj.metadata.resourceVersion !== undefined) rv = obj.metadata.resourceVersion;
    if (ev.type === "ADDED" || ev.type === "MODIFIED" || ev.type === "DELETED" || ev.type === "BOOKMARK") {
      onEvent({ type: ev.type, object: obj });
    }
    return undefined;
  };
  try {
    arm();
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (e) {
        if (idledOut) throw new TransportError(verb, subject, `watch stream silent for ${idleTimeoutMs} ms`, { cause: e });
        if (signal?.aborted) throw new AbortedError(verb, subject, reasonText(signal));
        if (isKubeError(e)) throw e;
        throw new TransportError(verb, subject, `watch stream broke: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
      if (chunk.done) break;
      arm();
      buffer += decoder.decode(chunk.value, { stream: true });
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const end = handleLine(line);
        if (end !== undefined) return end;
        nl = buffer.indexOf("\n");
      }
    }
    if (idledOut) throw new TransportError(verb, subject, `watch stream silent for ${idleTimeoutMs} ms`);
    const end = handleLine(buffer + decoder.decode());
    return end ?? { reason: "closed", resourceVersion: rv };
  } finally {
    if (idle !== undefined) clearTimeout(idle);
    open.close();
    reader.releaseLock();
  }
}

function statusCode(v: unknown): number {
  const c = typeof v === "object" && v !== null ? (v as { code?: unknown }).code : undefined;
  return typeof c === "number" ? c : 500;
}

/** Bookmarks of built-in kinds may lack a name; they only carry a resourceVersion. */
function bookmarkObject(v: unknown): KubeObject | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as { apiVersion?: unknown; kind?: unknown; metadata?: { resourceVersion?: unknown } };
  const rv = o.metadata?.resourceVersion;
  if (typeof rv !== "string") return undefined;
  return { apiVersion: String(o.apiVersion ?? ""), kind: String(o.kind ?? ""), metadata: { name: "", resourceVersion: rv } };
}

// ---------------------------------------------------------------------------------------------

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

export interface ReflectHandlers {
  /** Every change, including the ones a re-list discovers. */
  onChange(type: ChangeType, object: KubeObject): void;
  /** After every (re-)list: the complete current set. */
  onSync?(objects: readonly KubeObject[]): void;
  /** A failure; `willRetry` false means the reflector stopped. */
  onError?(error: KubeError, willRetry: boolean): void;
}

export interface ReflectOptions {
  readonly signal?: AbortSignal;
  readonly retry?: RetryPolicy;
  readonly random?: () => number;
  readonly watch?: Omit<WatchOptions, "resourceVersion" | "signal">;
}

export interface Reflection {
  stop(): void;
  /** Resolves when stopped or aborted; rejects with the error that stopped it otherwise. */
  readonly done: Promise<void>;
  /** Counters for tests and diagnostics. */
  stats(): { lists: number; watches: number; expired: number; reconnects: number };
}

function keyOf(o: KubeObject): string {
  return `${o.metadata.namespace ?? ""}/${o.metadata.name}`;
}

export function reflect(source: ListWatchSource, query: ObjectQuery, handlers: ReflectHandlers, opts: ReflectOptions = {}): Reflection {
  const stopCtl = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stopCtl.signal]) : stopCtl.signal;
  const policy = { ...(opts.retry ?? DEFAULT_RETRY_POLICY) };
  const random = opts.random ?? Math.random;
  const known = new Map<string, KubeObject>();
  const stats = { lists: 0, watches: 0, expired: 0, reconnects: 0 };

  const relist = async (): Promise<string> => {
    stats.lists++;
    const list = await source.list(query, { signal });
    const seen = new Set<string>();
    for (const item of list.items) {
      const k = keyOf(item);
      seen.add(k);
      const prev = known.get(k);
      known.set(k, item);
      if (prev === undefined) handlers.onChange("ADDED", item);
      else if (prev.metadata.resourceVersion !== item.metadata.resourceVersion) handlers.onChange("MODIFIED", item);
    }
    for (const [k, prev] of [...known]) {
      if (!seen.has(k)) {
        known.delete(k);
        handlers.onChange("DELETED", prev);
      }
    }
    handlers.onSync?.([...known.values()]);
    return list.resourceVersion;
  };

  const run = async (): Promise<void> => {
    let rv: string | undefined;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (rv === undefined) rv = await relist();
        stats.watches++;
        const end = await source.watch(
          query,
          (ev) => {
            if (ev.type === "BOOKMARK") return;
            const k = keyOf(ev.object);
            if (ev.type === "DELETED") known.delete(k);
            else known.set(k, ev.object);
            handlers.onChange(ev.type, ev.object);
          },
          { ...opts.watch, resourceVersion: rv, signal },
        );
        failures = 0;
        if (end.reason === "expired") {
          stats.expired++;
          rv = undefined;
        } else {
          rv = end.resourceVersion ?? rv;
        }
      } catch (e) {
        if (signal.aborted) return;
        if (isExpired(e)) {
          stats.expired++;
          rv = undefined;
          continue;
        }
        const err = isKubeError(e) ? e : new TransportError("watch", { apiVersion: query.apiVersion, kind: query.kind }, String(e), { cause: e });
        const retry = isRetryable(err);
        handlers.onError?.(err, retry);
        if (!retry) throw err;
        stats.reconnects++;
        const delay = backoffDelay(Math.min(failures++, 20), policy, random);
        try {
          await source.clock.sleep(delay, signal);
        } catch {
          return;
        }
      }
    }
  };

  const done = run();
  // A reflector nobody awaits must not crash the process with an unhandled rejection.
  done.catch(() => undefined);
  return {
    stop: () => stopCtl.abort(new Error("reflector stopped")),
    done,
    stats: () => ({ ...stats }),
  };
}
