// examples/policies through the real engine: default provider from `datum:*` stack config.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editObject, getObject, ownedObjects } from "./cluster.ts";
import { failed, writesDuring, type E2eContext } from "./context.ts";
import { changesOf, changeSummary, exampleWorkspace, type ExampleWorkspace, type PulumiResult } from "./workspace.ts";

const STACK = "e2e";
const EG = "gateway.envoyproxy.io/v1alpha1";

export function policiesSuite(ctx: () => E2eContext): void {
  describe("examples/policies (native plugin, default provider)", () => {
    let ws: ExampleWorkspace;
    let ns: string;
    const kc = () => ctx().cp.kc;
    const urn = (type: string, name: string) => `urn:pulumi:${STACK}::datum-policies::${type}::${name}`;

    beforeAll(async () => {
      ns = await ctx().cp.newNamespace("policies");
      ws = exampleWorkspace("policies");
      await ws.stackInit(STACK);
      await ws.config("datum:kubeconfig", ctx().cp.kubeconfigPath, { secret: true });
      await ws.config("datum:namespace", ns);
      await ws.config("datum:timeoutSeconds", "90");
    }, 120_000);
    afterAll(() => ws?.dispose());

    it("preview reports a guardrail failure with its field path and writes nothing", async () => {
      await ws.config("allowOrigin", "ftp://app.example.com");
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns }, async () => {
        r = await ws.run(["preview"]);
      });
      const out = failed(r);
      expect(out).toContain("spec.cors.allowOrigins[0]");
      expect(out).toContain('"ftp://app.example.com"');
      expect(writes).toEqual([]);
      await ws.config("allowOrigin", "https://app.example.com");
    }, 120_000);

    it("preview plans every resource and writes nothing", async () => {
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns }, async () => {
        r = await ws.ok(["preview"]);
      });
      for (const [type, name] of [
        ["datum:policy:HTTPRouteFilter", "maintenance"],
        ["datum:networking:HTTPProxy", "api"],
        ["datum:policy:SecurityPolicy", "api-auth"],
        ["datum:policy:BackendTrafficPolicy", "api-traffic"],
      ] as const) {
        expect(r.stdout).toMatch(new RegExp(`\\+\\s+${type}\\s+${name}\\s+create`));
      }
      expect(writes).toEqual([]);
    }, 120_000);

    it("up creates the proxy and its policies and waits until all are ready", async () => {
      const r = await ws.ok(["up", "--yes", "--skip-preview"]);
      expect(r.stdout).toMatch(/5 created/);
      expect((await ws.outputs())["ready"]).toBe(true);
      const owned = await ownedObjects(kc(), ns);
      for (const o of [`SecurityPolicy ${ns}/api-auth`, `BackendTrafficPolicy ${ns}/api-traffic`, `HTTPRouteFilter ${ns}/api-maintenance`, `HTTPRoute ${ns}/api`]) {
        expect(owned).toContain(o);
      }
    }, 240_000);

    it("a second up reports no changes", async () => {
      const r = await ws.ok(["up", "--yes", "--skip-preview", "--json"]);
      expect(changesOf(changeSummary(r))).toEqual({});
    }, 240_000);

    it("refresh shows a field edited out of band as drift; the next up takes it back", async () => {
      await editObject(kc(), EG, "BackendTrafficPolicy", ns, "api-traffic", { spec: { timeout: { http: { requestTimeout: "1s" } } } });
      const r = await ws.ok(["refresh", "--yes", "--skip-preview"]);
      expect(r.stdout).toMatch(/datum:policy:BackendTrafficPolicy\s+api-traffic\s+updated.*\[diff: ~drift/);
      const btp = (await ws.state()).resources.find((x) => x.urn === urn("datum:policy:BackendTrafficPolicy", "api-traffic"));
      expect(JSON.stringify(btp?.outputs?.["drift"])).toContain("spec.timeout.http.requestTimeout");

      // The edit made `kubectl-edit` a co-owner of the field; the object carries this stack's owner
      // id, so `up` forces it back.
      await ws.ok(["up", "--yes", "--skip-preview"]);
      const live = await getObject(kc(), EG, "BackendTrafficPolicy", ns, "api-traffic");
      expect((live as { spec?: { timeout?: { http?: { requestTimeout?: string } } } }).spec?.timeout?.http?.requestTimeout).toBe("30s");
      await ws.ok(["preview", "--expect-no-changes"]);
    }, 300_000);

    it("import adopts the existing proxy by <namespace>/<name> through the default provider", async () => {
      const proxyUrn = urn("datum:networking:HTTPProxy", "api");
      // Dependents first: the policies depend on the proxy in state.
      await ws.ok(["state", "delete", proxyUrn, "--yes", "--target-dependents"]);
      const r = await ws.ok(["import", "datum:networking:HTTPProxy", "api", `${ns}/api`, "--yes", "--generate-code=false", "--protect=false"]);
      expect(r.stdout).toMatch(/1 imported/);
      // The dependents are re-adopted by the next up (SSA apply of what already exists).
      await ws.ok(["up", "--yes", "--skip-preview"]);
      await ws.ok(["preview", "--expect-no-changes"]);
    }, 300_000);

    it("destroy leaves nothing labelled in the cluster", async () => {
      await ws.ok(["destroy", "--yes", "--skip-preview"]);
      expect(await ownedObjects(kc(), ns)).toEqual([]);
    }, 240_000);
  });
}
