// examples/platform through the real engine: @pulumi/kubernetes (with the locally built
// pulumi-resource-kubernetes plugin, installed under the version the SDK asks for) lays the ground
// — namespace, EnvoyProxy + GatewayClass platform-edge, a cert-manager CA ClusterIssuer, the
// basic-auth Secret — and the datum provider, configured from those outputs with the same
// kubeconfig, puts an HTTPProxy and a SecurityPolicy on top. Then a real request through Envoy.
//
// On a control plane of its own with its own real controllers: the class platform-edge gets an
// Envoy fleet of its own, which listens on 80/443 like the shared class's fleet; two fleets in one
// data-plane network namespace would collide on those ports (and on Envoy's admin port).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startControllers, type Controllers } from "../infra/controllers.ts";
import { startControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { conditionsOf, findCondition, kube, type KObject } from "../infra/kube.ts";
import { repoRoot, requireTools } from "../infra/tools.ts";
import { startBackend, type Backend } from "../dataplane/backends.ts";
import { edgeRequest, servedChain, untilEffect } from "../dataplane/harness.ts";
import { ownedObjects } from "./cluster.ts";
import { exampleWorkspace, type ExampleWorkspace, type StateResource } from "./workspace.ts";

const STACK = "e2e";
const NS = "platform";
const CLASS = "platform-edge";
const USER = "ops";
const PASSWORD = "correct horse battery staple";
const GATEWAY = "gateway.networking.k8s.io/v1";
const CERT_MANAGER = "cert-manager.io/v1";

/** The plugin version @pulumi/kubernetes registers its resources with (its package.json `pulumi.version`). */
function kubernetesSdkPluginVersion(root: string): string {
  const pkg = JSON.parse(readFileSync(join(root, "node_modules", "@pulumi", "kubernetes", "package.json"), "utf8")) as { pulumi?: { version?: string } };
  const v = pkg.pulumi?.version;
  if (v === undefined) throw new Error("node_modules/@pulumi/kubernetes/package.json declares no pulumi.version; run `make setup`");
  return v;
}

function kubernetesPlugin(): string {
  try {
    return requireTools("pulumiResourceKubernetes").pulumiResourceKubernetes;
  } catch (e) {
    throw new Error(`${(e as Error).message}; this suite needs pulumi-resource-kubernetes: \`make infra-k8s-provider\` builds it`);
  }
}

/** A secret's value in `stack export --show-secrets`: the engine keeps it wrapped, with the plaintext as JSON. */
function revealed(v: unknown): unknown {
  const plaintext = (v as { plaintext?: unknown } | undefined)?.plaintext;
  return typeof plaintext === "string" ? JSON.parse(plaintext) : v;
}

const basic = (password: string): string => `Basic ${Buffer.from(`${USER}:${password}`).toString("base64")}`;

/**
 * Kube-controller-manager's namespace controller, which this control plane does not run: once the
 * namespace is Terminating, it deletes what is left in it and removes the `kubernetes` finalizer.
 * Returns the objects it found left (`Kind name`, with the issuer of each cert-manager Secret).
 */
function namespaceFinalizer(kc: KubeConfig, name: string, timeoutMs: number): Promise<string[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const k = kube(kc);
  const deadline = Date.now() + timeoutMs;
  const step = async (): Promise<string[]> => {
    for (;;) {
      const ns = await k.get("v1", "Namespace", undefined, name);
      if (ns === undefined) throw new Error(`namespace ${name} went away without this stand-in`);
      if (ns.metadata?.deletionTimestamp !== undefined) break;
      if (Date.now() > deadline) throw new Error(`namespace ${name} was not deleted within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const left: string[] = [];
    for (const kind of ["Secret", "ConfigMap"]) {
      for (const o of await k.list("v1", kind, name)) {
        left.push(`${kind} ${o.metadata?.name ?? ""} issuer=${o.metadata?.annotations?.["cert-manager.io/issuer-name"] ?? "-"}`);
        await k.delete("v1", kind, name, o.metadata?.name ?? "");
      }
    }
    await core.replaceNamespaceFinalize({ name, body: { metadata: { name }, spec: { finalizers: [] } } });
    return left.sort();
  };
  return step();
}

export function platformSuite(): void {
  describe("examples/platform (@pulumi/kubernetes alongside)", () => {
    let cp: ControlPlane;
    let rc: Controllers;
    let web: Backend;
    let ws: ExampleWorkspace;
    let host: string;
    const kc = (): KubeConfig => cp.kc;
    const ms: Record<string, number> = {};

    beforeAll(async () => {
      const plugin = kubernetesPlugin();
      cp = await startControlPlane();
      rc = await startControllers(cp);
      web = await startBackend(rc.dp, "platform-web");
      ws = exampleWorkspace("platform");
      // The engine asks for the kubernetes plugin @pulumi/kubernetes names; this installs the
      // local build under that version into the workspace's PULUMI_HOME (no download).
      await ws.ok(["plugin", "install", "resource", "kubernetes", kubernetesSdkPluginVersion(repoRoot()), "--file", plugin]);
      await ws.stackInit(STACK);
      await ws.config("kubeconfig", cp.kubeconfig, { secret: true });
      await ws.config("basicAuthPassword", PASSWORD, { secret: true });
      await ws.config("basicAuthUser", USER);
      await ws.config("namespace", NS);
      await ws.config("backend", web.url);
      await ws.config("certManagerNamespace", rc.certManager.clusterResourceNamespace);
      await ws.config("timeoutSeconds", "150");
    }, 300_000);
    afterAll(async () => {
      ws?.dispose();
      await web?.stop();
      await rc?.stop();
      await cp?.stop();
      if (Object.keys(ms).length > 0) console.log(`[e2e] examples/platform wall times: ${Object.entries(ms).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(", ")}`);
    });

    it("up lays the ground with pulumi-kubernetes, then the proxy is ready on the platform's class with the platform's certificates", async () => {
      const r = await ws.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 480_000 });
      ms["up"] = r.ms;
      expect(r.stdout).toMatch(/kubernetes:gateway\.networking\.k8s\.io\/v1:GatewayClass\s+platform-edge\s+created/);
      expect(r.stdout).toMatch(/datum:networking:HTTPProxy\s+edge\s+created/);
      const out = await ws.outputs();
      expect(out["ready"]).toBe(true);
      expect(out["gatewayClassName"]).toBe(CLASS);
      host = String(out["canonicalHostname"]);

      // Both providers got the same kubeconfig, and neither stores it (nor the password) in plain state.
      const resources = (await ws.state()).resources;
      const providerInput = (type: string): unknown => revealed(resources.find((x: StateResource) => x.type === type)?.inputs?.["kubeconfig"]);
      expect(providerInput("pulumi:providers:kubernetes")).toBe(cp.kubeconfig);
      expect(providerInput("pulumi:providers:datum")).toBe(cp.kubeconfig);
      const plain = (await ws.ok(["stack", "export"])).stdout;
      expect(plain).not.toContain(PASSWORD);
      expect(plain).not.toContain(cp.kubeconfig.split("\n").find((l) => l.includes("client-key-data")) ?? "client-key-data missing");

      // The real Envoy Gateway accepted the class and programmed the proxy's Gateway on it.
      const k = kube(kc());
      expect(findCondition(conditionsOf(await k.get(GATEWAY, "GatewayClass", undefined, CLASS)), "Accepted")?.status).toBe("True");
      const gw = await k.get(GATEWAY, "Gateway", NS, "edge");
      expect(gw?.spec?.["gatewayClassName"]).toBe(CLASS);
      expect(findCondition(conditionsOf(gw), "Programmed")?.status).toBe("True");
      // cert-manager issued the listener certificate from the platform's CA issuer...
      const certificates = await k.list(CERT_MANAGER, "Certificate", NS);
      expect(certificates.length).toBeGreaterThan(0);
      for (const c of certificates) {
        expect((c.spec?.["issuerRef"] as { name?: string }).name).toBe("platform-ca");
        expect(findCondition(conditionsOf(c), "Ready")?.status, c.metadata?.name).toBe("True");
      }
      // ...and Envoy serves it: the chain verifies against the platform's CA certificate.
      const ca = await k.get<KObject & { data?: Record<string, string> }>("v1", "Secret", rc.certManager.clusterResourceNamespace, "platform-ca");
      const caPem = Buffer.from(ca?.data?.["ca.crt"] ?? "", "base64").toString("utf8");
      const served = await servedChain(rc.gatewayAddress, host, caPem);
      expect(served.error).toBeUndefined();
      expect(served.authorized).toBe(true);
      expect(served.leaf.subjectAltName).toContain(`DNS:${host}`);
    }, 600_000);

    it("a request through Envoy needs the basic-auth user from the Secret: 401 without, 200 with", async () => {
      expect(host, "up did not run").toBeDefined();
      await untilEffect(() => edgeRequest(rc.gatewayAddress, host, "/orders"), (r) => r.status === 401);
      expect((await edgeRequest(rc.gatewayAddress, host, "/orders", { headers: { authorization: basic("wrong") } })).status).toBe(401);
      const ok = await edgeRequest(rc.gatewayAddress, host, "/orders", { headers: { authorization: basic(PASSWORD) } });
      expect(ok.status).toBe(200);
      expect(ok.json()).toMatchObject({ backend: "platform-web", path: "/orders" });
    }, 120_000);

    it("preview reports no changes", async () => {
      const r = await ws.ok(["preview", "--expect-no-changes"], { timeoutMs: 300_000 });
      ms["preview"] = r.ms;
    }, 320_000);

    it("destroy leaves nothing: datum objects, the ground, and the namespace are gone", async () => {
      const finalized = namespaceFinalizer(kc(), NS, 400_000);
      finalized.catch(() => undefined); // awaited below; a failed destroy must not leave it unhandled
      const r = await ws.ok(["destroy", "--yes", "--skip-preview"], { timeoutMs: 400_000 });
      ms["destroy"] = r.ms;
      // What the namespace controller found left: only the listener Secrets cert-manager wrote
      // (cert-manager keeps a Certificate's Secret when the Certificate goes).
      const left = await finalized;
      expect(left.length).toBeGreaterThan(0);
      for (const o of left) expect(o).toMatch(/^Secret \S+ issuer=platform-ca$/);
      const k = kube(kc());
      expect(await k.get("v1", "Namespace", undefined, NS)).toBeUndefined();
      expect(await ownedObjects(kc(), NS)).toEqual([]);
      expect(await k.get(GATEWAY, "GatewayClass", undefined, CLASS)).toBeUndefined();
      for (const issuer of ["platform-ca", "platform-selfsigned"]) expect(await k.get(CERT_MANAGER, "ClusterIssuer", undefined, issuer)).toBeUndefined();
      expect(await k.get(CERT_MANAGER, "Certificate", rc.certManager.clusterResourceNamespace, "platform-ca")).toBeUndefined();
      expect((await ws.state()).resources).toEqual([]);
    }, 420_000);
  });
}
