// The native plugin as the engine sees it (vitest 5: `bench` is a test fixture):
//  - cold start: spawn bin/pulumi-resource-datum → port on stdout → GetSchema answered; goal < 400 ms
//    on Node 24 (the engine starts one plugin per provider instance per run);
//  - preview cost per resource: Check + Diff of a typical HTTPProxy over gRPC.
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { describe, expect, test } from "vitest";
import { typicalHTTPProxy } from "./fixtures";
import { recordFigures } from "./results.ts";
import { checkRequest, configureRequest, rpc, spawnPlugin, struct, type Props } from "../test/plugin/harness";

const COLD_START_GOAL_MS = 400;

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
