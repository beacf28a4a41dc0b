// examples/basic through the real engine: native plugin, explicit provider, project config.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLUSTER_ISSUER } from "../infra/controllers.ts";
import { conditionsOf, findCondition, kube, type KObject } from "../infra/kube.ts";
import { deleteObject, getObject, ownedObjects } from "./cluster.ts";
import { failed, output, timings, waitUntil, writesDuring, type E2eContext } from "./context.ts";
import { changesOf, changeSummary, exampleWorkspace, type ExampleWorkspace, type PulumiResult } from "./workspace.ts";

const STACK = "e2e";
const GATEWAY = "gateway.networking.k8s.io/v1";
const CERT_MANAGER = "cert-manager.io/v1";

function issuerOf(o: KObject): string | undefined {
  return (o.spec?.["issuerRef"] as { name?: string } | undefined)?.name;
}

/** Listeners Envoy Gateway reports waiting for their certificate Secret (ResolvedRefs False, InvalidCertificateRef). */
function listenersWithoutCertificate(gw: KObject | undefined): string[] {
  const listeners = (gw?.status?.["listeners"] ?? []) as { name: string; conditions?: unknown }[];
  return listeners.filter((l) => findCondition(conditionsOf({ status: { conditions: l.conditions } }), "ResolvedRefs")?.reason === "InvalidCertificateRef").map((l) => l.name);
}

