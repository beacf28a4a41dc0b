// Typed-enough helpers over @kubernetes/client-node for tests and the test infrastructure.
import {
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type KubernetesObject,
} from "@kubernetes/client-node";

/** A Kubernetes object as plain JSON. */
export interface KObject extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
}

export interface ResourceRef {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

const PLURALS: Record<string, string> = {
  Gateway: "gateways",
  GatewayClass: "gatewayclasses",
  HTTPRoute: "httproutes",
  GRPCRoute: "grpcroutes",
  ReferenceGrant: "referencegrants",
  BackendTLSPolicy: "backendtlspolicies",
  SecurityPolicy: "securitypolicies",
  BackendTrafficPolicy: "backendtrafficpolicies",
  ClientTrafficPolicy: "clienttrafficpolicies",
  EnvoyPatchPolicy: "envoypatchpolicies",
  EnvoyExtensionPolicy: "envoyextensionpolicies",
  HTTPRouteFilter: "httproutefilters",
  Backend: "backends",
  EnvoyProxy: "envoyproxies",
  Certificate: "certificates",
  CertificateRequest: "certificaterequests",
  Issuer: "issuers",
  ClusterIssuer: "clusterissuers",
  DNSEndpoint: "dnsendpoints",
  EndpointSlice: "endpointslices",
};

export function resourceOf(apiVersion: string, kind: string): ResourceRef {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const plural = PLURALS[kind] ?? `${kind.toLowerCase()}s`;
  return { group, version, plural };
}

export function apiPath(r: ResourceRef, namespace: string | undefined, name?: string): string {
  const base = r.group === "" ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const ns = namespace ? `/namespaces/${namespace}` : "";
  return `${base}${ns}/${r.plural}${name ? `/${name}` : ""}`;
}

export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: KObject;
}

export interface Kube {
  readonly kc: KubeConfig;
  create<T extends KObject>(obj: T): Promise<T>;
  get<T extends KObject = KObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<T | undefined>;
  list<T extends KObject = KObject>(apiVersion: string, kind: string, namespace: string | undefined): Promise<T[]>;
  /** JSON merge patch of the main resource. */
  patch<T extends KObject = KObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string, patch: Record<string, unknown>): Promise<T>;
  /** JSON merge patch of the /status subresource (what controllers do). */
  patchStatus<T extends KObject = KObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string, status: Record<string, unknown>): Promise<T>;
  delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<boolean>;
  /**
   * Watch a collection; calls onEvent for each event. Returns a stop function.
   * onDone receives the error (if any) when the watch ends on its own.
   */
  watch(apiVersion: string, kind: string, namespace: string | undefined, onEvent: (e: WatchEvent) => void, onDone?: (err: unknown) => void, opts?: { resourceVersion?: string; fieldSelector?: string }): Promise<() => void>;
}

function httpCode(e: unknown): number | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === "number" ? c : undefined;
}

export function kube(kc: KubeConfig): Kube {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
  const w = new Watch(kc);
  return {
    kc,
    async create<T extends KObject>(obj: T): Promise<T> {
      return (await objects.create(obj)) as T;
    },
    async get<T extends KObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<T | undefined> {
      try {
        const meta = namespace === undefined ? { name } : { name, namespace };
        return (await objects.read({ apiVersion, kind, metadata: meta })) as unknown as T;
      } catch (e) {
        if (httpCode(e) === 404) return undefined;
        throw e;
      }
    },
    async list<T extends KObject>(apiVersion: string, kind: string, namespace: string | undefined): Promise<T[]> {
      const l = await objects.list(apiVersion, kind, namespace);
      return l.items as unknown as T[];
    },
    async patch<T extends KObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string, patch: Record<string, unknown>): Promise<T> {
      const r = resourceOf(apiVersion, kind);
      if (namespace === undefined) {
        return (await custom.patchClusterCustomObject({ group: r.group, version: r.version, plural: r.plural, name, body: patch }, mergePatch)) as T;
      }
      return (await custom.patchNamespacedCustomObject({ group: r.group, version: r.version, namespace, plural: r.plural, name, body: patch }, mergePatch)) as T;
    },
    async patchStatus<T extends KObject>(apiVersion: string, kind: string, namespace: string | undefined, name: string, status: Record<string, unknown>): Promise<T> {
      const r = resourceOf(apiVersion, kind);
      const body = { status };
      if (namespace === undefined) {
        return (await custom.patchClusterCustomObjectStatus({ group: r.group, version: r.version, plural: r.plural, name, body }, mergePatch)) as T;
      }
      return (await custom.patchNamespacedCustomObjectStatus({ group: r.group, version: r.version, namespace, plural: r.plural, name, body }, mergePatch)) as T;
    },
    async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<boolean> {
      try {
        const meta = namespace === undefined ? { name } : { name, namespace };
        await objects.delete({ apiVersion, kind, metadata: meta });
        return true;
      } catch (e) {
        if (httpCode(e) === 404) return false;
        throw e;
      }
    },
    async watch(apiVersion, kind, namespace, onEvent, onDone, opts = {}) {
      const path = apiPath(resourceOf(apiVersion, kind), namespace);
      const params: Record<string, string | boolean> = { allowWatchBookmarks: true };
      if (opts.resourceVersion) params["resourceVersion"] = opts.resourceVersion;
      if (opts.fieldSelector) params["fieldSelector"] = opts.fieldSelector;
      let stopped = false;
      const ctl = await w.watch(
        path,
        params,
        (phase: string, obj: unknown) => {
          if (!stopped) onEvent({ type: phase as WatchEvent["type"], object: obj as KObject });
        },
        (err: unknown) => {
          if (!stopped) onDone?.(err);
        },
      );
      return () => {
        stopped = true;
        ctl.abort();
      };
    },
  };
}

/** metav1.Condition */
export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

export function conditionsOf(o: { status?: Record<string, unknown> } | undefined): Condition[] {
  const c = o?.status?.["conditions"];
  return Array.isArray(c) ? (c as Condition[]) : [];
}

export function findCondition(conds: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conds?.find((c) => c.type === type);
}
