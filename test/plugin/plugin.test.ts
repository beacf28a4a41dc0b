// bin/pulumi-resource-datum as the engine starts it: spawn with the engine address, read the port
// from stdout, talk gRPC. Runs the built plugin (dist/), like `pulumi` would.
import * as grpc from "@grpc/grpc-js";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkRequest, failuresOf, isSecret, js, ROOT, rpc, secret, spawnPlugin, struct, type SpawnedProvider } from "./harness";

let plugin: SpawnedProvider;

beforeAll(async () => {
  plugin = await spawnPlugin();
});

afterAll(async () => {
  await plugin?.stop();
});

describe("pulumi-resource-datum", () => {
  it("prints only its port on stdout and serves the committed schema", async () => {
    const { client } = plugin;
    const res = await rpc(client, client.getSchema, new providerPb.GetSchemaRequest());
    expect(res.getSchema()).toBe(readFileSync(join(ROOT, "schema.json"), "utf8"));
    const info = await rpc(client, client.getPluginInfo, new Empty());
    expect(info.getVersion()).toBe((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version);
    expect(plugin.output()).toBe("");
  });

  it("validates provider configuration before anything is configured", async () => {
    const { client } = plugin;
    const res = await rpc(client, client.checkConfig, checkRequest("pulumi:providers:datum", { kubeconfig: "apiVersion: v1\n", forceConflicts: "yes" }));
    expect(failuresOf(res).map((f) => f.property)).toEqual(["forceConflicts"]);
    expect(isSecret(js(res.getInputs())["kubeconfig"])).toBe(true);
    const diff = new providerPb.DiffRequest();
    diff.setOlds(struct({ namespace: "a", kubeconfig: secret("x") }));
    diff.setNews(struct({ namespace: "b", kubeconfig: secret("x") }));
    const d = await rpc(client, client.diffConfig, diff);
    expect(d.getReplacesList()).toEqual(["namespace"]);
  });

  it("answers UNIMPLEMENTED for what it does not offer (invoke, construct)", async () => {
    const { client } = plugin;
    const err = await new Promise<grpc.ServiceError>((resolve) => client.invoke(new providerPb.InvokeRequest(), (e) => resolve(e as grpc.ServiceError)));
    expect(err.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it("exits when the engine terminates it", async () => {
    const p = await spawnPlugin();
    const exited = new Promise<number | null>((r) => p.proc.once("exit", (code) => r(code)));
    p.proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    await p.stop();
  });
});

describe("cold start", () => {
  it("loads neither zod, the guardrails nor the Kubernetes client before Configure", () => {
    const script = `
      require(${JSON.stringify(join(ROOT, "dist/provider/plugin/server.js"))});
      const loaded = Object.keys(require.cache);
      const heavy = loaded.filter((f) => /node_modules\\/(zod|@kubernetes|js-yaml)\\/|provider\\/core\\/(guardrails|validate)|provider\\/kube\\//.test(f));
      process.stdout.write(JSON.stringify(heavy));
    `;
    const out = execFileSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(JSON.parse(out)).toEqual([]);
  });
});
