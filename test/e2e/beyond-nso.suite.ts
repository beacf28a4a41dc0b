// examples/beyond-nso through the Pulumi CLI and the real engine: an explicit provider whose
// `extensions` input (an object the SDK sends JSON-encoded) switches on per-rule timeouts, h2c
// backends, weighted backends and mirroring. Preview shows the canary split; up renders what each
// capability needs and waits until Envoy Gateway has programmed it; a second up changes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getObject, ownedObjects } from "./cluster.ts";
import type { E2eContext } from "./context.ts";
import { changesOf, changeSummary, exampleWorkspace, type ExampleWorkspace } from "./workspace.ts";

const STACK = "e2e";

export function beyondNsoSuite(ctx: () => E2eContext): void {
  describe("examples/beyond-nso (datum:extensions on an explicit provider)", () => {
    let ws: ExampleWorkspace;
    let ns: string;
    const kc = () => ctx().cp.kc;

    beforeAll(async () => {
      ns = await ctx().cp.newNamespace("beyond");
      ws = exampleWorkspace("beyond-nso");
      await ws.stackInit(STACK);
      await ws.config("kubeconfig", ctx().cp.kubeconfigPath, { secret: true });
      await ws.config("namespace", ns);
    }, 120_000);
    afterAll(() => ws?.dispose());

    it("preview shows the canary split as information", async () => {
      const r = await ws.ok(["preview"]);
      expect(r.stdout).toContain("spec.rules[0].backends: splits requests 90 % → backends[0] (https://api.example.com), 10 % → backends[1] (https://api.example.com:8443)");
    }, 120_000);

    it("up renders timeouts, the streaming policy, the weights, the mirror and the h2c port, and waits until they are programmed", async () => {
      const r = await ws.ok(["up", "--yes", "--skip-preview"]);
      // The stack, the explicit provider and the proxy.
      expect(r.stdout).toMatch(/3 created/);
      expect((await ws.outputs())["ready"]).toBe(true);
      const owned = await ownedObjects(kc(), ns);
      expect(owned).toEqual(expect.arrayContaining([`BackendTrafficPolicy ${ns}/app-stream-1`, `Service ${ns}/route-app-rule-0-mirror`, `Service ${ns}/route-app-rule-0-backendref-1`]));
      const route = (await getObject(kc(), "gateway.networking.k8s.io/v1", "HTTPRoute", ns, "app")) as unknown as {
        spec: { rules: { name: string; timeouts?: unknown; backendRefs: { weight?: number }[]; filters?: { type: string }[] }[] };
      };
      const [api, events] = route.spec.rules;
      expect(api?.timeouts).toEqual({ request: "10s", backendRequest: "4s" });
      expect(api?.backendRefs.map((b) => b.weight)).toEqual([90, 10]);
      expect(api?.filters?.map((f) => f.type)).toContain("RequestMirror");
      expect(events?.timeouts).toEqual({ request: "0s" });
      const h2c = (await getObject(kc(), "v1", "Service", ns, "route-app-rule-2-backendref-0")) as unknown as { spec: { ports: { appProtocol: string }[] } };
      expect(h2c.spec.ports[0]?.appProtocol).toBe("kubernetes.io/h2c");
    }, 240_000);

    it("a second up reports no changes; destroy removes every object", async () => {
      const again = await ws.ok(["up", "--yes", "--skip-preview", "--json"]);
      expect(changesOf(changeSummary(again))).toEqual({});
      await ws.ok(["destroy", "--yes", "--skip-preview"]);
      expect(await ownedObjects(kc(), ns)).toEqual([]);
    }, 240_000);
  });
}
