// examples/dynamic through the real engine: the zero-install adapter in Pulumi's dynamic-provider
// host. No import here: dynamic resources cannot be imported (sdk/dynamic/README.md).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteObject, getObject, ownedObjects } from "./cluster.ts";
import { failed, writesDuring, type E2eContext } from "./context.ts";
import { changesOf, changeSummary, exampleWorkspace, type ExampleWorkspace, type PulumiResult } from "./workspace.ts";

const STACK = "e2e";
const GATEWAY = "gateway.networking.k8s.io/v1";

export function dynamicSuite(ctx: () => E2eContext): void {
  describe("examples/dynamic (zero-install dynamic provider)", () => {
    let ws: ExampleWorkspace;
    let ns: string;
    const kc = () => ctx().cp.kc;
    const webUrn = `urn:pulumi:${STACK}::datum-dynamic::pulumi-nodejs:dynamic/networking:HTTPProxy::web`;

    beforeAll(async () => {
      ns = await ctx().cp.newNamespace("dynamic");
      ws = exampleWorkspace("dynamic");
      await ws.stackInit(STACK);
      await ws.config("datum:kubeconfig", ctx().cp.kubeconfigPath, { secret: true });
      await ws.config("namespace", ns);
      await ws.config("timeoutSeconds", "90");
    }, 120_000);
    afterAll(() => ws?.dispose());

    it("preview reports a guardrail failure with its field path and writes nothing", async () => {
      await ws.config("allowOrigin", "ftp://www.example.com");
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns }, async () => {
        r = await ws.run(["preview"]);
      });
      const out = failed(r);
      expect(out).toContain("spec.cors.allowOrigins[0]");
      expect(writes).toEqual([]);
      await ws.config("allowOrigin", "https://www.example.com");
    }, 120_000);

    it("preview plans both resources and writes nothing", async () => {
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns }, async () => {
        r = await ws.ok(["preview"]);
      });
      expect(r.stdout).toMatch(/\+\s+pulumi-nodejs:dynamic\/networking:HTTPProxy\s+web\s+create/);
      expect(r.stdout).toMatch(/\+\s+pulumi-nodejs:dynamic\/policy:SecurityPolicy\s+web-cors\s+create/);
      expect(writes).toEqual([]);
    }, 120_000);

    it("up creates both and waits until they are ready; the settings stay secret in state", async () => {
      const r = await ws.ok(["up", "--yes", "--skip-preview"]);
      expect(r.stdout).toMatch(/3 created/);
      expect((await ws.outputs())["ready"]).toBe(true);
      expect(await ownedObjects(kc(), ns)).toEqual(expect.arrayContaining([`Gateway ${ns}/web`, `HTTPRoute ${ns}/web`, `SecurityPolicy ${ns}/web-cors`]));
      const plain = (await ws.ok(["stack", "export"])).stdout;
      expect(plain).not.toContain(ctx().cp.kubeconfigPath);
    }, 240_000);

    it("a second up reports no changes", async () => {
      const r = await ws.ok(["up", "--yes", "--skip-preview", "--json"]);
      expect(changesOf(changeSummary(r))).toEqual({});
    }, 240_000);

    it("refresh shows an object deleted out of band as drift; the next up puts it back", async () => {
      await deleteObject(kc(), GATEWAY, "HTTPRoute", ns, "web");
      const r = await ws.ok(["refresh", "--yes", "--skip-preview"]);
      expect(r.stdout).toMatch(/pulumi-nodejs:dynamic\/networking:HTTPProxy\s+web\s+updated/);
      const web = (await ws.state()).resources.find((x) => x.urn === webUrn);
      expect(JSON.stringify(web?.outputs?.["drift"])).toContain(`HTTPRoute ${ns}/web`);
      await ws.ok(["up", "--yes", "--skip-preview"]);
      expect(await getObject(kc(), GATEWAY, "HTTPRoute", ns, "web")).toBeDefined();
      await ws.ok(["preview", "--expect-no-changes"]);
    }, 240_000);

    it("destroy leaves nothing labelled in the cluster", async () => {
      await ws.ok(["destroy", "--yes", "--skip-preview"]);
      expect(await ownedObjects(kc(), ns)).toEqual([]);
    }, 240_000);
  });
}
