// Our reproduction of the upstream Gateway CRD (schema, defaults, CEL) must report exactly what a
// real kube-apiserver with Gateway API v1.5.1 reports, error for error, for generated Gateways
// that sit on and around the CRD's limits.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { ourCrdErrors, serverCrdErrors } from "./gateway.apiserver.ts";

const ISSUER = "gateway.networking.datumapis.com/certificate-issuer";

const hostileListener = fc.record(
  {
    name: fc.constantFrom("default-http", "default-https", "www", "api", "Bad_Name", "a.b"),
    port: fc.constantFrom(80, 443, 8080, 0, 65536),
    protocol: fc.constantFrom("HTTP", "HTTPS", "TLS", "TCP", "UDP", "bad proto", "example.com/custom"),
    hostname: fc.constantFrom("www.example.com", "api.example.com", "*.example.com", "Example.com", "", "x"),
    tls: fc.record(
      {
        mode: fc.constantFrom("Terminate", "Passthrough", "Bogus"),
        options: fc.constantFrom({ [ISSUER]: "auto" }, { "example.com/foo": "bar" }, {}, { [ISSUER]: 1 }),
        certificateRefs: fc.constantFrom([{ name: "c" }], [], [{ name: "c", kind: "Secret", group: "" }]),
      },
      { requiredKeys: [] },
    ),
    allowedRoutes: fc.constantFrom({ namespaces: { from: "All" } }, { kinds: [{ kind: "HTTPRoute" }] }, { namespaces: { from: "Nowhere" } }, {}),
  },
  { requiredKeys: ["name", "port", "protocol"] },
);

const validListener = fc.constantFrom(
  { name: "www-http", port: 80, protocol: "HTTP", hostname: "www.example.com" },
  { name: "www-https", port: 443, protocol: "HTTPS", hostname: "www.example.com", tls: { options: { [ISSUER]: "auto" } } },
  { name: "default-http", port: 80, protocol: "HTTP" },
  { name: "default-https", port: 443, protocol: "HTTPS", tls: { mode: "Terminate", options: { [ISSUER]: "auto" } }, allowedRoutes: { namespaces: { from: "Same" } } },
);

const listener = fc.oneof({ arbitrary: validListener, weight: 4 }, { arbitrary: hostileListener, weight: 1 });

/** Mostly absent: each optional field below breaks a Gateway more often than not. */
const rare = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 6 });

const gateway = fc
  .record(
    {
      gatewayClassName: fc.constantFrom("datum-external-global-proxy", "datum-external-global-proxy", ""),
      listeners: fc.array(listener, { minLength: 1, maxLength: 3 }),
      addresses: rare(fc.constantFrom([{ value: "192.0.2.1" }], [{ value: "not-an-ip" }], [{ type: "Hostname", value: "a.com" }, { type: "Hostname", value: "a.com" }], [{ type: "Hostname", value: "A.com" }])),
      infrastructure: rare(fc.constantFrom({ labels: { a: "b" } }, { annotations: { "bad key!": "x" } }, { labels: { a: 1 } })),
      tls: rare(fc.constantFrom({ frontend: { default: { validation: { caCertificateRefs: [{ group: "", kind: "ConfigMap", name: "ca" }] } } } }, { frontend: {} })),
    },
    { requiredKeys: ["gatewayClassName", "listeners", "addresses", "infrastructure", "tls"] },
  )
  .map((spec) => ({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name: "web" }, spec: JSON.parse(JSON.stringify(spec)) as Record<string, unknown> }));

let cp: ControlPlane;
let ns: string;

beforeAll(async () => {
  cp = await getControlPlane();
  ns = await cp.newNamespace("gw-crd");
});

describe("Gateway CRD layer vs kube-apiserver", () => {
  it("reports the same errors for generated Gateways", async () => {
    const samples = fc.sample(gateway, { numRuns: 250, seed: 4242 });
    let rejected = 0;
    for (const obj of samples) {
      const ours = ourCrdErrors(obj);
      const theirs = await serverCrdErrors(cp, ns, obj);
      if (theirs.length > 0) rejected++;
      expect(ours, JSON.stringify(obj.spec)).toEqual(theirs);
    }
    // The generator must exercise both verdicts.
    expect(rejected).toBeGreaterThan(25);
    expect(rejected).toBeLessThan(samples.length);
  });
});
