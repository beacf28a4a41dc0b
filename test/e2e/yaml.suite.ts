// examples/yaml through the real engine: a Pulumi YAML program (pulumi-language-yaml) that gets
// its types from the plugin's schema — no SDK at all.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ownedObjects } from "./cluster.ts";
import { writesDuring, type E2eContext } from "./context.ts";
import { changesOf, changeSummary, exampleWorkspace, type ExampleWorkspace, type PulumiResult } from "./workspace.ts";

const STACK = "e2e";

export function yamlSuite(ctx: () => E2eContext): void {
  describe("examples/yaml (Pulumi YAML through schema.json)", () => {
    let ws: ExampleWorkspace;
    let ns: string;
    let domain: string;
    const kc = () => ctx().cp.kc;

    beforeAll(async () => {
      ns = await ctx().cp.newNamespace("yaml");
      domain = `${ns}.example.com`;
      ws = exampleWorkspace("yaml", { yaml: true });
      await ws.stackInit(STACK);
      await ws.config("datum:kubeconfig", ctx().cp.kubeconfigPath, { secret: true });
      await ws.config("datum:namespace", ns);
      await ws.config("domain", domain);
      await ws.config("datum:dnsServers[0]", ctx().dnsServer, { path: true });
      await ws.config("datum:timeoutSeconds", "90");
    }, 120_000);
    afterAll(() => ws?.dispose());

    it("preview plans the Domain and the proxy and writes nothing", async () => {
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns, domain }, async () => {
        r = await ws.ok(["preview"]);
      });
      expect(r.stdout).toMatch(/\+\s+datum:networking:Domain\s+shop-domain\s+create/);
      expect(r.stdout).toMatch(/\+\s+datum:networking:HTTPProxy\s+shop\s+create/);
      expect(writes).toEqual([]);
    }, 120_000);

    it("up creates them, a second up changes nothing, destroy removes everything", async () => {
      const up = await ws.ok(["up", "--yes", "--skip-preview"]);
      expect(up.stdout).toMatch(/3 created/);
      const out = await ws.outputs();
      expect(out["ready"]).toBe(true);
      expect(out["hostnames"]).toEqual([expect.stringMatching(/\.datum\.local$/), `shop.${domain}`, `www.shop.${domain}`]);
      expect(await ownedObjects(kc(), ns)).toEqual(expect.arrayContaining([`Gateway ${ns}/shop`, `HTTPRoute ${ns}/shop`]));
      expect(changesOf(changeSummary(await ws.ok(["up", "--yes", "--skip-preview", "--json"])))).toEqual({});
      await ws.ok(["destroy", "--yes", "--skip-preview"]);
      expect(await ownedObjects(kc(), ns)).toEqual([]);
    }, 300_000);
  });
}
