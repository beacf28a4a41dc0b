// TrafficProtectionPolicy renders an EnvoyPatchPolicy (Coraza as Envoy's golang HTTP filter, see
// README "TrafficProtectionPolicy and the WAF here"). This suite runs the real Envoy Gateway v1.8.1
// the way a cluster without EnvoyPatchPolicy runs it — extensionApis.enableEnvoyPatchPolicy off — and
// with one Envoy per Gateway (mergeGateways off: the patch targets the proxy's own Gateway), so one
// Gateway at a time (every Envoy here listens on the same address and ports).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { render } from "../../provider/core/render/index.ts";
import { kube } from "../infra/kube.ts";
import { requireTools } from "../infra/tools.ts";
import { startBackend, type Backend } from "./backends.ts";
import { edgeRequest, startHarness, ZONE, type Harness } from "./harness.ts";

let h: Harness;
let web: Backend;

beforeAll(async () => {
  h = await startHarness({ timeoutSeconds: 60 }, { mergeGateways: false, enableEnvoyPatchPolicy: false });
  web = await startBackend(h.dp, "web");
}, 240_000);

afterAll(async () => {
  await web?.stop();
  await h?.stop();
});

test("EnvoyPatchPolicy disabled in Envoy Gateway: the WAF policy created with its proxy fails with the controller's reason, and the proxy serves", async () => {
  const ns = await h.cp.newNamespace("eppoff");
  const host = `app.${ZONE}`;
  const l = h.lifecycle("datum:policy:TrafficProtectionPolicy");
  const checked = await l.check(
    undefined,
    { metadata: { name: "waf", namespace: ns }, spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "app" }], mode: "Enforce" } },
    { urnName: "waf" },
  );
  expect(checked.failures).toEqual([]);
  // The policy and its proxy in one `up`, as Pulumi runs independent resources: at the same time.
  // Envoy Gateway does not watch EnvoyPatchPolicies while they are disabled; it reads them (and
  // writes Disabled) when something it watches changes — here the proxy's Gateway and route.
  const progress: string[] = [];
  const policy = l.create(checked.inputs, { preview: false, onProgress: (m) => progress.push(m) }).then(
    () => "created",
    (e: unknown) => String(e),
  );
  const out = await h.up("datum:networking:HTTPProxy", { metadata: { name: "app", namespace: ns }, spec: { hostnames: [host], rules: [{ backends: [{ endpoint: web.url }] }] } }, "app");
  expect(out["ready"]).toBe(true);
  const t0 = Date.now();
  const failure = await policy;
  const elapsed = Date.now() - t0;
  const epp = (await kube(h.cp.kc).list("gateway.envoyproxy.io/v1alpha1", "EnvoyPatchPolicy", ns)) as unknown as { status?: { ancestors?: { ancestorRef: { kind?: string; name: string }; conditions: { type: string; status: string; reason: string }[] }[] } }[];
  const seen = `${JSON.stringify(epp, null, 1)}\n${progress.join("\n")}`;
  expect(failure, seen).toMatch(/Accepted=False \(Disabled\).*EnvoyPatchPolicy is disabled in the EnvoyGateway configuration/s);
  // Far inside the 60 s readiness timeout: it failed on the controller's answer, not on the clock.
  expect(elapsed).toBeLessThan(30_000);
  // What the controller wrote: the ancestor is the proxy's Gateway, Accepted=False/Disabled.
  expect(epp).toHaveLength(1);
  const ancestors = epp[0]?.status?.ancestors ?? [];
  expect(ancestors.map((a) => a.ancestorRef.name)).toEqual(["app"]);
  expect(ancestors[0]?.conditions.find((c) => c.type === "Accepted")).toMatchObject({ status: "False", reason: "Disabled" });
  // Nothing reached Envoy: the proxy answers as before.
  expect((await edgeRequest(h.dp.address, host, "/still")).json()).toMatchObject({ backend: "web", path: "/still" });
}, 180_000);

test("the Envoy here has no golang HTTP filter, so the Coraza filter the patch installs cannot load", () => {
  // The listener filter exactly as the provider renders it for a TrafficProtectionPolicy.
  const rendered = render([
    {
      apiVersion: "networking.datumapis.com/v1alpha",
      kind: "TrafficProtectionPolicy",
      metadata: { name: "waf", namespace: "default" },
      spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "app" }], mode: "Enforce" },
    },
  ]);
  expect(rendered.errors).toEqual([]);
  const epp = rendered.objects.find((o) => o.kind === "EnvoyPatchPolicy");
  const patches = (epp?.spec as { jsonPatches: { operation: { path: string; value: Record<string, unknown> } }[] }).jsonPatches;
  const filter = patches.find((p) => p.operation.path.includes("http_filters"))?.operation.value;
  expect(filter).toBeDefined();
  const bootstrap = {
    static_resources: {
      listeners: [
        {
          name: "probe",
          address: { socket_address: { address: "127.0.0.1", port_value: 1 } },
          filter_chains: [
            {
              filters: [
                {
                  name: "envoy.filters.network.http_connection_manager",
                  typed_config: {
                    "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                    stat_prefix: "probe",
                    route_config: { name: "probe" },
                    http_filters: [filter, { name: "envoy.filters.http.router", typed_config: { "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router" } }],
                  },
                },
              ],
            },
          ],
        },
      ],
    },
  };
  const dir = mkdtempSync(join(tmpdir(), "pulumi-datum-golang-probe-"));
  try {
    const file = join(dir, "bootstrap.json");
    writeFileSync(file, JSON.stringify(bootstrap));
    // --mode validate: Envoy parses and builds the configuration, then exits without serving.
    const r = spawnSync(requireTools("envoy").envoy, ["--mode", "validate", "-c", file], { encoding: "utf8", timeout: 60_000 });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("could not find @type 'type.googleapis.com/envoy.extensions.filters.http.golang.v3alpha.Config'");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
