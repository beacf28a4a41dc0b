// The native plugin as the engine sees it: cold start (spawn → port on stdout → GetSchema answered;
// goal < 400 ms on Node 24) and the per-resource cost of a preview (Check + Diff over gRPC).
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { afterAll, beforeAll, bench, describe } from "vitest";
import { typicalHTTPProxy } from "./fixtures";
import { checkRequest, configureRequest, rpc, spawnPlugin, struct, type Props, type SpawnedProvider } from "../test/plugin/harness";

describe("plugin cold start", () => {
  bench(
    "spawn → port → GetSchema",
    async () => {
      const p = await spawnPlugin();
      try {
        const res = await rpc(p.client, p.client.getSchema, new providerPb.GetSchemaRequest());
        if (res.getSchema().length === 0) throw new Error("empty schema");
      } finally {
        await p.stop();
      }
    },
    { iterations: 10, time: 0, warmupIterations: 1 },
  );
});

describe("preview cost per resource over gRPC", () => {
  let p: SpawnedProvider;
  const type = "datum:networking:HTTPProxy";
  const proxy = typicalHTTPProxy() as Props;
  const inputs: Props = { metadata: proxy["metadata"], spec: proxy["spec"] };
  let checked: Props = inputs;

  beforeAll(async () => {
    p = await spawnPlugin();
    await rpc(p.client, p.client.configure, configureRequest({ kubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n" }));
    const res = await rpc(p.client, p.client.check, checkRequest(type, inputs));
    if (res.getFailuresList().length > 0) throw new Error(`fixture invalid: ${res.getFailuresList()[0]?.getReason()}`);
    checked = (res.getInputs()?.toJavaScript() ?? inputs) as Props;
  });

  afterAll(async () => {
    await p?.stop();
  });

  bench("Check + Diff (typical HTTPProxy)", async () => {
    const c = await rpc(p.client, p.client.check, checkRequest(type, inputs, checked));
    if (c.getFailuresList().length > 0) throw new Error("unexpected check failure");
    const d = new providerPb.DiffRequest();
    d.setId("default/shop");
    d.setUrn(`urn:pulumi:test::proj::${type}::app`);
    d.setType(type);
    d.setOlds(struct(checked));
    d.setNews(c.getInputs() ?? struct(checked));
    await rpc(p.client, p.client.diff, d);
  });
});
