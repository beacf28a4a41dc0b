/**
 * Maps apiVersion+kind to the REST resource (plural, scope) through the API server's discovery
 * documents, one GET per group-version for the client's lifetime. A kind that is not served
 * becomes a MissingKindError saying what to install; misses are never cached, so installing
 * the CRD mid-run is picked up.
 */
import { installHintFor, type InstallHint } from "./crd-hints";
import { AbortedError, MissingKindError, type Verb } from "./errors";
import { reasonText } from "./retry";
import type { KubeTransport } from "./transport";
import { splitApiVersion } from "./types";
import { isObj } from "../core/json";

export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Resource name in URLs, e.g. "httproutes". */
  readonly plural: string;
  readonly namespaced: boolean;
  readonly verbs: readonly string[];
}

function groupVersionPath(group: string, version: string): string {
  return group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
}

export class Discovery {
  private readonly byGroupVersion = new Map<string, Promise<ReadonlyMap<string, ResourceInfo> | undefined>>();

  constructor(
    private readonly transport: KubeTransport,
    private readonly hints?: readonly InstallHint[],
  ) {}

  /** Resolve a kind, or throw MissingKindError / transport errors. */
  async resolve(apiVersion: string, kind: string, verb: Verb, signal?: AbortSignal): Promise<ResourceInfo> {
    // The fetch is shared by concurrent callers, so it must not die with one caller's signal.
    const resources = await raceSignal(this.resources(apiVersion), signal, () => new AbortedError(verb, { apiVersion, kind }, reasonText(signal)));
    const info = resources?.get(kind);
    if (info !== undefined) return info;
    this.byGroupVersion.delete(apiVersion);
    throw await this.missing(apiVersion, kind, verb, resources === undefined, signal);
  }

  /** Forget what we know about a group-version (after a 404 that suggests its CRD went away). */
  invalidate(apiVersion: string): void {
    this.byGroupVersion.delete(apiVersion);
  }

  private resources(apiVersion: string): Promise<ReadonlyMap<string, ResourceInfo> | undefined> {
    let p = this.byGroupVersion.get(apiVersion);
    if (p === undefined) {
      p = this.fetchResources(apiVersion);
      this.byGroupVersion.set(apiVersion, p);
      p.then(
        (m) => {
          if (m === undefined) this.byGroupVersion.delete(apiVersion);
        },
        () => this.byGroupVersion.delete(apiVersion),
      );
    }
    return p;
  }

  private async fetchResources(apiVersion: string): Promise<ReadonlyMap<string, ResourceInfo> | undefined> {
    const { group, version } = splitApiVersion(apiVersion);
    const res = await this.transport.send({
      method: "GET",
      path: groupVersionPath(group, version),
      class: "read",
      verb: "discover",
      subject: { apiVersion },
      accept: [404],
    });
    if (res.status === 404) return undefined;
    const out = new Map<string, ResourceInfo>();
    const list = isObj(res.body) && Array.isArray(res.body["resources"]) ? (res.body["resources"] as unknown[]) : [];
    for (const r of list) {
      if (!isObj(r)) continue;
      const name = r["name"];
      const k = r["kind"];
      // "gateways/status" etc. are subresources, not kinds.
      if (typeof name !== "string" || typeof k !== "string" || name.includes("/")) continue;
      out.set(k, {
        group,
        version,
        kind: k,
        plural: name,
        namespaced: r["namespaced"] === true,
        verbs: Array.isArray(r["verbs"]) ? (r["verbs"] as unknown[]).filter((v): v is string => typeof v === "string") : [],
      });
    }
    return out;
  }

  private async missing(apiVersion: string, kind: string, verb: Verb, groupVersionMissing: boolean, signal?: AbortSignal): Promise<MissingKindError> {
    const { group } = splitApiVersion(apiVersion);
    let served: string[] = [];
    if (groupVersionMissing && group !== "") {
      // One extra read, only on this error path, to tell "wrong version" from "not installed".
      const res = await this.transport
        .send({ method: "GET", path: `/apis/${group}`, class: "read", verb: "discover", subject: { apiVersion }, accept: [404], ...(signal ? { signal } : {}) })
        .catch(() => undefined);
      if (res !== undefined && res.status === 200 && isObj(res.body) && Array.isArray(res.body["versions"])) {
        served = (res.body["versions"] as unknown[])
          .map((v) => (isObj(v) && typeof v["version"] === "string" ? v["version"] : undefined))
          .filter((v): v is string => v !== undefined);
      }
    }
    return new MissingKindError(verb, { apiVersion, kind }, installHintFor(group, this.hints), served);
  }
}

/** Await p unless the signal fires first (p keeps running for others). */
export function raceSignal<T>(p: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Error): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener("abort", abort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", abort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", abort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
