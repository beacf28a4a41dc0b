import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { DnsResolver } from "./resolver";

/**
 * A small HTTP GET with the limits NSO's HTTP token check has: whole-request timeout (Go
 * `http.Client.Timeout`), at most `maxBytes` of body read (Go `io.LimitReader`), redirects
 * followed like Go's client (up to 10), body read only for 200 responses.
 */
export interface HttpGetResult {
  readonly status: number;
  /** First `maxBytes` bytes of a 200 response, UTF-8 decoded; "" otherwise. */
  readonly body: string;
}

export interface HttpGetOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly signal?: AbortSignal;
}

export type HttpGet = (url: string, opts: HttpGetOptions) => Promise<HttpGetResult>;

export interface HttpGetDeps {
  /** Resolve hostnames through this resolver (A first, then AAAA) instead of the system's. */
  readonly resolver?: DnsResolver;
  /**
   * Dial somewhere else than the URL says while keeping its Host header — curl's
   * `--connect-to`. Tests use it to reach a loopback server for `http://example.test/`.
   */
  readonly connectTo?: (host: string, port: number) => { host: string; port: number } | undefined;
}

const MAX_REDIRECTS = 10;

function lookupVia(resolver: DnsResolver): LookupFunction {
  return (hostname, options, callback) => {
    const wantAll = typeof options === "object" && options !== null && (options as { all?: boolean }).all === true;
    const resolve = async (): Promise<{ address: string; family: number }[]> => {
      const v4 = await resolver.resolve4(hostname).catch(() => [] as string[]);
      const v6 = v4.length > 0 ? [] : await resolver.resolve6(hostname).catch(() => [] as string[]);
      return [...v4.map((a) => ({ address: a, family: 4 })), ...v6.map((a) => ({ address: a, family: 6 }))];
    };
    resolve().then(
      (addrs) => {
        const first = addrs[0];
        if (first === undefined) {
          const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname });
          callback(err, "", 0);
        } else if (wantAll) {
          (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, addrs);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, "", 0),
    );
  };
}

function readLimited(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      if (size >= maxBytes) return;
      const take = chunk.subarray(0, maxBytes - size);
      chunks.push(take);
      size += take.length;
      // Enough read: stop the transfer instead of draining an arbitrarily large body.
      if (size >= maxBytes) {
        res.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    res.on("end", () => resolve(Buffer.concat(chunks)));
    res.on("error", (e) => (size >= maxBytes ? resolve(Buffer.concat(chunks)) : reject(e)));
    res.on("close", () => resolve(Buffer.concat(chunks)));
  });
}

function once(url: URL, deps: HttpGetDeps, signal: AbortSignal, maxBytes: number): Promise<{ status: number; location?: string; body: string }> {
  const secure = url.protocol === "https:";
  const port = url.port !== "" ? Number(url.port) : secure ? 443 : 80;
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const target = deps.connectTo?.(hostname, port) ?? { host: hostname, port };
  const request = secure ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.host,
        port: target.port,
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: { Host: url.host, "User-Agent": "pulumi-datum-domain-verifier" },
        signal,
        ...(secure && { servername: hostname }),
        ...(deps.resolver !== undefined && { lookup: lookupVia(deps.resolver) }),
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status !== 200) {
          res.resume();
          resolve({ status, body: "", ...(location !== undefined && { location }) });
          return;
        }
        readLimited(res, maxBytes).then((buf) => resolve({ status, body: buf.toString("utf8") }), reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Why a GET produced no status: the distinctions NSO's HTTP token messages make. */
export class HttpGetError extends Error {
  constructor(
    readonly kind: "unreachable" | "timeout" | "aborted" | "internal",
    readonly detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = "HttpGetError";
  }
}

const UNREACHABLE = new Set(["ENOTFOUND", "ENODATA", "ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "EAI_AGAIN"]);

function classify(err: unknown, timedOut: boolean, aborted: boolean): HttpGetError {
  if (err instanceof HttpGetError) return err;
  if (timedOut) return new HttpGetError("timeout", "no complete response in time");
  if (aborted) return new HttpGetError("aborted", "cancelled");
  const code = typeof err === "object" && err !== null ? (err as { code?: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === "string" && UNREACHABLE.has(code)) return new HttpGetError("unreachable", message);
  if (code === "ETIMEDOUT") return new HttpGetError("timeout", message);
  return new HttpGetError("internal", message);
}

/** Rejects only with HttpGetError. */
export function createHttpGet(deps: HttpGetDeps = {}): HttpGet {
  return async (rawUrl, opts) => {
    const timeout = AbortSignal.timeout(opts.timeoutMs);
    const signal = opts.signal === undefined ? timeout : AbortSignal.any([timeout, opts.signal]);
    try {
      let url = new URL(rawUrl);
      for (let hop = 0; ; hop++) {
        const r = await once(url, deps, signal, opts.maxBytes);
        const redirect = r.status >= 300 && r.status < 400 && r.status !== 304 && r.location !== undefined;
        if (!redirect) return { status: r.status, body: r.body };
        if (hop >= MAX_REDIRECTS) throw new HttpGetError("internal", `stopped after ${MAX_REDIRECTS} redirects`);
        url = new URL(r.location as string, url);
      }
    } catch (e) {
      throw classify(e, timeout.aborted, opts.signal?.aborted === true);
    }
  };
}
