// End to end with the real engine: the locally built Pulumi CLI runs a TypeScript program that uses
// the generated SDK, the engine launches bin/pulumi-resource-datum (Pulumi.yaml `plugins.providers`)
// and the plugin talks to a real kube-apiserver with the real Envoy Gateway and cert-manager
// (test/infra/controllers.ts). preview (invalid and valid), up, secrets in state, update, refresh,
// import through the default provider (stack config), destroy.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubeClient, type KubeClient } from "../../provider/kube/index";
import type { ControlPlane } from "../infra/controlplane";
import { getControllers, type Controllers } from "../infra/controllers";
import { ok, projectYaml, pulumiWorkspace, type PulumiWorkspace } from "../infra/pulumi";
import { ROOT } from "./harness";

const SOURCE_LABEL = "pulumi-datum.io/source-name";
const HEADER_SECRET = "tok-7f3a9c-very-secret";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import datum from ${JSON.stringify(join(ROOT, "dist", "sdk", "index.js"))};

const config = new pulumi.Config();
const cluster = new datum.Provider("cluster", {
  kubeconfig: config.requireSecret("kubeconfig"),
  namespace: config.require("ns"),
  timeoutSeconds: 60,
});
const proxy = new datum.networking.HTTPProxy("shop", {
  metadata: { name: "shop" },
  spec: {
    rules: [{
      name: "web",
      filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "Authorization", value: config.requireSecret("token") }] } }],
      backends: [{ endpoint: config.require("endpoint") }],
    }],
  },
}, { provider: cluster });
export const hostname = proxy.canonicalHostname;
export const ready = proxy.ready;
export const id = proxy.id;
`;

let rc: Controllers;
let cp: ControlPlane;
let admin: KubeClient;
let ws: PulumiWorkspace;
let ns: string;

async function owned(name: string): Promise<string[]> {
  const out: string[] = [];
  for (const kind of ["Gateway", "HTTPRoute"]) {
    const l = await admin.list({ apiVersion: "gateway.networking.k8s.io/v1", kind, namespace: ns, labelSelector: `${SOURCE_LABEL}=${name}` });
    out.push(...l.items.map((o) => `${o.kind}/${o.metadata.name}`));
  }
  return out.sort();
}

beforeAll(async () => {
  rc = await getControllers();
  cp = rc.cp;
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
  ns = await cp.newNamespace("e2e");
  ws = pulumiWorkspace(
    {
      "index.ts": PROGRAM,
      "Pulumi.yaml": projectYaml("datum-e2e", { name: "datum", dir: join(ROOT, "bin") }),
    },
    "datum-e2e",
  );
  ok(await ws.run(["login", `file://${ws.dir}/state`]));
  ok(await ws.run(["stack", "init", "dev"]));
  ok(await ws.run(["config", "set", "--secret", "kubeconfig", cp.kubeconfig]));
  ok(await ws.run(["config", "set", "--secret", "token", HEADER_SECRET]));
  ok(await ws.run(["config", "set", "ns", ns]));
}, 240_000);

afterAll(async () => {
  ws?.dispose();
  await admin?.close();
  await rc?.stop();
});

