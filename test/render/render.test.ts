import { describe, expect, it } from "vitest";
import type { HTTPProxy } from "../../provider/core/models/httpproxy";
import {
  applyOrder,
  DEFAULT_RENDER_SETTINGS,
  httpProxyCertificates,
  render,
  renderHTTPProxy,
  renderPolicy,
  resolveRenderSettings,
  sourceSelector,
  type RenderedObject,
} from "../../provider/core/render";
import { UNKNOWN } from "../../provider/core/unknown";
import { validate } from "../../provider/core/validate";

function proxy(name: string, spec: Record<string, unknown>, namespace?: string): Record<string, unknown> {
  return { apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name, ...(namespace && { namespace }) }, spec };
}
const simple = (name: string, namespace?: string) => proxy(name, { rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] }, namespace);

function kinds(objects: readonly RenderedObject[]): string[] {
  return objects.map((o) => `${o.kind}/${o.metadata.name}`);
}

describe("render settings", () => {
  it("defaults match the engine's provider settings", () => {
    expect(DEFAULT_RENDER_SETTINGS).toMatchObject({
      gatewayClassName: "envoy-gateway",
      clusterIssuer: "datum-acme",
      targetDomain: "datum.local",
      dnsIntegration: false,
      connectorTunnelListenerName: "connector-tunnel",
    });
    expect(DEFAULT_RENDER_SETTINGS.namespace).toBeUndefined();
  });

  it("rejects a targetDomain that is not a DNS name or leaves no room for the canonical label", () => {
    const bad = resolveRenderSettings({ targetDomain: "Not_A_Domain" });
    expect(bad.ok).toBe(false);
    // 253 − len("<8>-<8>-<5>.") = 229 characters left for the domain.
    expect(resolveRenderSettings({ targetDomain: `${"a.".repeat(113)}iox` }).ok).toBe(true);
    expect(resolveRenderSettings({ targetDomain: `${"a.".repeat(113)}ioxy` }).ok).toBe(false);
  });

  it("ignores engine-only keys and accepts guardrail overrides", () => {
    const r = resolveRenderSettings({ kubeconfig: "x", guardrails: { gateway: { targetDomain: "x.example" } } });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.settings.guardrails.gateway.targetDomain).toBe("x.example");
  });
});

describe("applyOrder", () => {
  it("applies backends, then the Gateway, certificates, routes, policies", () => {
    const order = ["Service", "EndpointSlice", "Gateway", "Certificate", "HTTPRouteFilter", "HTTPRoute", "SecurityPolicy", "EnvoyPatchPolicy", "DNSEndpoint"];
    const ranks = order.map(applyOrder);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(applyOrder("Service")).toBe(applyOrder("EndpointSlice"));
    expect(applyOrder("Gateway")).toBeLessThan(applyOrder("Certificate"));
    expect(applyOrder("Certificate")).toBeLessThan(applyOrder("HTTPRoute"));
    expect(applyOrder("HTTPRoute")).toBeLessThan(applyOrder("BackendTrafficPolicy"));
    expect(applyOrder("Whatever")).toBeGreaterThan(applyOrder("DNSEndpoint"));
  });

  it("orders rendered objects by it", () => {
    const out = renderHTTPProxy(simple("app") as unknown as HTTPProxy);
    const ranks = out.map((o) => applyOrder(o.kind));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });
});

