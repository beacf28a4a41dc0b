// The plugin dies mid-`up` (SIGKILL: OOM killer, node drained) through the real Pulumi CLI: the
// engine records the in-flight creates as failed (the plugin's connection closed, no pending
// operations remain), so objects the plugin had applied exist in the cluster while no proxy is in
// state. The next plain `pulumi up` creates them again, takes back the objects that carry this
// stack's ownership mark and converges with no orphan: every object and hostname claim in the
// cluster belongs to a proxy of the final state, and destroy leaves nothing.
// When the CLI dies with it, the stack stays locked with pending creates: `pulumi cancel`,
// `pulumi refresh --clear-pending-creates`, then `pulumi up` (README troubleshooting) converge the same way.
// Real controllers (test/infra/controllers.ts): the slow proxy is slow for a real reason, its listener
// certificates come (through a second provider instance, `late`) from a ClusterIssuer that does not
// exist yet, so the up is still waiting for them when the kill comes (every datum plugin of the run:
// one per provider instance); the test creates that ClusterIssuer after the kill and the next up
// converges. Each case runs in its own namespace with its own late issuer.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOWNSTREAM_KINDS, refKey } from "../../provider/lifecycle/downstream";
import type { DownstreamRef } from "../../provider/lifecycle/index";
import { writeFileSync } from "node:fs";
import { createKubeClient, type KubeClient } from "../../provider/kube/index";
import { createCaClusterIssuer } from "../infra/cert-manager";
import type { ControlPlane } from "../infra/controlplane";
import { getControllers, type Controllers } from "../infra/controllers";
import { killSession, sessionPids } from "../infra/procs";
import { projectYaml, pulumiWorkspace, type PulumiWorkspace } from "../infra/pulumi";
import { requireTools } from "../infra/tools";
import { CLAIMS_NAMESPACE, output } from "../e2e/context";
import { pulumiRunner, type PulumiResult, type PulumiRunner } from "../e2e/workspace";
import { ROOT } from "./harness";

const MANAGED_BY = "app.kubernetes.io/managed-by=pulumi-datum";
const PROXIES = 6;
/** The proxy whose certificate waits for a ClusterIssuer created after the kill: the up is still waiting for it when the plugin dies. */
const SLOW = `p${PROXIES - 1}`;

const PROGRAM = `import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import * as datum from ${JSON.stringify(join(ROOT, "dist", "sdk", "index.js"))};

const params = JSON.parse(readFileSync(new URL("./params.json", import.meta.url), "utf8"));
const settings = { kubeconfig: params.kubeconfig, timeoutSeconds: 120, guardrails: { gateway: { disableHostnameVerification: true } } };
const edge = new datum.Provider("edge", settings);
const late = new datum.Provider("late", { ...settings, clusterIssuer: params.lateIssuer });
const proxies = params.proxies.map((p) => new datum.networking.HTTPProxy(p.metadata.name, p, { provider: p.metadata.name === params.slow ? late : edge }));
export const ready = pulumi.all(proxies.map((p) => p.ready));
`;

let rc: Controllers;
let cp: ControlPlane;
let admin: KubeClient;
let ws: PulumiWorkspace;
let cli: PulumiRunner;
let ns: string;

function proxy(i: number): Record<string, unknown> {
  const name = `p${i}`;
  return {
    metadata: { name, namespace: ns },
    spec: {
      hostnames: [`${name}.${ns}.example.com`],
      rules: [
        { name: "api", matches: [{ path: { type: "PathPrefix", value: "/api" } }], backends: [{ endpoint: "https://api.example.com" }] },
        { name: "web", backends: [{ endpoint: "http://203.0.113.7:8080" }] },
      ],
    },
  };
}

/** Every object in the namespace the provider labels as its own, as refKeys. */
async function managedObjects(): Promise<string[]> {
  const out: string[] = [];
  for (const k of [...DOWNSTREAM_KINDS, { apiVersion: "v1", kind: "ConfigMap" }]) {
    const list = await admin.list({ apiVersion: k.apiVersion, kind: k.kind, namespace: ns, labelSelector: MANAGED_BY });
    for (const o of list.items) out.push(refKey({ apiVersion: k.apiVersion, kind: k.kind, namespace: ns, name: o.metadata.name }));
  }
  return out.sort();
}

/** Hostnames claimed for a proxy of this namespace (data.owner is `<owner id>/<namespace>/<name>`). */
async function claims(): Promise<string[]> {
  const list = await admin.list({ apiVersion: "v1", kind: "ConfigMap", namespace: CLAIMS_NAMESPACE });
  return list.items.filter((o) => String((o["data"] as Record<string, unknown> | undefined)?.["owner"] ?? "").includes(`/${ns}/`)).map((o) => o.metadata.name).sort();
}

interface Checkpoint {
  readonly resources: { type: string; outputs?: Record<string, unknown> }[];
  readonly pending: { type: string; resource: { urn: string } }[];
}

async function checkpoint(): Promise<Checkpoint> {
  const r = await cli.ok(["stack", "export"]);
  const d = (JSON.parse(r.stdout) as { deployment: { resources?: Checkpoint["resources"]; pending_operations?: Checkpoint["pending"] } }).deployment;
  return { resources: d.resources ?? [], pending: d.pending_operations ?? [] };
}

/** A fresh namespace for the proxies, and the name of their late ClusterIssuer (not created yet), in params.json. */
async function newCase(): Promise<string> {
  ns = await cp.newNamespace("kill");
  const lateIssuer = `late-${ns}`;
  const params = { kubeconfig: cp.kubeconfigPath, slow: SLOW, lateIssuer, proxies: Array.from({ length: PROXIES }, (_, i) => proxy(i)) };
  writeFileSync(join(ws.programDir, "params.json"), JSON.stringify(params));
  return lateIssuer;
}

