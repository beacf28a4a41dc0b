// Lists the objects the provider owns in a namespace — what `make demo` shows after `pulumi up`:
// kind, name, the resource they came from (source labels) and the controller conditions that hold.
//
//   node test/e2e/list-objects.ts <kubeconfig> <namespace>
//
// Runs after `make setup`: the kinds come from the built provider (dist/), so the list is the one
// the provider itself prunes and deletes by.
import { KubeConfig, KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { DOWNSTREAM_KINDS } from "../../dist/provider/lifecycle/downstream.js";

interface Condition {
  readonly type?: string;
  readonly status?: string;
}

type WithStatus = KubernetesObject & { status?: Record<string, unknown> };

const KINDS: readonly { apiVersion: string; kind: string }[] = [...DOWNSTREAM_KINDS, { apiVersion: "v1", kind: "ConfigMap" }];

function conditionsOf(v: unknown): Condition[] {
  return Array.isArray(v) ? v.filter((c): c is Condition => c !== null && typeof c === "object") : [];
}

/** The conditions that hold, from status.conditions and per parent/ancestor (routes, policies). */
function holding(o: WithStatus): string {
  const s = o.status ?? {};
  const all = [...conditionsOf(s["conditions"])];
  for (const key of ["parents", "ancestors"]) {
    const list = s[key];
    if (Array.isArray(list)) for (const p of list) all.push(...conditionsOf((p as { conditions?: unknown }).conditions));
  }
  const held = [...new Set(all.filter((c) => c.status === "True" && c.type !== undefined).map((c) => c.type))];
  return held.length > 0 ? held.join(",") : "-";
}

async function main(): Promise<void> {
  const [kubeconfigPath, namespace] = process.argv.slice(2);
  if (kubeconfigPath === undefined || namespace === undefined) {
    console.error("usage: node test/e2e/list-objects.ts <kubeconfig> <namespace>");
    process.exit(2);
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const api = KubernetesObjectApi.makeApiClient(kc);
  const rows: string[][] = [["KIND", "NAME", "FROM", "CONDITIONS"]];
  for (const { apiVersion, kind } of KINDS) {
    const list = await api.list<WithStatus>(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, "app.kubernetes.io/managed-by=pulumi-datum");
    for (const o of list.items) {
      const labels = o.metadata?.labels ?? {};
      const from = `${labels["pulumi-datum.io/source-kind"] ?? "?"}/${labels["pulumi-datum.io/source-name"] ?? "?"}`;
      rows.push([kind, `${namespace}/${o.metadata?.name ?? ""}`, from, holding(o)]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
  console.log(`${rows.length - 1} objects`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