describe("render()", () => {
  it("renders nothing and reports validate's errors when an object is invalid", () => {
    const bad = proxy("shop", { rules: [{ backends: [{ endpoint: "https://api.example.com/api" }] }] }, "team");
    const result = render([simple("app"), bad]);
    expect(result.objects).toEqual([]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ index: 1, kind: "HTTPProxy", namespace: "team", name: "shop" });
    expect(result.errors[0]?.errors).toEqual(validate(bad).errors);
  });

  it("uses the guardrail config of the settings", () => {
    const cors = {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "SecurityPolicy",
      metadata: { name: "cors" },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "app" }],
        cors: { allowOrigins: ["https://a.example.com", "https://b.example.com"] },
      },
    };
    expect(render([cors]).errors).toEqual([]);
    const strict = resolveRenderSettings({ guardrails: { "gateway.extensionAPIValidationOptions.securityPolicies.CORS.MaxFieldLength": 1 } });
    expect(strict.ok).toBe(true);
    if (strict.ok) expect(render([cors], strict.settings).errors).toHaveLength(1);
  });

  it("reports two sources rendering the same object", () => {
    const result = render([simple("app"), simple("app")]);
    expect(result.objects).toEqual([]);
    expect(result.errors.map((e) => e.index)).toContain(1);
    expect(result.errors[0]?.errors[0]?.type).toBe("Conflict");
    expect(result.errors[0]?.errors[0]?.message).toContain("is also rendered from HTTPProxy default/app");
  });

  it("a namespace override makes same-named proxies of two namespaces collide", () => {
    expect(render([simple("app", "a"), simple("app", "b")]).errors).toEqual([]);
    const settings = { ...DEFAULT_RENDER_SETTINGS, namespace: "edge" };
    expect(render([simple("app", "a"), simple("app", "b")], settings).errors.length).toBeGreaterThan(0);
  });

  it("renders nothing for a Domain", () => {
    const domain = { apiVersion: "networking.datumapis.com/v1alpha", kind: "Domain", metadata: { name: "example-com" }, spec: { domainName: "example.com" } };
    const result = render([domain]);
    expect(result).toEqual({ objects: [], errors: [], unknown: false });
  });

  it("keeps sources apart: every object of one proxy matches its selector labels", () => {
    const result = render([simple("app"), simple("web")]);
    const selector = Object.fromEntries(sourceSelector({ kind: "HTTPProxy", namespace: "default", name: "web" }).split(",").map((kv) => kv.split("=")));
    const web = result.objects.filter((o) => Object.entries(selector).every(([k, v]) => o.metadata.labels[k] === v));
    expect(web.length).toBe(result.objects.length / 2);
    expect(web.every((o) => o.metadata.name.includes("web"))).toBe(true);
  });
});

describe("renderHTTPProxy specifics", () => {
  it("a redirect rule has no backendRefs and no backend objects", () => {
    const out = renderHTTPProxy(
      proxy("r", { rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { hostname: "x.example.com" } }] }] }) as unknown as HTTPProxy,
    );
    expect(kinds(out)).toEqual(["Gateway/r", "Certificate/r-default-https", "HTTPRoute/r"]);
    const route = out.find((o) => o.kind === "HTTPRoute") as RenderedObject;
    expect((route["spec"] as { rules: Record<string, unknown>[] }).rules[0]).not.toHaveProperty("backendRefs");
  });

  it("an HTTPS connector backend gets no BackendTLSPolicy (no certificate hostname)", () => {
    const out = renderHTTPProxy(
      proxy("c", { rules: [{ backends: [{ endpoint: "https://localhost:8443", connector: { name: "agent" } }] }] }) as unknown as HTTPProxy,
    );
    expect(out.some((o) => o.kind === "BackendTLSPolicy")).toBe(false);
    expect(out.some((o) => o.kind === "EnvoyPatchPolicy" && o.metadata.name === "connector-c")).toBe(true);
  });

  it("an IPv4-mapped IPv6 endpoint becomes an IPv4 slice with the dotted address", () => {
    const out = renderHTTPProxy(proxy("m", { rules: [{ backends: [{ endpoint: "http://[::ffff:203.0.113.9]:8080" }] }] }) as unknown as HTTPProxy);
    const slice = out.find((o) => o.kind === "EndpointSlice") as RenderedObject;
    expect(slice["addressType"]).toBe("IPv4");
    expect(slice["endpoints"]).toEqual([{ addresses: ["203.0.113.9"], conditions: { ready: true, serving: true, terminating: false } }]);
  });

  it("the connector policy switches to the tunnel only when the connector is ready with an id", () => {
    const p = proxy("t", { rules: [{ backends: [{ endpoint: "http://localhost:3000", connector: { name: "agent" } }] }] }, "dev") as unknown as HTTPProxy;
    const epp = (ctx: Parameters<typeof renderHTTPProxy>[2]) =>
      JSON.stringify(renderHTTPProxy(p, DEFAULT_RENDER_SETTINGS, ctx).find((o) => o.kind === "EnvoyPatchPolicy"));
    const offline = epp({});
    expect(offline).toContain("Tunnel not online");
    expect(epp({ connectors: { "dev/agent": { ready: false, endpointId: "id" } } })).toBe(offline);
    expect(epp({ connectors: { "dev/agent": { ready: true } } })).toBe(offline);
    expect(epp({ connectors: { "other/agent": { ready: true, endpointId: "id" } } })).toBe(offline);
    const online = epp({ connectors: { "dev/agent": { ready: true, endpointId: "id" } } });
    expect(online).toContain('"endpoint_id":"id"');
    expect(online).not.toContain("Tunnel not online");
  });

  it("renders no DNSEndpoint unless DNS integration is on", () => {
    const p = simple("app") as unknown as HTTPProxy;
    expect(renderHTTPProxy(p).some((o) => o.kind === "DNSEndpoint")).toBe(false);
    expect(renderHTTPProxy(p, { ...DEFAULT_RENDER_SETTINGS, dnsIntegration: true }).some((o) => o.kind === "DNSEndpoint")).toBe(true);
  });

  it("uses the configured class, issuer and namespace", () => {
    const settings = { ...DEFAULT_RENDER_SETTINGS, gatewayClassName: "eg", clusterIssuer: "letsencrypt", namespace: "edge" };
    const out = renderHTTPProxy(simple("app", "team") as unknown as HTTPProxy, settings);
    expect(out.every((o) => o.metadata.namespace === "edge")).toBe(true);
    expect(out.every((o) => o.metadata.labels["pulumi-datum.io/source-namespace"] === "team")).toBe(true);
    const gw = out.find((o) => o.kind === "Gateway") as RenderedObject;
    expect((gw["spec"] as { gatewayClassName: string }).gatewayClassName).toBe("eg");
    const cert = out.find((o) => o.kind === "Certificate") as RenderedObject;
    expect((cert["spec"] as { issuerRef: unknown }).issuerRef).toEqual({ kind: "ClusterIssuer", name: "letsencrypt" });
  });
});

