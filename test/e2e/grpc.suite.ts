// examples/grpc-proxy through the Pulumi CLI and the real engine: the default provider takes the
// GRPCProxy switch from stack config (`datum:extensions.grpcProxy`); without it preview fails naming
// the setting and writes nothing; with it, up creates the Gateway and GRPCRoute and waits until Envoy
// Gateway has programmed them; a second up changes nothing; destroy removes every object.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownedObjects } from "./cluster.ts";
import { failed, writesDuring, type E2eContext } from "./context.ts";
import { changesOf, changeSummary, exampleWorkspace, type ExampleWorkspace } from "./workspace.ts";

const STACK = "e2e";

export function grpcSuite(ctx: () => E2eContext): void {
  describe("examples/grpc-proxy (GRPCProxy, datum:extensions.grpcProxy)", () => {
    let ws: ExampleWorkspace;
    let ns: string;
    const kc = () => ctx().cp.kc;

    beforeAll(async () => {
      ns = await ctx().cp.newNamespace("grpc");
      ws = exampleWorkspace("grpc-proxy");
      await ws.stackInit(STACK);
      await ws.config("datum:kubeconfig", ctx().cp.kubeconfigPath, { secret: true });
      await ws.config("datum:namespace", ns);
      await ws.config("datum:timeoutSeconds", "120");
    }, 120_000);
    afterAll(() => ws?.dispose());

    it("preview without the switch fails naming datum:extensions.grpcProxy and writes nothing", async () => {
      let out = "";
      const writes = await writesDuring(kc(), { namespace: ns }, async () => {
        out = failed(await ws.run(["preview"]));
      });
      expect(out).toContain("pulumi config set --path 'datum:extensions.grpcProxy' true");
      expect(writes).toEqual([]);
    }, 120_000);

    it("with the switch, up creates the Gateway, GRPCRoute and backends and waits until they are programmed", async () => {
      await ws.config("datum:extensions.grpcProxy", "true", { path: true });
      const r = await ws.ok(["up", "--yes", "--skip-preview"]);
      expect(r.stdout).toMatch(/2 created/);
      const outputs = await ws.outputs();
      expect(outputs["ready"]).toBe(true);
      expect(outputs["hostnames"]).toEqual([outputs["canonicalHostname"]]);
      const owned = await ownedObjects(kc(), ns);
      expect(owned).toEqual(expect.arrayContaining([`Gateway ${ns}/api`, `GRPCRoute ${ns}/api`, `BackendTLSPolicy ${ns}/route-api-rule-1-backendref-0`, `Service ${ns}/route-api-rule-0-backendref-0`]));
    }, 240_000);

    it("a second up reports no changes; destroy removes every object", async () => {
      const again = await ws.ok(["up", "--yes", "--skip-preview", "--json"]);
      expect(changesOf(changeSummary(again))).toEqual({});
      await ws.ok(["destroy", "--yes", "--skip-preview"]);
      expect(await ownedObjects(kc(), ns)).toEqual([]);
    }, 240_000);
  });
}
