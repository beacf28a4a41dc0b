// GRPCProxy's render (issue #16): the shape of what it becomes, and every valid vector of
// test/vectors/grpcproxy.json rendered with every live fact the engine passes (addresses, DNS,
// a refused hostname, ACME and cert-manager certificates) and server-side dry-run applied against
// the real API server with the real Gateway API v1.5.1 CRDs (GRPCRoute, BackendTLSPolicy).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createKubeClient, type KubeClient, type KubeObject } from "../../provider/kube/index.ts";
import { canonicalHostname, render, resolveRenderSettings, type RenderContext, type RenderedObject, type RenderSettingsInput } from "../../provider/core/render/index.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";

interface Vector {
  id: string;
  valid: boolean;
  object: Record<string, unknown> & { metadata: { name: string } };
}

const vectors = (JSON.parse(readFileSync(resolve(__dirname, "../vectors/grpcproxy.json"), "utf8")) as Vector[]).filter((v) => v.valid);
const ON = { extensions: { grpcProxy: true } };

let cp: ControlPlane;
let client: KubeClient;

beforeAll(async () => {
  cp = await getControlPlane();
  client = createKubeClient({ kubeconfig: cp.kubeconfig }, {});
});

afterAll(async () => {
  await client?.close();
});

function renderInto(namespace: string, object: unknown, settings: RenderSettingsInput = {}, context: RenderContext = {}): RenderedObject[] {
  const resolved = resolveRenderSettings({ guardrails: ON, ...settings, namespace });
  if (!resolved.ok) throw new Error(resolved.errors.join("\n"));
  const result = render([object], resolved.settings, context);
  expect(result.errors).toEqual([]);
  return result.objects;
}

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

const full = vectors.find((v) => v.id === "grpcproxy-full-valid") as Vector;

describe("GRPCProxy render", () => {
  test("a Gateway as HTTPProxy's, a GRPCRoute with the rules, h2c and TLS backends", () => {
    const objects = renderInto("edge", full.object, { targetDomain: "prism.example" });
    const of = (kind: string) => objects.filter((o) => o.kind === kind);
    const canonical = canonicalHostname("default", "greeter", "prism.example");
    const listeners = (of("Gateway")[0]?.["spec"] as { listeners: { name: string; hostname: string; protocol: string }[] }).listeners;
    expect(listeners.map((l) => `${l.name} ${l.protocol} ${l.hostname}`)).toEqual([
      `default-http HTTP ${canonical}`,
      `default-https HTTPS ${canonical}`,
      "http-hostname-0 HTTP grpc.example.com",
      "https-hostname-0 HTTPS grpc.example.com",
    ]);
    expect(of("Certificate").map((c) => (c["spec"] as { dnsNames: string[] }).dnsNames)).toEqual([[canonical], ["grpc.example.com"]]);
    expect(of("HTTPRoute")).toEqual([]);
    const [route] = of("GRPCRoute");
    const rules = (route?.["spec"] as { parentRefs: unknown; rules: Record<string, unknown>[] }).rules;
    expect((route?.["spec"] as { parentRefs: unknown }).parentRefs).toEqual([{ name: "greeter" }]);
    expect(rules.map((r) => r["name"])).toEqual(["say-hello", "secure", undefined]);
    expect(rules[0]?.["matches"]).toEqual([
      { method: { type: "Exact", service: "helloworld.Greeter", method: "SayHello" } },
      { method: { type: "RegularExpression", service: "helloworld\\..*" }, headers: [{ type: "Exact", name: "x-tenant", value: "a" }] },
    ]);
    expect((rules[0]?.["filters"] as { type: string }[]).map((f) => f.type)).toEqual(["RequestHeaderModifier", "ResponseHeaderModifier"]);
    const services = of("Service").map((s) => ({ name: s.metadata.name, ports: (s["spec"] as { ports: unknown[] }).ports }));
    expect(services.map((s) => s.ports)).toEqual([
      [{ name: expect.any(String), protocol: "TCP", appProtocol: "kubernetes.io/h2c", port: 50051 }],
      [{ name: expect.any(String), protocol: "TCP", appProtocol: "https", port: 443 }],
      [{ name: expect.any(String), protocol: "TCP", appProtocol: "https", port: 8443 }],
    ]);
    expect(rules.map((r) => (r["backendRefs"] as { name: string }[])[0]?.name)).toEqual(services.map((s) => s.name));
    const hostnames = of("BackendTLSPolicy").map((p) => (p["spec"] as { validation: { hostname: string } }).validation.hostname);
    expect(hostnames).toEqual(["billing.example.com", "billing.example.com"]);
    expect(of("EndpointSlice").map((s) => (s["endpoints"] as { addresses: string[] }[])[0]?.addresses[0])).toEqual(["greeter.example.com", "billing.example.com", "203.0.113.7"]);
  });

  test("a refused hostname gets no listener or certificate; the others keep their listener names", () => {
    const object = { ...full.object, spec: { ...(full.object["spec"] as object), hostnames: ["a.example.com", "b.example.com"] } };
    const objects = renderInto("edge", object, {}, { unservedHostnames: { "default/greeter": ["a.example.com"] } });
    const gw = objects.find((o) => o.kind === "Gateway");
    expect((gw?.["spec"] as { listeners: { name: string }[] }).listeners.map((l) => l.name)).toEqual(["default-http", "default-https", "http-hostname-1", "https-hostname-1"]);
    expect(objects.filter((o) => o.kind === "Certificate").map((c) => (c["spec"] as { dnsNames: string[] }).dnsNames)).not.toContainEqual(["a.example.com"]);
  });
});

describe("GRPCProxy render, server-side dry run (real GRPCRoute and BackendTLSPolicy CRDs)", () => {
  const variants: [string, RenderSettingsInput, RenderContext][] = [
    ["cert-manager", {}, {}],
    ["acme + DNS with addresses", { certificates: { mode: "acme" }, dnsIntegration: true }, { gatewayAddresses: { "NS/greeter": ["192.0.2.10", "2001:db8::1"] } }],
  ];
  test.for(vectors.flatMap((v) => variants.map(([label, s, c]) => [`${v.id} (${label})`, v, s, c] as const)))("%s", async ([, v, s, c]) => {
    const ns = await cp.newNamespace("grpc");
    const object = { ...v.object, metadata: { ...v.object.metadata, namespace: ns } };
    const context = JSON.parse(JSON.stringify(c).replaceAll("NS/greeter", `${ns}/${v.object.metadata.name}`)) as RenderContext;
    const objects = renderInto(ns, object, s, context);
    expect(objects.some((o) => o.kind === "GRPCRoute")).toBe(true);
    expect(await rejections(objects)).toEqual([]);
  });
});
