// What the end-to-end suite looks at in the cluster: every write during an interval (a watch per
// kind the provider can touch, so a create-then-delete is caught too), the objects the provider
// owns (by label), and a kubeconfig holding several control planes as named contexts.
import { KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from "@kubernetes/client-node";
import * as yaml from "js-yaml";
import { DOWNSTREAM_KINDS } from "../../provider/lifecycle/downstream";
import { apiPath, resourceOf } from "../infra/kube.ts";

/** Every kind the provider writes: rendered objects, Domain records / hostname claims (ConfigMaps), namespaces. */
export const WRITABLE_KINDS: readonly { apiVersion: string; kind: string }[] = [
  ...DOWNSTREAM_KINDS,
  { apiVersion: "v1", kind: "ConfigMap" },
  { apiVersion: "v1", kind: "Namespace" },
];

const MANAGED_BY = "app.kubernetes.io/managed-by=pulumi-datum";

export interface WriteEvent {
  readonly type: string;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
}

export interface WriteRecorder {
  /** Stops the watches (after a short grace period for events in flight) and returns what was seen. */
  stop(): Promise<WriteEvent[]>;
}

/**
 * Watches every writable kind cluster-wide from "now" (the resourceVersion of a fresh list) and
 * records each change whose namespace passes `include`. BOOKMARKs are not writes.
 */
export async function recordWrites(kc: KubeConfig, include: (e: WriteEvent) => boolean): Promise<WriteRecorder> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const watch = new Watch(kc);
  const events: WriteEvent[] = [];
  const controllers: AbortController[] = [];
  await Promise.all(
    WRITABLE_KINDS.map(async ({ apiVersion, kind }) => {
      const list = await objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, undefined, 1);
      const rv = list.metadata?.resourceVersion;
      const ctl = await watch.watch(
        apiPath(resourceOf(apiVersion, kind), undefined),
        { resourceVersion: rv, allowWatchBookmarks: false },
        (type: string, obj: KubernetesObject) => {
          if (type === "BOOKMARK") return;
          const e: WriteEvent = { type, kind, namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? "" };
          if (include(e)) events.push(e);
        },
        () => undefined,
      );
      controllers.push(ctl);
    }),
  );
  return {
    async stop() {
      await new Promise((r) => setTimeout(r, 500));
      for (const c of controllers) c.abort();
      return [...events];
    },
  };
}

/** `Kind namespace/name` of every object the provider owns in `namespace` (label app.kubernetes.io/managed-by). */
export async function ownedObjects(kc: KubeConfig, namespace: string): Promise<string[]> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const out: string[] = [];
  for (const { apiVersion, kind } of WRITABLE_KINDS) {
    if (kind === "Namespace") continue;
    const list = await objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, MANAGED_BY);
    for (const o of list.items) out.push(`${kind} ${namespace}/${o.metadata?.name ?? ""}`);
  }
  return out.sort();
}

export async function getObject(kc: KubeConfig, apiVersion: string, kind: string, namespace: string, name: string): Promise<KubernetesObject | undefined> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  try {
    return await objects.read({ apiVersion, kind, metadata: { name, namespace } });
  } catch (e) {
    if ((e as { code?: unknown }).code === 404) return undefined;
    throw e;
  }
}

export async function deleteObject(kc: KubeConfig, apiVersion: string, kind: string, namespace: string, name: string): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  await objects.delete({ apiVersion, kind, metadata: { name, namespace } });
}

/** A JSON merge patch written by another field manager (what `kubectl edit` amounts to). */
export async function editObject(kc: KubeConfig, apiVersion: string, kind: string, namespace: string, name: string, patch: Record<string, unknown>): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  await objects.patch(
    { apiVersion, kind, metadata: { name, namespace }, ...patch },
    undefined,
    undefined,
    "kubectl-edit",
    undefined,
    PatchStrategy.MergePatch,
  );
}

export async function ensureNamespace(kc: KubeConfig, name: string): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  try {
    await objects.create({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
  } catch (e) {
    if ((e as { code?: unknown }).code !== 409) throw e;
  }
}

/** One kubeconfig with a context per control plane (named after the key), like a user's ~/.kube/config. */
export function mergeKubeconfigs(byContext: Readonly<Record<string, string>>, current: string): string {
  const clusters: unknown[] = [];
  const users: unknown[] = [];
  const contexts: unknown[] = [];
  for (const [name, text] of Object.entries(byContext)) {
    const kc = new KubeConfig();
    kc.loadFromString(text);
    const cluster = kc.getCurrentCluster();
    const user = kc.getCurrentUser();
    if (cluster === null || user === null) throw new Error(`kubeconfig for ${name} has no current cluster/user`);
    clusters.push({ name, cluster: { server: cluster.server, "certificate-authority-data": cluster.caData } });
    users.push({ name, user: { "client-certificate-data": user.certData, "client-key-data": user.keyData } });
    contexts.push({ name, context: { cluster: name, user: name } });
  }
  return yaml.dump({ apiVersion: "v1", kind: "Config", clusters, users, contexts, "current-context": current });
}