/** The late ClusterIssuer appears: cert-manager issues the slow proxy's certificate. */
async function issuerArrives(name: string): Promise<void> {
  await createCaClusterIssuer(cp.kc, { name, secretNamespace: rc.certManager.clusterResourceNamespace });
}

beforeAll(async () => {
  rc = await getControllers();
  cp = rc.cp;
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
  ws = pulumiWorkspace(
    {
      "index.ts": PROGRAM,
      "Pulumi.yaml": projectYaml("datum-kill", { name: "datum", dir: join(ROOT, "bin") }),
    },
    "datum-kill",
  );
  // Never fall back to a developer's own cluster.
  cli = pulumiRunner(requireTools("pulumi").pulumi, ws.programDir, { ...ws.env, KUBECONFIG: join(ws.dir, "no-kubeconfig") });
  await cli.ok(["stack", "init", "dev"]);
}, 240_000);

afterAll(async () => {
  cli?.stopAll();
  ws?.dispose();
  await admin?.close();
  await rc?.stop();
});

/** Every proxy ready, cluster objects and claims exactly the final state's, nothing pending; then destroy leaves nothing. */
async function expectConvergedThenDestroyed(): Promise<void> {
  const final = await checkpoint();
  expect(final.pending).toEqual([]);
  const proxies = final.resources.filter((r) => r.type === "datum:networking:HTTPProxy");
  expect(proxies.map((p) => p.outputs?.["ready"])).toEqual(Array(PROXIES).fill(true));
  const known = proxies.flatMap((p) => (p.outputs?.["downstream"] as DownstreamRef[]).map(refKey)).sort();
  expect(await managedObjects(), "objects in the cluster are exactly those the final state names").toEqual(known);
  const hostnames = proxies.flatMap((p) => (p.outputs?.["spec"] as { hostnames: string[] }).hostnames).sort();
  expect(await claims(), "claims are exactly the final state's hostnames").toEqual(hostnames);
  await cli.ok(["preview", "--expect-no-changes"]);

  await cli.ok(["destroy", "--yes", "--skip-preview"], { timeoutMs: 240_000 });
  expect(await managedObjects()).toEqual([]);
  expect(await claims()).toEqual([]);
}

/** Starts `pulumi up` and calls `kill` with the CLI's pid once the slow proxy's Gateway is applied (the plugin is waiting for its certificate). */
async function upKilledWhileWaiting(kill: (cliPid: number) => boolean): Promise<PulumiResult> {
  const run = cli.start(["up", "--yes", "--skip-preview"], { timeoutMs: 240_000 });
  const deadline = Date.now() + 120_000;
  let killed = false;
  while (!killed && Date.now() < deadline) {
    const gw = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: SLOW });
    if (gw !== undefined) killed = kill(run.pid);
    if (!killed) await new Promise((r) => setTimeout(r, 100));
  }
  expect(killed, `nothing was killed with ${SLOW}'s Gateway in the cluster\n${run.output()}`).toBe(true);
  const first = await run.done;
  expect(first.code, output(first)).not.toBe(0);
  expect(await managedObjects()).toContain(refKey({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: SLOW }));
  return first;
}

describe("pulumi CLI: the plugin is killed mid-up", () => {
  it("the up fails; `pulumi up` again converges with no orphan; destroy leaves nothing", async () => {
    const lateIssuer = await newCase();
    const first = await upKilledWhileWaiting((cliPid) => {
      // The engine runs one plugin process per provider instance (`edge` and `late`): both die.
      const plugins = sessionPids(cliPid, join("dist", "provider", "plugin", "main.js"));
      if (plugins.length !== 2) return false;
      for (const pid of plugins) process.kill(pid, "SIGKILL");
      return true;
    });
    expect(output(first)).toMatch(/pulumi-resource-datum exited prematurely/);
    // What a user is left with: objects in the cluster the state does not know (the slow proxy's at least).
    const interrupted = await checkpoint();
    expect(interrupted.pending).toEqual([]);
    const inState = interrupted.resources.filter((r) => r.type === "datum:networking:HTTPProxy").map((r) => r.outputs?.["metadata"]);
    expect(inState).not.toContainEqual(expect.objectContaining({ name: SLOW }));

    await issuerArrives(lateIssuer);
    const second = await cli.run(["up", "--yes", "--skip-preview"], { timeoutMs: 240_000 });
    expect(second.code, output(second)).toBe(0);
    expect(second.stdout).not.toMatch(/already exists and belongs to/);

    await expectConvergedThenDestroyed();
  }, 600_000);

  it("the CLI itself killed too: `pulumi cancel`, `pulumi refresh --clear-pending-creates`, `pulumi up` converge with no orphan", async () => {
    const lateIssuer = await newCase();
    await upKilledWhileWaiting((cliPid) => {
      killSession(cliPid);
      return true;
    });
    // The CLI had no chance to close its operations: the stack stays locked, the creates pending.
    expect((await checkpoint()).pending.map((p) => p.type)).toContain("creating");
    await cli.ok(["cancel", "--yes"]);
    await cli.ok(["refresh", "--clear-pending-creates", "--yes", "--skip-preview"]);
    expect((await checkpoint()).pending).toEqual([]);
    await issuerArrives(lateIssuer);
    const again = await cli.run(["up", "--yes", "--skip-preview"], { timeoutMs: 240_000 });
    expect(again.code, output(again)).toBe(0);
    await expectConvergedThenDestroyed();
  }, 600_000);
});
