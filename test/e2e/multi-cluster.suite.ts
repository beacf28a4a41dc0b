// examples/multi-cluster through the real engine: one program, stacks cluster-a and cluster-b on two
// control planes, selected by kubeconfig context (one KUBECONFIG with both, as on a laptop). Each
// cluster has its own real controllers: two Envoy Gateway data planes side by side, each in its own
// network namespace with its own address.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KubeConfig } from "@kubernetes/client-node";
import { startControllers, type Controllers } from "../infra/controllers.ts";
import { startControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { deleteObject, ensureNamespace, getObject, mergeKubeconfigs, ownedObjects } from "./cluster.ts";
import { CLAIMS_NAMESPACE, failed, writesDuring, type E2eContext } from "./context.ts";
import { changesOf, changeSummary, exampleWorkspace, type ExampleWorkspace, type PulumiResult } from "./workspace.ts";

const GATEWAY = "gateway.networking.k8s.io/v1";
const SOURCE_ANNOTATION = "pulumi-datum.io/source";

export function multiClusterSuite(ctx: () => E2eContext): void {
  describe("examples/multi-cluster (two control planes, staged rollout)", () => {
    let second: ControlPlane;
    let secondControllers: Controllers;
    let ws: ExampleWorkspace;
    let kubeDir: string | undefined;
    const ns = `multi-${process.pid}`;
    const clusters = (): Record<"cluster-a" | "cluster-b", KubeConfig> => ({ "cluster-a": ctx().cp.kc, "cluster-b": second.kc });

    /** The endpoint the cluster's Gateway was rendered from (its source annotation). */
    async function servedEndpoint(stack: "cluster-a" | "cluster-b"): Promise<string | undefined> {
      const gw = await getObject(clusters()[stack], GATEWAY, "Gateway", ns, "api");
      const source = gw?.metadata?.annotations?.[SOURCE_ANNOTATION];
      if (source === undefined) return undefined;
      const spec = (JSON.parse(source) as { spec?: { rules?: { backends?: { endpoint?: string }[] }[] } }).spec;
      return spec?.rules?.[0]?.backends?.[0]?.endpoint;
    }

    beforeAll(async () => {
      second = await startControlPlane();
      secondControllers = await startControllers(second);
      for (const kc of [ctx().cp.kc, second.kc]) {
        await ensureNamespace(kc, ns);
        await ensureNamespace(kc, CLAIMS_NAMESPACE);
      }
      kubeDir = mkdtempSync(join(tmpdir(), "pulumi-datum-e2e-kubeconfig-"));
      const kubeconfig = join(kubeDir, "config");
      writeFileSync(kubeconfig, mergeKubeconfigs({ "cluster-a": ctx().cp.kubeconfig, "cluster-b": second.kubeconfig }, "cluster-a"), { mode: 0o600 });
      // The stack files pick the context; the kubeconfig file comes from the environment.
      ws = exampleWorkspace("multi-cluster", { env: { KUBECONFIG: kubeconfig } });
      for (const stack of ["cluster-a", "cluster-b"]) {
        await ws.stackInit(stack);
        await ws.config("datum:namespace", ns, { stack });
      }
    }, 240_000);
    afterAll(async () => {
      ws?.dispose();
      if (kubeDir !== undefined) rmSync(kubeDir, { recursive: true, force: true });
      await secondControllers?.stop();
      await second?.stop();
    });

    it("preview of both stacks writes nothing to either cluster", async () => {
      let r!: PulumiResult;
      const writesA = await writesDuring(clusters()["cluster-a"], { namespace: ns }, async () => {
        const writesB = await writesDuring(clusters()["cluster-b"], { namespace: ns }, async () => {
          r = await ws.ok(["preview"], { stack: "cluster-a" });
        });
        expect(writesB).toEqual([]);
      });
      expect(writesA).toEqual([]);
      expect(r.stdout).toMatch(/\+\s+datum:networking:HTTPProxy\s+api\s+create/);
    }, 120_000);

    it("the second wave refuses to go first", async () => {
      const out = failed(await ws.run(["up", "--yes", "--skip-preview"], { stack: "cluster-b" }));
      expect(out).toContain("staged rollout: cluster-b may serve release v1 only after cluster-a serves it");
      expect(await ownedObjects(second.kc, ns)).toEqual([]);
    }, 120_000);

    it("release v1 goes to cluster-a, then cluster-b; each stack writes only to its own cluster", async () => {
      await ws.ok(["up", "--yes", "--skip-preview"], { stack: "cluster-a" });
      expect(await servedEndpoint("cluster-a")).toBe("https://v1.api.example.net");
      expect(await ownedObjects(second.kc, ns)).toEqual([]);
      await ws.ok(["up", "--yes", "--skip-preview"], { stack: "cluster-b" });
      expect(await servedEndpoint("cluster-b")).toBe("https://v1.api.example.net");
      // Each cluster's own Envoy Gateway programmed its Gateway, with its own data plane's address.
      const addresses = { "cluster-a": ctx().controllers.gatewayAddress, "cluster-b": secondControllers.gatewayAddress };
      expect(addresses["cluster-a"]).not.toBe(addresses["cluster-b"]);
      for (const stack of ["cluster-a", "cluster-b"] as const) {
        const gw = (await getObject(clusters()[stack], GATEWAY, "Gateway", ns, "api")) as { status?: { addresses?: unknown } } | undefined;
        expect(gw?.status?.addresses).toEqual([{ type: "IPAddress", value: addresses[stack] }]);
      }
      for (const stack of ["cluster-a", "cluster-b"]) {
        expect(await ws.outputs(stack)).toMatchObject({ release: "v1", ready: true });
        expect(changesOf(changeSummary(await ws.ok(["up", "--yes", "--skip-preview", "--json"], { stack })))).toEqual({});
      }
    }, 300_000);

    it("release v2 is refused on cluster-b until cluster-a serves it and is ready", async () => {
      await ws.config("release", "v2", { stack: "cluster-b" });
      const out = failed(await ws.run(["up", "--yes", "--skip-preview"], { stack: "cluster-b" }));
      expect(out).toContain("cluster-a serves v1, ready=true");
      expect(await servedEndpoint("cluster-b")).toBe("https://v1.api.example.net");

      await ws.config("release", "v2", { stack: "cluster-a" });
      await ws.ok(["up", "--yes", "--skip-preview"], { stack: "cluster-a" });
      expect(await servedEndpoint("cluster-a")).toBe("https://v2.api.example.net");
      expect(await servedEndpoint("cluster-b")).toBe("https://v1.api.example.net");

      await ws.ok(["up", "--yes", "--skip-preview"], { stack: "cluster-b" });
      expect(await servedEndpoint("cluster-b")).toBe("https://v2.api.example.net");
    }, 300_000);

    it("drift on cluster-b shows in cluster-b's refresh only; its next up repairs it", async () => {
      await deleteObject(second.kc, GATEWAY, "HTTPRoute", ns, "api");
      const b = await ws.ok(["refresh", "--yes", "--skip-preview"], { stack: "cluster-b" });
      expect(b.stdout).toMatch(/datum:networking:HTTPProxy\s+api\s+updated.*\[diff: ~drift/);
      const a = await ws.ok(["refresh", "--yes", "--skip-preview"], { stack: "cluster-a" });
      expect(a.stdout).not.toMatch(/updated/);
      await ws.ok(["up", "--yes", "--skip-preview"], { stack: "cluster-b" });
      expect(await getObject(second.kc, GATEWAY, "HTTPRoute", ns, "api")).toBeDefined();
    }, 240_000);

    it("import adopts cluster-b's proxy by <namespace>/<name> into cluster-b's stack", async () => {
      const urn = "urn:pulumi:cluster-b::datum-multi-cluster::datum:networking:HTTPProxy::api";
      await ws.ok(["state", "delete", urn, "--yes"], { stack: "cluster-b" });
      const r = await ws.ok(["import", "datum:networking:HTTPProxy", "api", `${ns}/api`, "--yes", "--generate-code=false", "--protect=false"], { stack: "cluster-b" });
      expect(r.stdout).toMatch(/1 imported/);
      await ws.ok(["preview", "--expect-no-changes"], { stack: "cluster-b" });
    }, 240_000);

    it("destroy of each stack empties its own cluster", async () => {
      await ws.ok(["destroy", "--yes", "--skip-preview"], { stack: "cluster-b" });
      expect(await ownedObjects(second.kc, ns)).toEqual([]);
      expect(await ownedObjects(ctx().cp.kc, ns)).not.toEqual([]);
      await ws.ok(["destroy", "--yes", "--skip-preview"], { stack: "cluster-a" });
      expect(await ownedObjects(ctx().cp.kc, ns)).toEqual([]);
    }, 240_000);
  });
}
