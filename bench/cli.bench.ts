// `pulumi preview` / `up` / no-change `up` / `destroy` wall time through the real Pulumi CLI, for
// 1, 10 and 100 typical HTTPProxies (bench/fixtures.ts: 3 rules, 2 hostnames → 11 objects each),
// side by side with the SAME objects registered as raw `kubernetes:<group>/<version>:<Kind>`
// resources through pulumi-resource-kubernetes (vitest 5: `bench` is a test fixture, unused here
// because each figure is one long CLI run, not a micro-benchmark).
//
//  - ours: a TS program creating N `datum.networking.HTTPProxy` with an explicit datum provider
//    (plugin bin/pulumi-resource-datum, guardrails.gateway.disableHostnameVerification so no Domain
//    is needed; custom hostnames still take their cluster-wide claims);
//  - raw: a TS program creating, for the same N proxies, every object `render()` produces
//    (computed here with the provider's own render settings, written into the program as JSON) as
//    `pulumi.CustomResource`s with an explicit `kubernetes` provider (no @pulumi/kubernetes SDK),
//    each annotated with pulumi-kubernetes' own `pulumi.com/waitFor` for the readiness our
//    provider awaits (RAW_WAIT_FOR), so both `up`s return when the controllers have programmed it.
//
// Both run offline with a file backend (test/infra/pulumi.ts), default --parallel (GOMAXPROCS × 4),
// against one control plane with the real controllers (test/infra/controllers.ts: Envoy Gateway +
// Envoy, cert-manager with the default ClusterIssuer). Each round runs both sides, one after the
// other, each a full preview / up / no-change up / destroy cycle; odd rounds start with ours, even
// rounds with raw. The sides use different hostnames (the side is in the name), so the Gateways
// never conflict on the one merged Envoy. Figures go to the summary table (bench/results.ts) and
// are printed as a table (median, min–max) with each side's plugin peak memory (VmHWM of the
// plugin processes in the CLI's session, sampled from /proc) and the 1-minute load average seen at
// the start of the steps. The figures of docs/benchmarks.md are
//   BENCH_CLI_SIZES=100 BENCH_CLI_ROUNDS=3 npx vitest bench --run bench/cli.bench.ts
// and its load figure (one stack of 1 000 proxies)
//   BENCH_CLI_SIZES=1000 BENCH_CLI_SIDES=ours BENCH_CLI_ROUNDS=1 BENCH_CLI_BUDGET_S=2700 npx vitest bench --run bench/cli.bench.ts
//
//   BENCH_CLI=0               skip this file
//   BENCH_CLI_SIZES=1,10      proxy counts (default 1,10,100)
//   BENCH_CLI_ROUNDS=3        rounds per size, median reported (default 3)
//   BENCH_CLI_BUDGET_S=3600   stop starting new steps after this many seconds (default 3600)
//   BENCH_CLI_CHECKPOINTS=1   keep the file backend's per-step checkpoints (see CHECKPOINTS below)
//
// pulumi-resource-kubernetes is optional (`make infra-k8s-provider`); without it the raw column
// says "not built (make infra-k8s-provider)".
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { RenderedObject } from "../provider/core/render/index.ts";
import { DOWNSTREAM_KINDS } from "../provider/lifecycle/downstream.ts";
import type { ControlPlane } from "../test/infra/controlplane.ts";
import { getControllers, type Controllers } from "../test/infra/controllers.ts";
import { conditionsOf, findCondition, kube } from "../test/infra/kube.ts";
import { projectYaml, pulumiWorkspace, type PulumiWorkspace } from "../test/infra/pulumi.ts";
import { killSession, peakRssKiB, sessionPids } from "../test/infra/procs.ts";
import { repoRoot, requireTools, toolPaths } from "../test/infra/tools.ts";
import { typicalHTTPProxy } from "./fixtures";
import { formatRatio, markdownTable, recordFigures, type FigureRow } from "./results.ts";

const SKIP = process.env["BENCH_CLI"] === "0";
const SIZES = (process.env["BENCH_CLI_SIZES"] ?? "1,10,100")
  .split(",")
  .map((s) => Number.parseInt(s.trim(), 10))
  .filter((n) => Number.isInteger(n) && n > 0);
