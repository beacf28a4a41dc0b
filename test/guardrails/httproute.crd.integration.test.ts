// Our reproduction of the upstream HTTPRoute CRD must report exactly what a real kube-apiserver
// with Gateway API v1.5.1 reports. The generated routes reuse the HTTPProxy arbitrary's rules
// (matches and filters share their Gateway API types) with random backendRefs and mutations.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { validHTTPProxy, type Json, type JsonObject } from "../arbitraries/httpproxy";
import { ourCrdErrors, serverCrdErrors } from "./gateway.apiserver.ts";

const hostileRef = fc.record(
  {
    name: fc.constantFrom("web-0", "origin"),
    group: fc.constantFrom("discovery.k8s.io", "gateway.envoyproxy.io", "", "Bad_Group"),
    kind: fc.constantFrom("EndpointSlice", "Backend", "Service", "1bad"),
    port: fc.constantFrom(80, 0, 65536),
    weight: fc.constantFrom(0, 1, 1000001),
    namespace: fc.constantFrom("default", "Bad"),
  },
  { requiredKeys: ["name"] },
);

const backendRef = fc.oneof(
  { arbitrary: fc.constantFrom({ group: "discovery.k8s.io", kind: "EndpointSlice", name: "web-0", port: 80 }, { group: "gateway.envoyproxy.io", kind: "Backend", name: "origin" }, { name: "svc", port: 8080 }), weight: 5 },
  { arbitrary: hostileRef, weight: 1 },
);

const rareExtras = fc.record(
  {
    timeouts: fc.constantFrom({ request: "10s", backendRequest: "20s" }, { request: "0s", backendRequest: "1h" }, { request: "1m" }, { request: "soon" }),
    retry: fc.constantFrom({ codes: [500, 399] }, { attempts: 3, backoff: "1s" }),
    sessionPersistence: fc.constantFrom({ cookieConfig: { lifetimeType: "Permanent" } }, { type: "Header", cookieConfig: {} }, { sessionName: "x".repeat(129) }),
    name: fc.constantFrom("dup", "Bad"),
  },
  { requiredKeys: [] },
);

const route = fc
  .tuple(
    validHTTPProxy,
    fc.array(fc.array(backendRef, { maxLength: 2 }), { minLength: 5, maxLength: 5 }),
    fc.array(fc.option(rareExtras, { nil: undefined, freq: 8 }), { minLength: 5, maxLength: 5 }),
    fc.oneof({ arbitrary: fc.constant([{ name: "web" }]), weight: 8 }, { arbitrary: fc.constantFrom([{ name: "web" }, { name: "web" }], [{ name: "web", sectionName: "a" }, { name: "web" }], [{ name: "web", port: 0 }]), weight: 1 }),
    fc.option(fc.constantFrom(["www.example.com"], ["*.Example.com"]), { nil: undefined, freq: 8 }),
  )
  .map(([proxy, refs, more, parentRefs, hostnames]) => {
    const rules = ((proxy["spec"] as JsonObject)["rules"] as JsonObject[]).map((rule, i) => {
      const { backends: _backends, ...rest } = rule;
      const backendRefs = refs[i] ?? [];
      return { ...rest, ...(more[i] ?? {}), ...(backendRefs.length > 0 && { backendRefs }) } as Json;
    });
    const spec: JsonObject = { parentRefs: JSON.parse(JSON.stringify(parentRefs)) as Json, rules, ...(hostnames && { hostnames: [...hostnames] }) };
    return { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name: "web" }, spec };
  });

let cp: ControlPlane;
let ns: string;

beforeAll(async () => {
  cp = await getControlPlane();
  ns = await cp.newNamespace("route-crd");
});

describe("HTTPRoute CRD layer vs kube-apiserver", () => {
  it("reports the same errors for generated HTTPRoutes", async () => {
    const samples = fc.sample(route, { numRuns: 200, seed: 777 });
    let rejected = 0;
    for (const obj of samples) {
      const ours = ourCrdErrors(obj);
      const theirs = await serverCrdErrors(cp, ns, obj);
      if (theirs.length > 0) rejected++;
      expect(ours, JSON.stringify(obj.spec)).toEqual(theirs);
    }
    expect(rejected).toBeGreaterThan(20);
    expect(rejected).toBeLessThan(samples.length);
  });
});
