// pulumi up with the locally built pulumi-resource-kubernetes against the real local API server:
// the TS program registers raw `kubernetes:*` resources (the @pulumi/kubernetes npm SDK is not a
// dependency) through an explicit provider configured with the control plane's kubeconfig.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getControlPlane, type ControlPlane } from "./controlplane.ts";
import { kube } from "./kube.ts";
import { pulumiWorkspace } from "./pulumi.ts";
import { requireTools } from "./tools.ts";

const program = (ns: string): string => `import * as pulumi from "@pulumi/pulumi";
const cfg = new pulumi.Config();
const k8s = new pulumi.ProviderResource("kubernetes", "local", { kubeconfig: cfg.requireSecret("kubeconfig") });
const cm = new pulumi.CustomResource("kubernetes:core/v1:ConfigMap", "cm", {
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "from-pulumi", namespace: "${ns}" },
  data: { hello: "world" },
}, { provider: k8s });
export const uid = cm.urn;
`;

describe("pulumi-resource-kubernetes against the local API server", () => {
  let cp: ControlPlane;
  beforeAll(async () => {
    requireTools("pulumiResourceKubernetes");
    cp = await getControlPlane();
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it("creates and deletes a ConfigMap with pulumi up / destroy", async () => {
    const { pulumiResourceKubernetes } = requireTools("pulumiResourceKubernetes");
    const ns = await cp.newNamespace("pk8s");
    const ws = pulumiWorkspace({ "index.ts": program(ns) }, "infra-k8s");
    const path = `${pulumiResourceKubernetes.replace(/\/[^/]+$/, "")}:${ws.env["PATH"] ?? ""}`;
    try {
      const run = async (args: string[]): Promise<string> => {
        const r = await ws.run(args, { env: { PATH: path }, timeoutMs: 180_000 });
        if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
        return r.stdout;
      };
      await run(["stack", "init", "dev"]);
      await run(["config", "set", "--secret", "kubeconfig", cp.kubeconfig]);
      const up = await run(["up", "--yes", "--skip-preview"]);
      expect(up).toMatch(/created/);
      const k = kube(cp.kc);
      const cm = await k.get("v1", "ConfigMap", ns, "from-pulumi");
      expect(cm?.["data"]).toEqual({ hello: "world" });
      await run(["destroy", "--yes", "--skip-preview"]);
      expect(await k.get("v1", "ConfigMap", ns, "from-pulumi")).toBeUndefined();
    } finally {
      ws.dispose();
    }
  }, 300_000);
});