export function basicSuite(ctx: () => E2eContext): void {
  describe("examples/basic (native plugin)", () => {
    let ws: ExampleWorkspace;
    let ns: string;
    let domain: string;
    const proxyUrn = `urn:pulumi:${STACK}::datum-basic::datum:networking:HTTPProxy::shop`;
    const providerUrn = `urn:pulumi:${STACK}::datum-basic::pulumi:providers:datum::edge`;
    const kc = () => ctx().cp.kc;

    beforeAll(async () => {
      ns = await ctx().cp.newNamespace("basic");
      domain = `${ns}.example.com`;
      ws = exampleWorkspace("basic");
      await ws.stackInit(STACK);
      await ws.config("kubeconfig", ctx().cp.kubeconfigPath, { secret: true });
      await ws.config("namespace", ns);
      await ws.config("domain", domain);
      await ws.config("timeoutSeconds", "90");
      await ws.config("dnsServers[0]", ctx().dnsServer, { path: true });
    }, 120_000);
    afterAll(() => ws?.dispose());

    it("preview reports a guardrail failure with its field path and writes nothing", async () => {
      await ws.config("upstream", "example.net/v1");
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns, domain }, async () => {
        r = await ws.run(["preview"]);
      });
      const out = failed(r);
      expect(out).toContain("spec.rules[0].backends[0].endpoint");
      expect(out).toContain('Invalid value: "/v1"');
      expect(writes).toEqual([]);
      await ws.config("upstream", "example.net");
    }, 120_000);

    it("preview plans every resource and writes nothing", async () => {
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns, domain }, async () => {
        r = await ws.ok(["preview"]);
      });
      timings["preview"] = r.ms;
      expect(r.stdout).toMatch(/\+\s+datum:networking:Domain\s+shop-domain\s+create/);
      expect(r.stdout).toMatch(/\+\s+datum:networking:HTTPProxy\s+shop\s+create/);
      expect(writes).toEqual([]);
    }, 120_000);

    it("up creates the Domain and the proxy and waits until they are ready", async () => {
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns, domain }, async () => {
        r = await ws.ok(["up", "--yes", "--skip-preview"]);
      });
      timings["up"] = r.ms;
      // The same recorder that saw nothing during preview sees the writes of up.
      expect(writes).toContainEqual({ type: "ADDED", kind: "Gateway", namespace: ns, name: "shop" });
      expect(writes).toContainEqual({ type: "ADDED", kind: "ConfigMap", namespace: ns, name: "datum-domain-shop-domain" });
      expect(r.stdout).toMatch(/4 created/);
      const out = await ws.outputs();
      expect(out["ready"]).toBe(true);
      expect(out["readiness"]).toBe("ready");
      expect(out["hostnames"]).toEqual([expect.stringMatching(/\.datum\.local$/), `shop.${domain}`, `www.shop.${domain}`]);
      const owned = await ownedObjects(kc(), ns);
      expect(owned).toContain(`Gateway ${ns}/shop`);
      expect(owned).toContain(`HTTPRoute ${ns}/shop`);
    }, 240_000);

    it("a second up reports no changes", async () => {
      const r = await ws.ok(["up", "--yes", "--skip-preview", "--json"]);
      timings["up (no changes)"] = r.ms;
      expect(changesOf(changeSummary(r))).toEqual({});
      await ws.ok(["preview", "--expect-no-changes"]);
    }, 240_000);

    it("refresh shows an object deleted out of band as drift; the next up puts it back", async () => {
      await deleteObject(kc(), GATEWAY, "HTTPRoute", ns, "shop");
      const r = await ws.ok(["refresh", "--yes", "--skip-preview"]);
      expect(r.stdout).toMatch(/datum:networking:HTTPProxy\s+shop\s+updated.*\[diff: ~drift/);
      const shop = (await ws.state()).resources.find((x) => x.urn === proxyUrn);
      expect(shop?.outputs?.["ready"]).toBe(false);
      expect(JSON.stringify(shop?.outputs?.["drift"])).toContain(`HTTPRoute ${ns}/shop`);
      await ws.ok(["up", "--yes", "--skip-preview"]);
      expect(await getObject(kc(), GATEWAY, "HTTPRoute", ns, "shop")).toBeDefined();
      expect((await ws.outputs())["ready"]).toBe(true);
      await ws.ok(["preview", "--expect-no-changes"]);
    }, 240_000);

    it("import adopts the existing proxy by <namespace>/<name>, matching the program", async () => {
      await ws.ok(["state", "delete", proxyUrn, "--yes"]);
      expect(await getObject(kc(), GATEWAY, "Gateway", ns, "shop")).toBeDefined();
      const r = await ws.ok(["import", "datum:networking:HTTPProxy", "shop", `${ns}/shop`, "--provider", `edge=${providerUrn}`, "--yes", "--generate-code=false", "--protect=false"]);
      expect(r.stdout).toMatch(/1 imported/);
      const imported = (await ws.state()).resources.find((x) => x.urn === proxyUrn);
      expect(imported?.id).toBe(`${ns}/shop`);
      await ws.ok(["preview", "--expect-no-changes"]);
      // `import` records no dependencies; the next up writes the program's dependsOn (proxy →
      // Domain) into state, which destroy needs to delete the proxy before its Domain.
      const up = await ws.ok(["up", "--yes", "--skip-preview", "--json"]);
      expect(changesOf(changeSummary(up))).toEqual({});
    }, 240_000);

    it("destroy leaves nothing labelled in the cluster", async () => {
      const r = await ws.ok(["destroy", "--yes", "--skip-preview"]);
      timings["destroy"] = r.ms;
      expect(r.stdout).toMatch(/4 deleted/);
      expect(await ownedObjects(kc(), ns)).toEqual([]);
    }, 240_000);

    it("Ctrl-C during a readiness wait leaves state that the next up repairs", async () => {
      // The stack names a ClusterIssuer the cluster does not have (a typo): cert-manager cannot issue
      // the listener Certificates (Issuing, never Ready) and the provider waits for them. (The TLS
      // Secrets of the earlier up outlive its destroy — cert-manager leaves them — so Envoy Gateway
      // still serves those; without them it would report the HTTPS listeners InvalidCertificateRef
      // and the Gateway would be waited for as well.)
      const issuer = `${ns}-issuer`;
      await ws.config("clusterIssuer", issuer);
      const run = ws.start(["up", "--yes", "--skip-preview"]);
      let ended: PulumiResult | undefined;
      void run.done.then((r) => (ended = r));
      try {
        await waitUntil(`cert-manager holding the Certificates for the missing ClusterIssuer ${issuer}`, async () => {
          if (ended !== undefined) throw new Error(`pulumi up ended before the wait:\n${output(ended)}`);
          const certificates = await kube(kc()).list(CERT_MANAGER, "Certificate", ns);
          // Issuing=True: cert-manager has taken each Certificate up and cannot finish it.
          return certificates.length > 0 && certificates.every((c) => issuerOf(c) === issuer && findCondition(conditionsOf(c), "Issuing")?.status === "True");
        }, 120_000);
      } catch (e) {
        if (ended === undefined) run.signal("SIGKILL");
        throw new Error(`${String(e)}\n${run.output()}`);
      }
      const pending = await kube(kc()).list(CERT_MANAGER, "Certificate", ns);
      expect(pending.filter((c) => findCondition(conditionsOf(c), "Ready")?.status === "True")).toEqual([]);
      await new Promise((r) => setTimeout(r, 1_000));
      run.signal("SIGINT");
      const cancelled = await run.done;
      expect(cancelled.code, output(cancelled)).not.toBe(0);
      // The engine's cancel reached the provider's readiness wait, which gave up at once...
      expect(output(cancelled)).toMatch(/cancelled while waiting for:[\s\S]*Certificate [\w-]+\/shop-/);
      expect(cancelled.ms).toBeLessThan(60_000);
      // ...and the proxy is in state (created, not ready): the next up updates it, it does not create it.
      const half = (await ws.state()).resources.find((x) => x.urn === proxyUrn);
      expect(half?.id).toBe(`${ns}/shop`);

      // What the user does: corrects the stack's config to the cluster's ClusterIssuer (here the
      // provider's default) and runs up again, which updates the proxy it left unfinished.
      await ws.ok(["config", "rm", "clusterIssuer"]);
      const repaired = await ws.ok(["up", "--yes", "--skip-preview"]);
      expect(output(repaired)).not.toMatch(/error/i);
      const out = await ws.outputs();
      expect(out["ready"]).toBe(true);
      expect((await ws.state()).pendingOperations).toEqual([]);
      const issued = await kube(kc()).list(CERT_MANAGER, "Certificate", ns);
      expect(issued.length).toBeGreaterThan(0);
      for (const c of issued) {
        expect(issuerOf(c)).toBe(CLUSTER_ISSUER);
        expect(findCondition(conditionsOf(c), "Ready")?.status, c.metadata?.name).toBe("True");
        // The Secret Envoy serves holds the certificate of the ClusterIssuer the stack names.
        const secret = await kube(kc()).get("v1", "Secret", ns, String(c.spec?.["secretName"]));
        expect(secret?.metadata?.annotations?.["cert-manager.io/issuer-name"]).toBe(CLUSTER_ISSUER);
      }
      expect(listenersWithoutCertificate(await kube(kc()).get(GATEWAY, "Gateway", ns, "shop"))).toEqual([]);
      await ws.ok(["preview", "--expect-no-changes"]);
      await ws.ok(["destroy", "--yes", "--skip-preview"]);
      expect(await ownedObjects(kc(), ns)).toEqual([]);
    }, 300_000);
  });
}
