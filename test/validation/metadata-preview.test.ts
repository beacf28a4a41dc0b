// `metadata.namespace: 2024` as YAML/JSON config makes it (a number), through the real Pulumi CLI:
// preview fails at the field, the real kube-apiserver gets nothing, and nothing lands in `default`.
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubeClient, type KubeClient } from "../../provider/kube/index";
import { getControlPlane, type ControlPlane } from "../infra/controlplane";
import { ok, projectYaml, pulumiWorkspace, type PulumiWorkspace } from "../infra/pulumi";
import { ROOT } from "../plugin/harness";

const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import datum from ${JSON.stringify(join(ROOT, "dist", "sdk", "index.js"))};

const config = new pulumi.Config();
const cluster = new datum.Provider("cluster", { kubeconfig: config.requireSecret("kubeconfig"), namespace: config.require("ns") });
new datum.networking.HTTPProxy("shop", {
  metadata: config.requireObject("metadata"),
  spec: { rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] },
}, { provider: cluster });
`;

let cp: ControlPlane;
let admin: KubeClient;
let ws: PulumiWorkspace;
let ns: string;

beforeAll(async () => {
  cp = await getControlPlane();
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
  ns = await cp.newNamespace("meta");
  ws = pulumiWorkspace({ "index.ts": PROGRAM, "Pulumi.yaml": projectYaml("datum-meta", { name: "datum", dir: join(ROOT, "bin") }) }, "datum-meta");
  ok(await ws.run(["login", `file://${ws.dir}/state`]));
  ok(await ws.run(["stack", "init", "dev"]));
  ok(await ws.run(["config", "set", "--secret", "kubeconfig", cp.kubeconfig]));
  ok(await ws.run(["config", "set", "ns", ns]));
}, 180_000);

afterAll(async () => {
  ws?.dispose();
  await admin?.close();
});

describe("a numeric namespace through pulumi preview", () => {
  it("fails at metadata.namespace with the type error, and nothing is written anywhere", async () => {
    ok(await ws.run(["config", "set", "metadata", '{"name": "meta-shop", "namespace": 2024}']));
    const r = await ws.run(["preview"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('metadata.namespace: Invalid value: "integer": metadata.namespace in body must be of type string: "integer"');
    for (const namespace of ["default", ns]) {
      const gws = await admin.list({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace });
      expect(gws.items.map((g) => g.metadata.name)).not.toContain("meta-shop");
    }
  }, 120_000);

  it("the same namespace written as a string previews a create", async () => {
    ok(await ws.run(["config", "set", "metadata", JSON.stringify({ name: "meta-shop", namespace: ns })]));
    const r = ok(await ws.run(["preview"]));
    expect(r.stdout).toMatch(/\+\s+datum:networking:HTTPProxy\s+shop\s+create/);
  }, 120_000);
});
