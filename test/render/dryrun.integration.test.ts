// Everything the renderer produces must be accepted by a real kube-apiserver with the real CRD
// schemas and CEL rules (Gateway API, Envoy Gateway, cert-manager, external-dns): every valid
// public conformance vector of a rendered kind, the benchmark fixtures and the golden inputs are
// rendered into a fresh namespace and server-side dry-run applied object by object. A rejection
// is a render bug, reported with the object and the server's message.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as yaml from "js-yaml";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { maximalHTTPProxy, typicalHTTPProxy } from "../../bench/fixtures.ts";
import { createKubeClient, RequestCounter, type KubeClient, type KubeObject } from "../../provider/kube/index.ts";
import type { HTTPProxy } from "../../provider/core/models/httpproxy.ts";
import {
  render,
  RENDERED_KINDS,
  renderHTTPProxy,
  renderPolicy,
  resolveRenderSettings,
  type RenderContext,
  type RenderedObject,
  type RenderSettings,
  type RenderSettingsInput,
} from "../../provider/core/render/index.ts";
import { validate, type Operation } from "../../provider/core/validate.ts";
import fc from "fast-check";
import { validHTTPProxy } from "./arbitrary.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";

interface Vector {
  id: string;
  kind: string;
  valid: boolean;
  object: Record<string, unknown>;
  operation?: Operation;
  oldObject?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

const vectors = JSON.parse(readFileSync("/work/shared/conformance/public.json", "utf8")) as Vector[];
const renderable = vectors.filter((v) => v.valid && RENDERED_KINDS.includes(v.kind) && v.kind !== "Domain");

let cp: ControlPlane;
let client: KubeClient;
const metrics = new RequestCounter();

beforeAll(async () => {
  cp = await getControlPlane();
  client = createKubeClient({ kubeconfig: cp.kubeconfig }, { metrics });
});

afterAll(async () => {
  await client?.close();
});

/** Renders into `namespace` (settings override) and fails on a render error, which is a separate bug. */
function settingsFor(namespace: string, settings: RenderSettingsInput = {}): RenderSettings {
  const resolved = resolveRenderSettings({ ...settings, namespace });
  if (!resolved.ok) throw new Error(resolved.errors.join("\n"));
  return resolved.settings;
}

function renderInto(namespace: string, objects: readonly unknown[], settings: RenderSettingsInput = {}, context: RenderContext = {}): RenderedObject[] {
  const result = render(objects, settingsFor(namespace, settings), context);
  expect(result.errors).toEqual([]);
  expect(result.objects.length).toBeGreaterThan(0);
  return result.objects;
}

/** `Kind ns/name: server message` for every object the API server would reject. */
async function rejections(objects: readonly RenderedObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of objects) {
    try {
      await client.dryRunApply(o as KubeObject);
    } catch (e) {
      out.push(`${o.kind} ${o.metadata.namespace}/${o.metadata.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

describe("server-side dry run of rendered objects (real CRD schemas + CEL)", () => {
  test("the public vectors include every rendered kind", () => {
    // GRPCProxy is beyond NSO: its vectors and dry runs are in test/render/grpcproxy.integration.test.ts.
    expect(new Set(renderable.map((v) => v.kind))).toEqual(new Set(RENDERED_KINDS.filter((k) => k !== "Domain" && k !== "GRPCProxy")));
  });

  test("dry runs write nothing", async () => {
    const ns = await cp.newNamespace("dry");
    const before = metrics.snapshot();
    expect(await rejections(renderInto(ns, [typicalHTTPProxy()]))).toEqual([]);
    const after = metrics.snapshot();
    expect(after.writes - before.writes).toBe(0);
    expect(after.dryRuns - before.dryRuns).toBeGreaterThan(0);
    expect((await client.list({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns })).items).toEqual([]);
  });

  // Admission (with the vector's operation: an UPDATE may keep a grandfathered spec) decides what
  // exists; render() then either yields objects the API server accepts, or refuses with the
  // source's field path — and then only where the API server would indeed reject the raw render.
  test.for(renderable.map((v) => [v.id, v] as const))("valid vector %s", async ([, v]) => {
    const ns = await cp.newNamespace("dry");
    const settings = settingsFor(ns, v.config ? { guardrails: v.config } : {});
    const admitted = validate(v.object, { config: settings.guardrails, operation: v.operation ?? "CREATE", ...(v.oldObject ? { oldObject: v.oldObject } : {}) });
    expect(admitted.errors).toEqual([]);
    const raw = v.kind === "HTTPProxy" ? renderHTTPProxy(admitted.object as unknown as HTTPProxy, settings) : renderPolicy(admitted.object, settings);
    expect(raw.length).toBeGreaterThan(0);
    const grandfathered = !validate(v.object, { config: settings.guardrails }).valid;
    const result = render([v.object], settings);
    if (grandfathered || result.errors.length === 0) {
      if (!grandfathered) expect(result.objects).toEqual(raw);
      expect(await rejections(raw)).toEqual([]);
      return;
    }
    const refused = result.errors.flatMap((e) => e.errors.map((f) => `${f.field}: ${f.message}`));
    expect(await rejections(raw), `render refused (${refused.join("; ")}) what the API server accepts`).not.toEqual([]);
  });

  test("a rule's filters plus the Host rewrite: 16 render and are accepted, 17 are refused by render and by the API server", async () => {
    const ns = await cp.newNamespace("dry");
    const settings = settingsFor(ns);
    const ref = (i: number) => ({ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: `f${i}` } });
    const proxy = (filters: unknown[]) => ({
      apiVersion: "networking.datumapis.com/v1alpha",
      kind: "HTTPProxy",
      metadata: { name: "app", namespace: "default" },
      spec: { rules: [{ filters, backends: [{ endpoint: "https://api.example.com" }] }] },
    });
    const fifteen = render([proxy(Array.from({ length: 15 }, (_, i) => ref(i)))], settings);
    expect(fifteen.errors).toEqual([]);
    expect(await rejections(fifteen.objects)).toEqual([]);
    // A URLRewrite already among the 16 receives the hostname: nothing is appended.
    const withRewrite = render([proxy([...Array.from({ length: 15 }, (_, i) => ref(i)), { type: "URLRewrite", urlRewrite: { path: { type: "ReplaceFullPath", replaceFullPath: "/" } } }])], settings);
    expect(withRewrite.errors).toEqual([]);
    expect(await rejections(withRewrite.objects)).toEqual([]);
    const sixteen = render([proxy(Array.from({ length: 16 }, (_, i) => ref(i)))], settings);
    expect(sixteen.errors.flatMap((e) => e.errors)).toEqual([
      expect.objectContaining({ field: "spec.rules[0].filters", type: "TooMany", message: expect.stringMatching(/^Too many: 17: must have at most 16 items in the generated HTTPRoute rule/) }),
    ]);
  });

  test("maximal and typical HTTPProxy of the benchmarks, with DNS integration", async () => {
    const ns = await cp.newNamespace("dry");
    const objects = renderInto(ns, [maximalHTTPProxy(), typicalHTTPProxy()], { dnsIntegration: true }, {
      gatewayAddresses: { "default/big": ["203.0.113.7", "2001:db8::7"] },
    });
    expect(objects.map((o) => o.kind)).toEqual(expect.arrayContaining(["Gateway", "HTTPRoute", "Service", "EndpointSlice", "BackendTLSPolicy", "Certificate", "DNSEndpoint"]));
    expect(await rejections(objects)).toEqual([]);
  });

  // The golden cases with the settings and cluster facts test/render/golden.test.ts uses.
  const goldens: { name: string; settings?: RenderSettingsInput; context?: RenderContext }[] = [
    { name: "minimal" },
    { name: "filters" },
    { name: "backends" },
    { name: "host-override" },
    { name: "hostnames" },
    { name: "shared-wildcard", settings: { targetDomain: "edge.example.net", defaultListenerTLSSecretName: "edge-wildcard-tls" } },
    { name: "dns", settings: { dnsIntegration: true }, context: { gatewayAddresses: { "default/shop": ["203.0.113.7", "2001:db8::7", "198.51.100.7"] } } },
    { name: "dns-pending", settings: { dnsIntegration: true } },
    { name: "connector-online", context: { connectors: { "dev/laptop": { ready: true, endpointId: "k51qzi5uqu5dlaptop" } } } },
    { name: "policies" },
    { name: "tpp" },
    { name: "tpp-alone" },
  ];
  // Random valid HTTPProxies (the property tests' arbitrary), rendered with every cluster fact the
  // engine can pass (addresses, an online connector, partial programming, a merging class) and DNS
  // integration: whatever validate admits, the API server must admit once rendered.
  test("40 random valid HTTPProxies render to objects the API server admits", async () => {
    const samples = fc.sample(validHTTPProxy, { numRuns: 40, seed: 4242 });
    const failures: string[] = [];
    for (const [i, proxy] of samples.entries()) {
      const ns = await cp.newNamespace("prop");
      const p = { ...proxy, metadata: { ...proxy.metadata, namespace: ns } };
      const key = `${ns}/${p.metadata.name}`;
      const hostnames = (p.spec as { hostnames?: string[] }).hostnames ?? [];
      const context: RenderContext = {
        gatewayAddresses: { [key]: ["203.0.113.7", "2001:db8::7"] },
        connectors: {},
        mergedGateways: i % 2 === 0,
        ...(hostnames.length > 1 && { unservedHostnames: { [key]: [hostnames[0] as string] } }),
      };
      const result = render([p], settingsFor(ns, { dnsIntegration: true }), context);
      if (result.errors.length) {
        failures.push(`#${i} render: ${JSON.stringify(result.errors)}`);
        continue;
      }
      for (const r of await rejections(result.objects)) failures.push(`#${i} ${r}\n  input: ${JSON.stringify(p)}`);
    }
    expect(failures).toEqual([]);
  }, 240_000);

  test.for(goldens.map((g) => [g.name, g] as const))("golden input %s", async ([, g]) => {
    const ns = await cp.newNamespace("dry");
    const input = yaml.loadAll(readFileSync(join(__dirname, "golden", "inputs", `${g.name}.yaml`), "utf8"));
    expect(await rejections(renderInto(ns, input, g.settings, g.context))).toEqual([]);
  });
});