describe("renderPolicy", () => {
  it("renders nothing for kinds that are not policies", () => {
    expect(renderPolicy(simple("app"))).toEqual([]);
    expect(renderPolicy(null)).toEqual([]);
  });

  it("writes BackendTLSPolicy as v1 and copies only the spec", () => {
    const out = renderPolicy({
      apiVersion: "gateway.networking.k8s.io/v1alpha3",
      kind: "BackendTLSPolicy",
      metadata: { name: "b", namespace: "x", labels: { a: "b" }, annotations: { c: "d" } },
      spec: { targetRefs: [] },
    });
    expect(out).toHaveLength(1);
    expect(out[0]?.apiVersion).toBe("gateway.networking.k8s.io/v1");
    expect(out[0]?.metadata.annotations).toBeUndefined();
    expect(out[0]?.metadata.labels["a"]).toBeUndefined();
  });
});

describe("unknown values (preview)", () => {
  it("renders with unknowns where values are unknown and flags the result", () => {
    const p = proxy("app", {
      hostnames: [UNKNOWN],
      rules: [
        { backends: [{ endpoint: UNKNOWN }] },
        { filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "Host", value: UNKNOWN }] } }], backends: [{ endpoint: "https://a.example.com" }] },
      ],
    });
    const out = renderHTTPProxy(p as unknown as HTTPProxy, { ...DEFAULT_RENDER_SETTINGS, dnsIntegration: true });
    const slice = out.find((o) => o.kind === "EndpointSlice" && o.metadata.name.includes("rule-0")) as RenderedObject;
    expect(slice["addressType"]).toBe(UNKNOWN);
    const route = JSON.stringify(out.find((o) => o.kind === "HTTPRoute"));
    expect(route).toContain(`"hostname":"${UNKNOWN}"`);
    const result = render([p]);
    expect(result.unknown).toBe(true);
  });

  it("an unknown name makes derived names unknown instead of inventing them", () => {
    const out = renderHTTPProxy(simple(UNKNOWN) as unknown as HTTPProxy);
    expect(out.find((o) => o.kind === "Gateway")?.metadata.name).toBe(UNKNOWN);
    expect(out.find((o) => o.kind === "Service")?.metadata.name).toBe(UNKNOWN);
  });
});

