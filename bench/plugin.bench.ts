// The native plugin as the engine sees it (vitest 5: `bench` is a test fixture):
//  - cold start: spawn bin/pulumi-resource-datum → port on stdout → GetSchema answered; goal < 400 ms
//    on Node 24 (the engine starts one plugin per provider instance per run);
//  - the same cold start for the plugin of the release tarball (`make dist`: one esbuild bundle)
//    against bin/pulumi-resource-datum (dist/ with node_modules), alternating the two;
//  - preview cost per resource: Check + Diff of a typical HTTPProxy over gRPC.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { describe, expect, test } from "vitest";
import { typicalHTTPProxy } from "./fixtures";
import { recordFigures } from "./results.ts";
import { buildPluginDist, currentPlatform } from "../scripts/dist-plugin";
import { checkRequest, configureRequest, PLUGIN_BIN, rpc, spawnPlugin, spawnProvider, struct, type Props } from "../test/plugin/harness";

const COLD_START_GOAL_MS = 400;

/** CPU time (user + system) a running process has used so far, from /proc (Linux). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}
/** USER_HZ: 100 on every Linux architecture Node.js runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

describe("native plugin", () => {
  test("cold start", async ({ bench }) => {
    // Shutting a plugin down is not part of its start: stops are awaited after the measurement.
    const stopping: Promise<void>[] = [];
    const r = await bench("spawn → port → GetSchema", async () => {
      const p = await spawnPlugin();
      try {
        const res = await rpc(p.client, p.client.getSchema, new providerPb.GetSchemaRequest());
        expect(res.getSchema().length).toBeGreaterThan(0);
      } finally {
        stopping.push(p.stop());
      }
    }).run({ iterations: 15, time: 0 });
    await Promise.all(stopping);
    const median = r.latency.p50;
    process.stdout.write(`plugin cold start: median ${median.toFixed(0)} ms, p99 ${r.latency.p99.toFixed(0)} ms (goal < ${COLD_START_GOAL_MS} ms: ${median < COLD_START_GOAL_MS ? "met" : "missed"})\n`);
    recordFigures("plugin", [
      {
        key: "cold-start",
        what: "plugin cold start (spawn → port printed → GetSchema answered)",
        ours: `median ${median.toFixed(0)} ms, p99 ${r.latency.p99.toFixed(0)} ms`,
        goal: `< ${COLD_START_GOAL_MS} ms (${median < COLD_START_GOAL_MS ? "met" : "missed"})`,
      },
    ]);
  });

  test("cold start: release tarball (bundle) vs bin/ (dist + node_modules)", async () => {
    const platform = currentPlatform();
    if (platform === undefined) throw new Error(`no release tarball is built for ${process.platform}-${process.arch}`);
    const dir = mkdtempSync(join(tmpdir(), "pulumi-datum-bench-dist-"));
    try {
      const dist = await buildPluginDist(join(dir, "out"));
      const tar = spawnSync("tar", ["-xzf", dist.tarballs[platform], "-C", dir], { encoding: "utf8" });
      expect(tar.status, tar.stderr).toBe(0);
      const launchers = { bundle: join(dir, "pulumi-resource-datum"), today: PLUGIN_BIN } as const;
      // Wall time, and the plugin's own CPU time (user + system, from /proc: the launchers exec node,
      // so the spawned pid is the plugin), which a busy machine distorts less.
      const wall: Record<keyof typeof launchers, number[]> = { bundle: [], today: [] };
      const cpu: Record<keyof typeof launchers, number[]> = { bundle: [], today: [] };
      const once = async (which: keyof typeof launchers): Promise<void> => {
        const t0 = performance.now();
        const p = await spawnProvider(launchers[which], ["127.0.0.1:1"]);
        try {
          const res = await rpc(p.client, p.client.getSchema, new providerPb.GetSchemaRequest());
          expect(res.getSchema().length).toBeGreaterThan(0);
          wall[which].push(performance.now() - t0);
          cpu[which].push(cpuMs(p.proc.pid!));
        } finally {
          await p.stop();
        }
      };
      // One unmeasured start each (compile caches), then 20 alternating pairs.
      await once("bundle");
      await once("today");
      for (const xs of [wall.bundle, wall.today, cpu.bundle, cpu.today]) xs.length = 0;
      for (let i = 0; i < 20; i++) {
        await once(i % 2 === 0 ? "bundle" : "today");
        await once(i % 2 === 0 ? "today" : "bundle");
      }
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const figure = (which: keyof typeof launchers): string =>
        `median ${median(wall[which]).toFixed(0)} ms wall (min ${Math.min(...wall[which]).toFixed(0)}), ${median(cpu[which]).toFixed(0)} ms CPU, n=${wall[which].length}`;
      process.stdout.write(`plugin cold start, alternating: release bundle ${figure("bundle")}; bin/ (dist + node_modules) ${figure("today")}\n`);
      recordFigures("plugin", [
        { key: "cold-start-bundle", what: "plugin cold start, release tarball (esbuild bundle), alternating with bin/", ours: figure("bundle") },
        { key: "cold-start-bin", what: "plugin cold start, bin/pulumi-resource-datum (dist/ + node_modules), alternating", ours: figure("today") },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("Check + Diff per resource", async ({ bench }) => {
    const p = await spawnPlugin();
    try {
      const type = "datum:networking:HTTPProxy";
      const proxy = typicalHTTPProxy();
      const inputs: Props = { metadata: proxy["metadata"], spec: proxy["spec"] };
      await rpc(p.client, p.client.configure, configureRequest({}));
      const first = await rpc(p.client, p.client.check, checkRequest(type, inputs));
      expect(first.getFailuresList().map((f) => f.getReason())).toEqual([]);
      const checked = (first.getInputs()?.toJavaScript() ?? inputs) as Props;
      const r = await bench("Check + Diff (typical HTTPProxy)", async () => {
        const c = await rpc(p.client, p.client.check, checkRequest(type, inputs, checked));
        const d = new providerPb.DiffRequest();
        d.setId("default/shop");
        d.setUrn(`urn:pulumi:test::proj::${type}::app`);
        d.setType(type);
        d.setOlds(struct(checked));
        d.setNews(c.getInputs() ?? struct(checked));
        await rpc(p.client, p.client.diff, d);
      }).run({ time: 2_000 });
      recordFigures("plugin", [
        { key: "check-diff", what: "Check + Diff per resource over gRPC (typical HTTPProxy)", ours: `mean ${r.latency.mean.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms` },
      ]);
    } finally {
      await p.stop();
    }
  });
});