const BUDGET_MS = Number.parseInt(process.env["BENCH_CLI_BUDGET_S"] ?? "3600", 10) * 1000;
const SIDES = (process.env["BENCH_CLI_SIDES"] ?? "ours,raw").split(",").map((s) => s.trim());
/**
 * The file backend rewrites the whole checkpoint (and a .bak) after every step, which is
 * O(resources²) per update and dominates 1100-resource runs (Pulumi Cloud journals instead).
 * By default both sides run with PULUMI_SKIP_CHECKPOINTS=true (state saved once at the end);
 * BENCH_CLI_CHECKPOINTS=1 keeps the per-step checkpoints.
 */
const CHECKPOINTS = process.env["BENCH_CLI_CHECKPOINTS"] === "1";
const NOT_BUILT = "not built (make infra-k8s-provider)";
const PROVIDER_CONFIG = { timeoutSeconds: 600, guardrails: { gateway: { disableHostnameVerification: true } } };
const STEPS = ["preview", "up", "up (no changes)", "destroy"] as const;
type Step = (typeof STEPS)[number];
const STEP_LABEL: Record<Step, string> = { preview: "`pulumi preview`", up: "`pulumi up`", "up (no changes)": "`pulumi up`, no changes", destroy: "`pulumi destroy`" };
type Side = "ours" | "raw";

interface StepResult {
  /** Wall times of the rounds that completed. */
  readonly samples: number[];
  /** The plugin's peak memory (VmHWM, KiB) in each round that completed. */
  readonly peaksKiB: number[];
  /** Why a round has no figure: failed, timed out, skipped (budget). */
  note?: string;
}

/** Rounds per size (median and min–max reported). */
const ROUNDS = ((env) => (Number.isInteger(env) && env > 0 ? env : 3))(Number.parseInt(process.env["BENCH_CLI_ROUNDS"] ?? "", 10));
/** Odd rounds start with ours, even rounds with raw, so neither side always runs on a fresher (or warmer) cluster. */
const sideOrder = (round: number): readonly Side[] => (round % 2 === 1 ? ["ours", "raw"] : ["raw", "ours"]);

/** KiB as MiB for the tables. */
function mib(kib: number | undefined): string {
  return kib === undefined ? "–" : `${(kib / 1024).toFixed(0)} MiB`;
}

function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2;
}

const started = Date.now();
const remaining = (): number => BUDGET_MS - (Date.now() - started);

/**
 * N typical proxies in `ns`. The hostnames carry N and the side: both sides render the same
 * objects but for their names, and no two Gateways share a hostname on the one merged Envoy
 * (a shared hostname is a listener conflict there, even for a moment after a destroy).
 */
function proxies(n: number, ns: string, side: Side): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `p${i}`;
    const p = typicalHTTPProxy(name);
    const spec = p["spec"] as Record<string, unknown>;
    const host = `${name}.n${n}.${side}.example.com`;
    return { ...p, metadata: { name, namespace: ns }, spec: { ...spec, hostnames: [host, `www.${host}`] } };
  });
}

type RenderModule = typeof import("../provider/core/render/index.ts");
type LifecycleModule = typeof import("../provider/lifecycle/index.ts");

/**
 * `render` and the engine's settings from the build the plugin runs (dist/), so the raw program
 * registers exactly the objects bin/pulumi-resource-datum renders for PROVIDER_CONFIG.
 */
async function pluginRenderer(root: string): Promise<(source: Record<string, unknown>) => RenderedObject[]> {
  const load = async <T>(rel: string): Promise<T> => (await import(pathToFileURL(join(root, "dist", rel)).href)) as T;
  const { render } = await load<RenderModule>("provider/core/render/index.js");
  const { renderSettingsOf, resolveEngineSettings } = await load<LifecycleModule>("provider/lifecycle/index.js");
  const s = resolveEngineSettings({ ...PROVIDER_CONFIG });
  if (!s.ok) throw new Error(`provider settings: ${JSON.stringify(s.errors)}`);
  const settings = renderSettingsOf(s.settings);
  return (source) => {
    const r = render([source], settings);
    if (r.errors.length) throw new Error(JSON.stringify(r.errors));
    return [...r.objects];
  };
}

