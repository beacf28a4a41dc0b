import { describe, expect, it } from "vitest";
import { render, resolveRenderSettings, type RenderedObject } from "../../provider/core/render";

/** What the HTTPProxy extensions render to (issue #16), through `render` (admission, then rendering). */

function settings(extensions: Record<string, unknown>) {
  const s = resolveRenderSettings({ extensions });
  if (!s.ok) throw new Error(s.errors.join("\n"));
  return s.settings;
}

function proxy(rules: unknown[]): Record<string, unknown> {
  return { apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name: "app", namespace: "team" }, spec: { rules } };
}

function byKind(objects: readonly RenderedObject[], kind: string): Record<string, unknown>[] {
  return objects.filter((o) => o.kind === kind) as unknown as Record<string, unknown>[];
}

describe("routeTimeouts", () => {
  const rules = [
    { name: "api", matches: [{ path: { value: "/api" } }], timeouts: { request: "10s", backendRequest: "4s" }, backends: [{ endpoint: "http://api.example.com" }] },
    { name: "events", matches: [{ path: { value: "/events" } }], timeouts: { streaming: { idleTimeout: "30s", maxDuration: "15m" } }, backends: [{ endpoint: "http://api.example.com" }] },
    { name: "rest", backends: [{ endpoint: "http://api.example.com" }] },
  ];

  it("renders deadlines on the HTTPRoute rule and a BackendTrafficPolicy per streaming rule, targeting that rule by name", () => {
    const r = render([proxy(rules)], settings({ routeTimeouts: true }));
    expect(r.errors).toEqual([]);
    const [route] = byKind(r.objects, "HTTPRoute") as { spec: { rules: { name: string; timeouts?: unknown }[] } }[];
    expect(route?.spec.rules.map((x) => [x.name, x.timeouts])).toEqual([
      ["api", { request: "10s", backendRequest: "4s" }],
      // No whole-request deadline on a stream (Envoy's route timeout would end it).
      ["events", { request: "0s" }],
      ["rest", undefined],
    ]);
    const policies = byKind(r.objects, "BackendTrafficPolicy");
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      metadata: { name: "app-stream-1", namespace: "team" },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "app", sectionName: "events" }],
        timeout: { http: { streamIdleTimeout: "30s", maxStreamDuration: "15m" } },
      },
    });
  });

  it("with the switch off the same proxy renders nothing and names the field", () => {
    const r = render([proxy(rules)], settings({}));
    expect(r.objects).toEqual([]);
    expect(JSON.stringify(r.errors)).toContain('unknown field \\"spec.rules[0].timeouts\\"');
  });
});

describe("backendProtocols", () => {
  it("sets the Service and EndpointSlice port's appProtocol from the hint; without one it stays the scheme", () => {
    const rules = [
      { backends: [{ endpoint: "http://grpc.example.com:8080", protocol: "h2c" }] },
      { matches: [{ path: { value: "/ws" } }], backends: [{ endpoint: "http://chat.example.com", protocol: "websocket" }] },
      { matches: [{ path: { value: "/plain" } }], backends: [{ endpoint: "http://web.example.com" }] },
    ];
    const r = render([proxy(rules)], settings({ backendProtocols: true }));
    expect(r.errors).toEqual([]);
    const ports = (kind: string) =>
      (byKind(r.objects, kind) as { metadata: { name: string }; spec?: { ports: { appProtocol: string }[] }; ports?: { appProtocol: string }[] }[]).map((o) => [
        o.metadata.name,
        (o.spec?.ports ?? o.ports)?.[0]?.appProtocol,
      ]);
    const expected = [
      ["route-app-rule-0-backendref-0", "kubernetes.io/h2c"],
      ["route-app-rule-1-backendref-0", "kubernetes.io/ws"],
      ["route-app-rule-2-backendref-0", "http"],
    ];
    expect(ports("Service")).toEqual(expected);
    expect(ports("EndpointSlice")).toEqual(expected);
  });
});

describe("weightedBackends", () => {
  it("renders one weighted backendRef per backend (a Service each), weights as given and absent ones left to Gateway API's default 1", () => {
    const rules = [
      { backends: [{ endpoint: "http://10.1.0.1:8080", weight: 90 }, { endpoint: "http://10.1.0.2:8080", weight: 10 }] },
      { matches: [{ path: { value: "/even" } }], backends: [{ endpoint: "https://api.example.com" }, { endpoint: "https://api.example.com:8443" }] },
    ];
    const r = render([proxy(rules)], settings({ weightedBackends: true }));
    expect(r.errors).toEqual([]);
    const [route] = byKind(r.objects, "HTTPRoute") as { spec: { rules: { backendRefs: { name: string; weight?: number }[]; filters?: unknown[] }[] } }[];
    expect(route?.spec.rules[0]?.backendRefs.map((b) => [b.name, b.weight])).toEqual([
      ["route-app-rule-0-backendref-0", 90],
      ["route-app-rule-0-backendref-1", 10],
    ]);
    expect(route?.spec.rules[1]?.backendRefs.map((b) => b.weight)).toEqual([undefined, undefined]);
    // One Host rewrite for the rule, not one per backend.
    expect(route?.spec.rules[1]?.filters).toEqual([{ type: "URLRewrite", urlRewrite: { hostname: "api.example.com" } }]);
    expect(byKind(r.objects, "BackendTLSPolicy")).toHaveLength(2);
  });
});

describe("requestMirroring", () => {
  it("renders the mirror endpoint as a Service + EndpointSlice (+ BackendTLSPolicy for https) named by a RequestMirror filter", () => {
    const rules = [{ mirror: { endpoint: "https://shadow.example.com:8443", percent: 10 }, backends: [{ endpoint: "https://api.example.com" }] }];
    const r = render([proxy(rules)], settings({ requestMirroring: true }));
    expect(r.errors).toEqual([]);
    const [route] = byKind(r.objects, "HTTPRoute") as { spec: { rules: { filters: unknown[] }[] } }[];
    expect(route?.spec.rules[0]?.filters).toContainEqual({
      type: "RequestMirror",
      requestMirror: { backendRef: { group: "", kind: "Service", name: "route-app-rule-0-mirror", port: 8443 }, percent: 10 },
    });
    expect(byKind(r.objects, "Service").map((s) => (s as { metadata: { name: string } }).metadata.name)).toContain("route-app-rule-0-mirror");
    expect(byKind(r.objects, "BackendTLSPolicy")).toContainEqual(
      expect.objectContaining({ spec: expect.objectContaining({ validation: { wellKnownCACertificates: "System", hostname: "shadow.example.com" } }) }),
    );
  });
});