describe("certificates.mode acme", () => {
  const input = proxy("shop", { hostnames: ["shop.example.com", "www.example.com"], rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] }, "team");
  const settingsOf = (extra: Record<string, unknown>) => {
    const r = resolveRenderSettings({ certificates: { mode: "acme", directoryUrl: "https://ca.example/dir" }, ...extra });
    if (!r.ok) throw new Error(r.errors.join("; "));
    return r.settings;
  };

  it("renders no Certificate; HTTPS listeners reference the provider's <proxy>-<listener>-acme Secrets", () => {
    const result = render([input], settingsOf({}));
    expect(result.errors).toEqual([]);
    expect(result.objects.filter((o) => o.kind === "Certificate")).toEqual([]);
    const gw = result.objects.find((o) => o.kind === "Gateway") as RenderedObject & { spec: { listeners: { name: string; tls?: { certificateRefs: { name: string }[] } }[] } };
    expect(gw.spec.listeners.filter((l) => l.tls).map((l) => [l.name, l.tls?.certificateRefs[0]?.name])).toEqual([
      ["default-https", "shop-default-https-acme"],
      ["https-hostname-0", "shop-https-hostname-0-acme"],
      ["https-hostname-1", "shop-https-hostname-1-acme"],
    ]);
    // cert-manager mode is unchanged.
    expect(render([input]).objects.filter((o) => o.kind === "Certificate").map((o) => o.metadata.name)).toEqual(["shop-default-https", "shop-https-hostname-0", "shop-https-hostname-1"]);
  });

  it("lists the certificates to obtain with the HTTP listener of the same hostname; the shared wildcard Secret needs none", () => {
    const checked = validate(input);
    expect(checked.errors).toEqual([]);
    const obj = checked.object as HTTPProxy;
    expect(httpProxyCertificates(obj, settingsOf({})).map((c) => [c.listener, c.hostname, c.secretName, c.httpListener])).toEqual([
      ["default-https", expect.stringMatching(/\.datum\.local$/), "shop-default-https-acme", "default-http"],
      ["https-hostname-0", "shop.example.com", "shop-https-hostname-0-acme", "http-hostname-0"],
      ["https-hostname-1", "www.example.com", "shop-https-hostname-1-acme", "http-hostname-1"],
    ]);
    const shared = httpProxyCertificates(obj, settingsOf({ defaultListenerTLSSecretName: "wildcard" }));
    expect(shared.map((c) => c.listener)).toEqual(["https-hostname-0", "https-hostname-1"]);
  });
});

describe("admission before rendering", () => {
  // A path on an endpoint is refused by the webhook on create; a metadata-only update of an object
  // that already has one is let through (NSO skips the webhook when the spec is unchanged).
  const grandfathered = proxy("legacy", { rules: [{ backends: [{ endpoint: "https://api.example.com/v1" }] }] }, "team");

  it("renders a grandfathered spec as an UPDATE of the same spec, and refuses it as a CREATE", () => {
    const asCreate = render([grandfathered]);
    expect(asCreate.errors[0]?.errors[0]?.field).toMatch(/^spec\.rules\[0\]\.backends\[0\]\.endpoint/);
    const relabelled = { ...grandfathered, metadata: { ...(grandfathered["metadata"] as object), labels: { team: "web" } } };
    const asUpdate = render([relabelled], DEFAULT_RENDER_SETTINGS, {}, { oldObjects: [grandfathered] });
    expect(asUpdate.errors).toEqual([]);
    expect(asUpdate.objects.map((o) => o.kind)).toContain("Gateway");
    // A spec change is admitted in full again.
    const changed = proxy("legacy", { rules: [{ backends: [{ endpoint: "https://api.example.com/v2" }] }] }, "team");
    expect(render([changed], DEFAULT_RENDER_SETTINGS, {}, { oldObjects: [grandfathered] }).errors).toHaveLength(1);
  });
});
