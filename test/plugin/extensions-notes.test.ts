// Preview shows a weighted rule's split (issue #16): Check over real gRPC logs it to the engine as information.
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startPlugin } from "../../provider/plugin/server";
import { checkRequest, configureRequest, failuresOf, ROOT, rpc, startEngineLog } from "./harness";
import { testEngine } from "./test-engine";

const HTTPPROXY = "datum:networking:HTTPProxy";
const schemaText = readFileSync(join(ROOT, "schema.json"), "utf8");
const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of open.splice(0)) await stop();
});

async function checkCanary(extensions: string): Promise<{ failures: { property: string; reason: string }[]; lines: unknown[] }> {
  const logs = await startEngineLog();
  const plugin = await startPlugin({ version: "9.9.9", schema: () => schemaText, loadEngine: async () => testEngine(), engineAddress: logs.address });
  const client = new ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
  open.push(async () => {
    client.close();
    await plugin.stop();
    await logs.stop();
  });
  await rpc(client, client.configure, configureRequest({ extensions }));
  const proxy = {
    metadata: { name: "shop", namespace: "default" },
    spec: { rules: [{ name: "web", backends: [{ endpoint: "https://api.example.com", weight: 90 }, { endpoint: "https://api.example.com:8443", weight: 10 }] }] },
  };
  const res = await rpc(client, client.check, checkRequest(HTTPPROXY, proxy, undefined, "shop"));
  await plugin.service.flush();
  return { failures: failuresOf(res), lines: logs.lines };
}

describe("Check of a weighted rule", () => {
  it("logs the split as information under the resource", async () => {
    const r = await checkCanary('{"weightedBackends": true}');
    expect(r.failures).toEqual([]);
    expect(r.lines).toEqual([
      {
        severity: 1,
        message: "spec.rules[0].backends: splits requests 90 % → backends[0] (https://api.example.com), 10 % → backends[1] (https://api.example.com:8443)",
        urn: `urn:pulumi:test::proj::${HTTPPROXY}::shop`,
        ephemeral: false,
      },
    ]);
  });

  it("with the switch off fails with NSO's answers and logs nothing", async () => {
    const r = await checkCanary('{"weightedBackends": false}');
    expect(r.failures.map((f) => f.property)).toEqual(expect.arrayContaining(["spec.rules[0].backends"]));
    expect(r.lines).toEqual([]);
  });
});