/** `kubernetes:<group or core>/<version>:<Kind>`, the token pulumi-kubernetes registers a kind under. */
function k8sToken(o: RenderedObject): string {
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["core", o.apiVersion];
  return `kubernetes:${group}/${version}:${o.kind}`;
}

/** `jsonpath=` expression (pulumi-kubernetes' strict `kubectl get -o jsonpath` syntax) that the condition `type` of `conditionsPath` is True. */
const conditionTrue = (conditionsPath: string, type: string): string => `jsonpath={${conditionsPath}[?(@.type=="${type}")].status}=True`;

/**
 * The `pulumi.com/waitFor` expressions (a JSON array: all must hold) that make pulumi-kubernetes
 * wait for what provider/await waits for on the same object: Gateway Accepted and Programmed
 * (`condition=` also checks observedGeneration) and every listener Programmed; HTTPRoute
 * Accepted and ResolvedRefs for each parent; BackendTLSPolicy Accepted for its ancestor;
 * Certificate Ready. Services and EndpointSlices are ready once stored, on both sides.
 */
function rawWaitFor(o: RenderedObject): string[] {
  const spec = (o as { spec?: { listeners?: { name: string }[]; parentRefs?: unknown[] } }).spec;
  switch (o.kind) {
    case "Gateway":
      return ["condition=Accepted", "condition=Programmed", ...(spec?.listeners ?? []).map((l) => conditionTrue(`.status.listeners[?(@.name=="${l.name}")].conditions`, "Programmed"))];
    case "HTTPRoute":
      return (spec?.parentRefs ?? []).flatMap((_, i) => [conditionTrue(`.status.parents[${i}].conditions`, "Accepted"), conditionTrue(`.status.parents[${i}].conditions`, "ResolvedRefs")]);
    case "BackendTLSPolicy":
      return [conditionTrue(".status.ancestors[0].conditions", "Accepted")];
    case "Certificate":
      return ["condition=Ready"];
    default:
      return [];
  }
}

/**
 * The order a raw program must declare (dependsOn, within one proxy) once it waits for
 * readiness: a Gateway is Programmed only with its certificates issued, an HTTPRoute resolves
 * only with its Gateway and backends there, a BackendTLSPolicy is Accepted only for a route's
 * Gateway. Without it, waiting objects whose prerequisites are not created yet hold all of
 * Pulumi's --parallel slots until their timeout (seen: 8 BackendTLSPolicies blocking the
 * Gateways they wait for).
 */
const RAW_RANK: Readonly<Record<string, number>> = { Service: 0, EndpointSlice: 0, Certificate: 0, Gateway: 1, HTTPRoute: 2, BackendTLSPolicy: 3 };

interface RawObject {
  readonly type: string;
  readonly name: string;
  readonly props: RenderedObject;
  /** Names of the raw objects of the same proxy this one depends on. */
  readonly dependsOn: readonly string[];
}

function rawObjects(sources: readonly Record<string, unknown>[], renderOne: (source: Record<string, unknown>) => RenderedObject[]): RawObject[] {
  const out: RawObject[] = [];
  for (const src of sources) {
    const proxy = String((src["metadata"] as Record<string, unknown>)["name"]);
    const rendered = renderOne(src).map((o) => ({ o, name: `${proxy}-${o.kind.toLowerCase()}-${o.metadata.name}`, rank: RAW_RANK[o.kind] ?? 0 }));
    // Declared in rank order, so the program can look every dependency up by name.
    for (const { o, name, rank } of [...rendered].sort((x, y) => x.rank - y.rank)) {
      // pulumi-kubernetes deletes with Foreground propagation by default, which needs the garbage
      // collector (kube-controller-manager) to finish; the test control plane has none, and our
      // provider deletes with Background — so the raw side asks for Background too.
      const waitFor = rawWaitFor(o);
      const annotations = {
        ...(o.metadata.annotations ?? {}),
        "pulumi.com/deletionPropagationPolicy": "background",
        ...(waitFor.length > 0 ? { "pulumi.com/waitFor": JSON.stringify(waitFor) } : {}),
      };
      const dependsOn = rendered.filter((d) => d.rank < rank).map((d) => d.name);
      out.push({ type: k8sToken(o), name, props: { ...o, metadata: { ...o.metadata, annotations } }, dependsOn });
    }
  }
  if (new Set(out.map((o) => o.name)).size !== out.length) throw new Error("raw resource names are not unique");
  return out;
}


