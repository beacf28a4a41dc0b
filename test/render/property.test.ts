import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { HTTPProxy } from "../../provider/core/models/httpproxy";
import {
  DEFAULT_RENDER_SETTINGS,
  MANAGED_BY_LABEL,
  render,
  renderHTTPProxy,
  SOURCE_KIND_LABEL,
  SOURCE_NAME_LABEL,
  SOURCE_NAMESPACE_LABEL,
  type RenderedObject,
} from "../../provider/core/render";
import { isValidLabelValue } from "../../provider/core/render/names";
import { isDNS1123Label, isDNS1123Subdomain } from "../../provider/core/validation/names";
import { validate } from "../../provider/core/validate";
import { validHTTPProxy } from "./arbitrary";

const settings = { ...DEFAULT_RENDER_SETTINGS, dnsIntegration: true };

function checkObject(o: RenderedObject, kind: string, namespace: string): void {
  const labels = o.metadata.labels;
  expect(labels[MANAGED_BY_LABEL]).toBe("pulumi-datum");
  expect(labels[SOURCE_KIND_LABEL]).toBe(kind);
  expect(labels[SOURCE_NAMESPACE_LABEL]).toBe(namespace);
  expect(labels[SOURCE_NAME_LABEL]).toBeDefined();
  for (const v of Object.values(labels)) expect(isValidLabelValue(v), v).toBe(true);
  expect(o.metadata.namespace).toBe(namespace);
  expect(isDNS1123Subdomain(o.metadata.name), o.metadata.name).toBe(true);
  if (o.kind === "Service") expect(isDNS1123Label(o.metadata.name) && /^[a-z]/.test(o.metadata.name), o.metadata.name).toBe(true);
}

/** Keys in sorted order at every level: the property that makes output byte-stable. */
function keysSorted(v: unknown): boolean {
  if (Array.isArray(v)) return v.every(keysSorted);
  if (v !== null && typeof v === "object") {
    const keys = Object.keys(v);
    return keys.every((k, i) => i === 0 || (keys[i - 1] as string) < k) && Object.values(v).every(keysSorted);
  }
  return true;
}

describe("renderHTTPProxy over generated HTTPProxies", () => {
  it("never throws, is deterministic, labels every object with its source, keeps names valid", () => {
    fc.assert(
      fc.property(validHTTPProxy, (proxy) => {
        const first = renderHTTPProxy(proxy as unknown as HTTPProxy, settings);
        const second = renderHTTPProxy(structuredClone(proxy) as unknown as HTTPProxy, settings);
        expect(JSON.stringify(second)).toBe(JSON.stringify(first));
        const namespace = proxy.metadata.namespace ?? "default";
        expect(first.filter((o) => o.kind === "Gateway")).toHaveLength(1);
        expect(first.filter((o) => o.kind === "HTTPRoute")).toHaveLength(1);
        for (const o of first) {
          checkObject(o, "HTTPProxy", namespace);
          expect(keysSorted(o)).toBe(true);
        }
        const route = first.find((o) => o.kind === "HTTPRoute") as RenderedObject;
        expect((route["spec"] as { rules: unknown[] }).rules).toHaveLength(proxy.spec.rules.length);
      }),
      { numRuns: 300 },
    );
  });

  it("renders every generated proxy that validates through render(), with no errors", () => {
    let valid = 0;
    fc.assert(
      fc.property(validHTTPProxy, (proxy) => {
        if (!validate(proxy).valid) return;
        valid++;
        const result = render([proxy], settings);
        expect(result.errors).toEqual([]);
        expect(result.objects.length).toBeGreaterThanOrEqual(4);
      }),
      { numRuns: 200 },
    );
    // The generator aims at valid proxies; most of them must be.
    expect(valid).toBeGreaterThan(100);
  });

  it("never throws on arbitrary JSON, and renders nothing when validation fails", () => {
    fc.assert(
      fc.property(fc.array(fc.anything(), { maxLength: 3 }), (objects) => {
        const result = render(objects, settings);
        if (result.errors.length) expect(result.objects).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws when given the raw JSON shapes of any proxy field", () => {
    const anyProxy = fc.record({
      apiVersion: fc.constant("networking.datumapis.com/v1alpha"),
      kind: fc.constant("HTTPProxy"),
      metadata: fc.record({ name: fc.oneof(fc.string(), fc.anything()) }),
      spec: fc.oneof(fc.anything(), fc.record({ hostnames: fc.anything(), rules: fc.array(fc.anything()) })),
    });
    fc.assert(
      fc.property(anyProxy, (p) => {
        renderHTTPProxy(p as unknown as HTTPProxy, settings, { connectors: {}, gatewayAddresses: {} });
      }),
      { numRuns: 300 },
    );
  });
});