describe("pulumi CLI with the datum plugin", () => {
  it("preview fails on an invalid endpoint with NSO's message and writes nothing", async () => {
    ok(await ws.run(["config", "set", "endpoint", "https://api.example.com/v1"]));
    const r = await ws.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/spec\.rules\[0\]\.backends\[0\]\.endpoint/);
    expect(r.stdout + r.stderr).toContain('Invalid value: "/v1"');
    expect(await owned("shop")).toEqual([]);
  }, 120_000);

  it("preview of a valid program plans the create and writes nothing", async () => {
    ok(await ws.run(["config", "set", "endpoint", "https://api.example.com"]));
    const r = ok(await ws.run(["preview"]));
    expect(r.stdout).toMatch(/\+\s+datum:networking:HTTPProxy\s+shop\s+create/);
    expect(await owned("shop")).toEqual([]);
  }, 120_000);

  it("up creates the objects; the secret stays encrypted in state", async () => {
    const up = ok(await ws.run(["up", "--yes", "--skip-preview"]));
    expect(up.stdout).toMatch(/3 created/);
    const out = JSON.parse(ok(await ws.run(["stack", "output", "--json"])).stdout) as Record<string, unknown>;
    expect(out).toMatchObject({ ready: true, id: `${ns}/shop` });
    expect(out["hostname"]).toMatch(/\.datum\.local$/);
    expect(await owned("shop")).toEqual(["Gateway/shop", "HTTPRoute/shop"]);
    const state = ok(await ws.run(["stack", "export"])).stdout;
    expect(state).not.toContain(HEADER_SECRET);
    expect(state).not.toContain(cp.kubeconfig.slice(-60, -20));
    expect(state).toContain("1b47061264138c4ac30d75fd1eb44270");
    // Nor in the cluster's copy of the source (the Gateway's annotation); the HTTPRoute carries it for Envoy.
    const gateway = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "shop" });
    expect(gateway?.metadata.annotations?.["pulumi-datum.io/source"]).toMatch(/datum-redacted:sha256:/);
    expect(JSON.stringify(gateway)).not.toContain(HEADER_SECRET);
  }, 180_000);

  it("a changed endpoint is an in-place update; refresh then finds nothing to change", async () => {
    ok(await ws.run(["config", "set", "endpoint", "https://other.example.com"]));
    const diff = ok(await ws.run(["preview", "--diff"]));
    expect(diff.stdout).toMatch(/~ datum:networking:HTTPProxy: \(update\)/);
    expect(diff.stdout).toMatch(/~ endpoint: "https:\/\/api\.example\.com" => "https:\/\/other\.example\.com"/);
    expect(diff.stdout).toContain("https://other.example.com");
    expect(diff.stdout + diff.stderr).not.toContain(HEADER_SECRET);
    const up = ok(await ws.run(["up", "--yes", "--skip-preview"]));
    expect(up.stdout).toMatch(/1 updated/);
    const refresh = ok(await ws.run(["refresh", "--yes", "--skip-preview"]));
    expect(refresh.stdout).not.toMatch(/updated/);
  }, 180_000);

  it("import through the default provider (datum:* stack config) adopts an existing object", async () => {
    ok(await ws.run(["config", "set", "--secret", "datum:kubeconfig", cp.kubeconfig]));
    ok(await ws.run(["config", "set", "datum:namespace", ns]));
    ok(await ws.run(["config", "set", "datum:skipAwait", "true"]));
    // No code generation: the test language host does not implement it.
    const r = ok(await ws.run(["import", "datum:networking:HTTPProxy", "adopted", `${ns}/shop`, "--yes", "--generate-code=false", "--protect=false"]));
    expect(r.stdout).toMatch(/1 imported/);
    expect(r.stdout + r.stderr).toContain("supply them in your program: spec.rules[0].filters[0].requestHeaderModifier.set[0].value (header Authorization)");
    expect(r.stdout + r.stderr).not.toContain(HEADER_SECRET);
    const state = JSON.parse(ok(await ws.run(["stack", "export"])).stdout) as { deployment: { resources: { urn: string; inputs?: Record<string, unknown> }[] } };
    const adopted = state.deployment.resources.find((x) => x.urn.endsWith("::adopted"));
    expect(JSON.stringify(adopted?.inputs)).toContain("https://other.example.com");
    // The cluster cannot say which values were secret; credential headers are secret anyway.
    expect(JSON.stringify(state)).not.toContain(HEADER_SECRET);
    ok(await ws.run(["state", "delete", `urn:pulumi:dev::datum-e2e::datum:networking:HTTPProxy::adopted`, "--yes"]));
  }, 180_000);

  it("destroy removes everything", async () => {
    const down = ok(await ws.run(["destroy", "--yes", "--skip-preview"]));
    expect(down.stdout).toMatch(/deleted/);
    expect(await owned("shop")).toEqual([]);
  }, 180_000);
});