const OURS_PROGRAM = (sdk: string) => `import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import * as datum from ${JSON.stringify(sdk)};

const params = JSON.parse(readFileSync(new URL("./params.json", import.meta.url), "utf8"));
const edge = new datum.Provider("edge", { kubeconfig: params.kubeconfig, ...params.config });
const proxies = params.proxies.map((p) => new datum.networking.HTTPProxy(p.metadata.name, { metadata: p.metadata, spec: p.spec }, { provider: edge }));
export const ready = pulumi.all(proxies.map((p) => p.ready)).apply((r) => r.filter((x) => x === true).length);
`;

const RAW_PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";

const params = JSON.parse(readFileSync(new URL("./params.json", import.meta.url), "utf8"));
const k8s = new pulumi.ProviderResource("kubernetes", "local", { kubeconfig: params.kubeconfig });
const created = new Map();
for (const o of params.objects) {
  created.set(o.name, new pulumi.CustomResource(o.type, o.name, o.props, { provider: k8s, dependsOn: o.dependsOn.map((d) => created.get(d)) }));
}
export const objects = params.objects.length;
`;

interface CliRun {
  readonly code: number | null;
  readonly out: string;
  readonly ms: number;
  readonly timedOut: boolean;
  /** Highest VmHWM (KiB) of the provider plugin processes seen during the run (sampled from /proc). */
  readonly pluginPeakKiB: number | undefined;
}

/** How each side's provider plugin shows in /proc/<pid>/cmdline (ours runs `node …/main.js`). */
const PLUGIN_ARG: Record<Side, string> = { ours: join("dist", "provider", "plugin", "main.js"), raw: "pulumi-resource-kubernetes" };
/** Plugin memory is sampled this often: VmHWM is the kernel's own peak, so sampling only has to catch the process before it exits. */
const MEMORY_SAMPLE_MS = 250;

/** Sessions (= CLI pids) of pulumi runs still going (killed in afterAll). */
const running = new Set<number>();

/**
 * `pulumi <args> --non-interactive` in the workspace, in a session of its own (killed on timeout),
 * sampling the peak memory of the `side`'s plugin processes in that session.
 */
function pulumi(ws: PulumiWorkspace, args: readonly string[], timeoutMs: number, env: NodeJS.ProcessEnv = {}, side?: Side): Promise<CliRun> {
  const { pulumi: cli } = requireTools("pulumi");
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cli, [...args, "--non-interactive"], { cwd: ws.programDir, env: { ...ws.env, ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const pid = child.pid;
    if (pid === undefined) return reject(new Error(`could not start ${cli}`));
    running.add(pid);
    let out = "";
    let timedOut = false;
    let pluginPeakKiB: number | undefined;
    const sample = (): void => {
      if (side === undefined) return;
      for (const p of sessionPids(pid, PLUGIN_ARG[side])) {
        const kib = peakRssKiB(p);
        if (kib !== undefined) pluginPeakKiB = Math.max(pluginPeakKiB ?? 0, kib);
      }
    };
    const sampler = setInterval(sample, MEMORY_SAMPLE_MS);
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      killSession(pid);
    }, Math.max(1_000, timeoutMs));
    child.on("error", (e) => {
      clearTimeout(timer);
      clearInterval(sampler);
      running.delete(pid);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      clearInterval(sampler);
      running.delete(pid);
      resolve({ code, out, ms: performance.now() - t0, timedOut, pluginPeakKiB });
    });
  });
}

/**
 * inotify instances the one merged Envoy needs for N typical proxies: it watches each HTTPS
 * listener's certificate with an inotify instance of its own (2 per proxy), plus its bootstrap's;
 * past fs.inotify.max_user_instances (128 by default) it asserts and the node agent restarts it in
 * a loop, so every Gateway reports NoResources.
 */
const inotifyNeeded = (n: number): number => 2 * n + 16;

/** Step timeouts scale with N (100 proxies = 1100 raw resources); the budget caps them all. */
function stepTimeout(step: Step, n: number): number {
  const base = step === "up" ? 120_000 : 60_000;
  // Per-step checkpoints of 1100 resources make an update take many minutes.
  return Math.min((base + n * (step === "up" ? 6_000 : 2_000)) * (CHECKPOINTS ? 3 : 1), remaining());
}

describe.skipIf(SKIP)("pulumi CLI: pulumi-datum vs raw pulumi-kubernetes", () => {
  let rc: Controllers;
  let cp: ControlPlane;

  beforeAll(async () => {
    requireTools("pulumi", "pulumiLanguageNodejs");
    if (!existsSync(join(repoRoot(), "dist", "provider", "plugin", "main.js"))) throw new Error("the provider is not built (dist/provider/plugin/main.js); run `make setup`");
    rc = await getControllers();
    cp = rc.cp;
  }, 300_000);

  afterAll(async () => {
    for (const pid of running) killSession(pid);
    await rc?.stop();
    await cp?.stop();
  });

  test("preview / up / no-change up / destroy for 1, 10, 100 HTTPProxies", async () => {
    const k8sPlugin = toolPaths().pulumiResourceKubernetes;
    const rawAvailable = existsSync(k8sPlugin);
    const results = new Map<string, StepResult>();
    const key = (side: Side, n: number, step: Step) => `${side}|${n}|${step}`;
    const failures: string[] = [];
    const loads: number[] = [];
    const k = kube(cp.kc);
    const root = repoRoot();
    const result = (side: Side, n: number, step: Step): StepResult => {
      const r = results.get(key(side, n, step)) ?? { samples: [], peaksKiB: [] };
      results.set(key(side, n, step), r);
      return r;
    };

    /** One side's stack for N proxies (namespace, workspace, `stack init`), used by every round. */
    const openSide = async (side: Side, n: number): Promise<{ ns: string; ws: PulumiWorkspace; env: NodeJS.ProcessEnv }> => {
      const ns = await cp.newNamespace(`cli-${side}-n${n}`);
      const sources = proxies(n, ns, side);
      const ws =
        side === "ours"
          ? pulumiWorkspace(
              {
                "Pulumi.yaml": projectYaml("bench-datum", { name: "datum", dir: join(root, "bin") }),
                "index.ts": OURS_PROGRAM(join(root, "dist", "sdk", "index.js")),
                "params.json": JSON.stringify({ kubeconfig: cp.kubeconfigPath, config: PROVIDER_CONFIG, proxies: sources }),
              },
              "bench-datum",
            )
          : pulumiWorkspace(
              {
                "Pulumi.yaml": projectYaml("bench-raw", { name: "kubernetes", dir: dirname(k8sPlugin) }),
                "index.ts": RAW_PROGRAM,
                "params.json": JSON.stringify({ kubeconfig: cp.kubeconfigPath, objects: rawObjects(sources, await pluginRenderer(root)) }),
              },
              `bench-raw`,
            );
      // Never fall back to a developer's own cluster.
      const env: NodeJS.ProcessEnv = { KUBECONFIG: join(ws.dir, "no-kubeconfig"), ...(CHECKPOINTS ? {} : { PULUMI_SKIP_CHECKPOINTS: "true" }) };
      const init = await pulumi(ws, ["stack", "init", "bench"], 60_000, env);
      if (init.code !== 0) {
        ws.dispose();
        throw new Error(`pulumi stack init exited ${init.code}\n${init.out}`);
      }
      return { ns, ws, env };
    };

    /** One full cycle (preview, up, no-change up, destroy) of one side; false when a step failed (later rounds would not start clean). */
    const cycle = async (side: Side, n: number, round: number, s: { ns: string; ws: PulumiWorkspace; env: NodeJS.ProcessEnv }): Promise<boolean> => {
      for (const step of STEPS) {
        if (remaining() < 10_000) {
          result(side, n, step).note ??= "skipped (time budget)";
          return false;
        }
        const args = step === "preview" ? ["preview"] : step === "destroy" ? ["destroy", "--yes", "--skip-preview"] : ["up", "--yes", "--skip-preview"];
        const load = loadavg()[0] ?? 0;
        loads.push(load);
        const r = await pulumi(s.ws, args, stepTimeout(step, n), s.env, side);
        if (r.code !== 0) {
          const note = r.timedOut ? `timed out after ${(r.ms / 1000).toFixed(0)} s` : `failed (exit ${r.code})`;
          result(side, n, step).note = note;
          failures.push(`${side} n=${n} round ${round} ${step}: ${note}\n${r.out.slice(-3000)}`);
          return false; // the later steps depend on this one
        }
        process.stdout.write(`[cli bench] ${side} n=${n} round ${round} ${step}: ${(r.ms / 1000).toFixed(1)} s, plugin peak ${mib(r.pluginPeakKiB)}, load ${load.toFixed(1)}\n`);
        try {
          await checkStep(side, n, step, s.ns, r.out, s.ws, s.env);
        } catch (e) {
          result(side, n, step).note = "check failed";
          failures.push(`${side} n=${n} round ${round} ${step}: ${String(e)}\n${r.out.slice(-3000)}`);
          return false;
        }
        result(side, n, step).samples.push(r.ms);
        if (r.pluginPeakKiB !== undefined) result(side, n, step).peaksKiB.push(r.pluginPeakKiB);
      }
      return true;
    };

    /** Every `kind` object in `ns` has condition `type` True (so an `up` that returned waited for the controllers). */
    const allTrue = async (apiVersion: string, kind: string, ns: string, type: string): Promise<string[]> =>
      (await k.list(apiVersion, kind, ns)).filter((o) => findCondition(conditionsOf(o), type)?.status !== "True").map((o) => `${kind} ${o.metadata?.name ?? "?"}: ${type} not True`);

    /** What each step must have done (so a fast figure is never a silent no-op). */
    const checkStep = async (side: Side, n: number, step: Step, ns: string, out: string, ws: PulumiWorkspace, env: NodeJS.ProcessEnv): Promise<void> => {
      const gateways = async () => (await k.list("gateway.networking.k8s.io/v1", "Gateway", ns)).length;
      const resources = side === "ours" ? n + 1 : n * 11 + 1; // + the explicit provider
      if (step === "preview") expect(out).toMatch(new RegExp(`${resources + 1} to create`)); // + the stack
      if (step === "up") {
        expect(out).toMatch(new RegExp(`${resources + 1} created`));
        expect(await gateways()).toBe(n);
        // Both sides returned only once Envoy Gateway programmed every Gateway and cert-manager issued every Certificate.
        expect([...(await allTrue("gateway.networking.k8s.io/v1", "Gateway", ns, "Programmed")), ...(await allTrue("cert-manager.io/v1", "Certificate", ns, "Ready"))]).toEqual([]);
        // The raw program registers exactly the objects the plugin writes.
        const counts = await Promise.all(DOWNSTREAM_KINDS.map(async (kd) => (await k.list(kd.apiVersion, kd.kind, ns)).length));
        expect(counts.reduce((a, b) => a + b, 0)).toBe(n * 11);
        if (side === "ours") {
          const o = await pulumi(ws, ["stack", "output", "ready"], 60_000, env);
          expect(o.out.trim()).toBe(String(n)); // every proxy reported ready
        }
      }
      if (step === "up (no changes)") {
        expect(out).toMatch(new RegExp(`${resources + 1} unchanged`));
        expect(out).not.toMatch(/\d+ (created|updated|replaced|deleted)/);
      }
      if (step === "destroy") {
        expect(out).toMatch(new RegExp(`${resources + 1} deleted`));
        expect(await gateways()).toBe(0);
      }
    };

    const inotifyLimit = Number.parseInt(readFileSync("/proc/sys/fs/inotify/max_user_instances", "utf8"), 10);
    const sides = (["ours", "raw"] as const).filter((side) => SIDES.includes(side) && (side === "ours" || rawAvailable));
    for (const n of SIZES) {
      if (inotifyNeeded(n) > inotifyLimit) {
        for (const side of sides) for (const step of STEPS) result(side, n, step).note = `needs fs.inotify.max_user_instances ≥ ${inotifyNeeded(n)}`;
        failures.push(`n=${n}: the merged Envoy needs about ${inotifyNeeded(n)} inotify instances (one per HTTPS listener certificate) and fs.inotify.max_user_instances is ${inotifyLimit}: Envoy would assert and restart forever. Raise it (sysctl -w fs.inotify.max_user_instances=${Math.max(1024, inotifyNeeded(n))}) or run smaller sizes.`);
        continue;
      }
      const open = new Map<Side, { ns: string; ws: PulumiWorkspace; env: NodeJS.ProcessEnv }>();
      const broken = new Set<Side>();
      try {
        for (const side of sides) open.set(side, await openSide(side, n));
        for (let round = 1; round <= ROUNDS; round++) {
          for (const side of sideOrder(round)) {
            const s = open.get(side);
            if (s !== undefined && !broken.has(side) && !(await cycle(side, n, round, s))) broken.add(side);
          }
        }
      } finally {
        for (const s of open.values()) s.ws.dispose();
      }
    }

    // Report: one row per (step, N) with both sides and the ratio.
    // The median of the rounds that completed (a failed round fails the test below).
    const ms = (r: StepResult | undefined): number | undefined => median(r?.samples ?? []);
    const fmt = (r: StepResult | undefined): string => {
      const m = ms(r);
      return m !== undefined ? `${(m / 1000).toFixed(1)} s` : (r?.note ?? "–");
    };
    const spread = (r: StepResult | undefined): string =>
      r !== undefined && r.samples.length > 1 ? `${(Math.min(...r.samples) / 1000).toFixed(1)}–${(Math.max(...r.samples) / 1000).toFixed(1)}` : "";
    const peak = (r: StepResult | undefined): string => (r !== undefined && r.peaksKiB.length > 0 ? mib(Math.max(...r.peaksKiB)) : "–");
    const figures: FigureRow[] = [];
    const printed: string[][] = [];
    for (const n of SIZES) {
      for (const step of STEPS) {
        const ours = results.get(key("ours", n, step));
        const raw = results.get(key("raw", n, step));
        const oursMs = ms(ours);
        const rawMs = ms(raw);
        const ratio = oursMs !== undefined && rawMs !== undefined ? oursMs / rawMs : undefined;
        const what = `${STEP_LABEL[step]}, ${n} ${n === 1 ? "HTTPProxy" : "HTTPProxies"} (${n + 1} vs ${n * 11 + 1} resources${ROUNDS > 1 ? `, median of ${ROUNDS}, sides alternating` : ""}${CHECKPOINTS ? ", per-step checkpoints" : ""})`;
        const rawText = rawAvailable ? fmt(raw) : NOT_BUILT;
        figures.push({ key: `${step}-${n}${CHECKPOINTS ? "-checkpoints" : ""}`, what, ours: fmt(ours), raw: rawText, ...(ratio !== undefined ? { ratio } : {}) });
        printed.push([`${step}, ${n} ${n === 1 ? "proxy" : "proxies"}`, fmt(ours), spread(ours), peak(ours), rawText, spread(raw), peak(raw), formatRatio(ratio)]);
      }
    }
    // Only full comparisons go into the summary (BENCH_CLI_SIDES is for experiments).
    if (SIDES.includes("ours") && SIDES.includes("raw")) recordFigures("cli", figures);
    const loadText = loads.length > 0 ? `1-minute load average at the start of the steps: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} (median ${(median(loads) ?? 0).toFixed(1)}) on ${availableParallelism()} CPUs` : "";
    process.stdout.write(`\nPulumi CLI wall time (pulumi-datum vs the same objects as raw pulumi-kubernetes resources; ${ROUNDS} rounds, sides alternating)\n${loadText}\n${markdownTable(["step", "pulumi-datum (median)", "min–max s", "plugin peak", "raw pulumi-kubernetes (median)", "min–max s", "plugin peak", "ours / raw"], printed)}\n`);
    expect(failures).toEqual([]);
  }, BUDGET_MS + 6 * 60_000); // the budget stops new steps; the last one may still run its timeout
});
