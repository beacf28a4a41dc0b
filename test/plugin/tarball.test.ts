// The plugin as `make dist` ships it: the tarball unpacked into a temp dir and started through its
// launcher, far from this repository's node_modules, speaks the same protocol as bin/: it reports
// package.json's version, serves schema.json, and loads its engine chunk on Configure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildPluginDist, currentPlatform, PLATFORMS, tarballName, type PluginDist } from "../../scripts/dist-plugin.ts";
import { checkRequest, configureRequest, failuresOf, ROOT, rpc, spawnProvider, type SpawnedProvider } from "./harness";

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };

describe("the release tarball's plugin", () => {
  let dir: string;
  let dist: PluginDist;
  let entries: string[];
  let plugin: SpawnedProvider;

  beforeAll(async () => {
    const platform = currentPlatform();
    if (platform === undefined) throw new Error(`no plugin tarball is built for ${process.platform}-${process.arch}`);
    dir = mkdtempSync(join(tmpdir(), "pulumi-datum-tarball-"));
    dist = await buildPluginDist(join(dir, "out"));
    entries = spawnSync("tar", ["-tzf", dist.tarballs[platform]], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
    const untar = spawnSync("tar", ["-xzf", dist.tarballs[platform], "-C", join(dir)], { encoding: "utf8" });
    expect(untar.status, untar.stderr).toBe(0);
    // Only `node` on PATH, and a working directory outside the repository.
    plugin = await spawnProvider(join(dir, "pulumi-resource-datum"), ["127.0.0.1:1"], { cwd: dir, env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin` } });
  }, 120_000);
  afterAll(async () => {
    await plugin?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("is named pulumi-resource-datum-v<package.json version>-<os>-<arch>.tar.gz, for linux and darwin on amd64 and arm64", () => {
    expect(dist.version).toBe(pkg.version);
    expect(Object.values(dist.tarballs).map((p) => p.slice(p.lastIndexOf("/") + 1))).toEqual(PLATFORMS.map((p) => tarballName(pkg.version, p)));
    expect(tarballName(pkg.version, "linux-amd64")).toBe(`pulumi-resource-datum-v${pkg.version}-linux-amd64.tar.gz`);
  });

  it("holds the launcher, the bundle, schema.json, the version and the licenses — no node_modules", () => {
    expect(entries).toEqual(expect.arrayContaining(["pulumi-resource-datum", "pulumi-resource-datum.mjs", "schema.json", "package.json", "LICENSE", "THIRD_PARTY_NOTICES"]));
    expect(entries.filter((e) => e.includes("node_modules") || e.endsWith(".ts"))).toEqual([]);
    const notices = readFileSync(join(dir, "THIRD_PARTY_NOTICES"), "utf8");
    for (const bundled of ["@grpc/grpc-js@", "zod@", "@kubernetes/client-node@", "google-protobuf@"]) expect(notices).toContain(bundled);
  });

  it("reports package.json's version and serves schema.json", async () => {
    const info = await rpc(plugin.client, plugin.client.getPluginInfo, new Empty());
    expect(info.getVersion()).toBe(pkg.version);
    const schema = await rpc(plugin.client, plugin.client.getSchema, new providerPb.GetSchemaRequest());
    expect(schema.getSchema()).toBe(readFileSync(join(ROOT, "schema.json"), "utf8"));
  });

  it("loads the engine on Configure and checks an HTTPProxy with Datum's field paths", async () => {
    await rpc(plugin.client, plugin.client.configure, configureRequest({ namespace: "edge" }));
    const res = await rpc(
      plugin.client,
      plugin.client.check,
      checkRequest("datum:networking:HTTPProxy", { metadata: { name: "shop" }, spec: { rules: [{ backends: [{ endpoint: "https://api.example.net/v1" }] }] } }),
    );
    expect(failuresOf(res)).toContainEqual({ property: "spec.rules[0].backends[0].endpoint", reason: expect.stringContaining('Invalid value: "/v1"') });
    expect(plugin.output()).toBe("");
  });
});
