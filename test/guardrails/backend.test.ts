import { describe, expect, it } from "vitest";
import { admitted, EG, object, rejected } from "./policy-helpers";

const backend = (spec: Record<string, unknown>) => object("Backend", EG, spec);
const ip = (address: string) => backend({ endpoints: [{ ip: { address, port: 443 } }] });
const fqdn = (hostname: string) => backend({ endpoints: [{ fqdn: { hostname, port: 443 } }] });

describe("Backend", () => {
  it("E1: only Endpoints backends (the default)", () => {
    const r = admitted(fqdn("origin.example.com"));
    expect(r.object).toMatchObject({ spec: { type: "Endpoints" } });
    expect(rejected(backend({ type: "DynamicResolver" }))).toEqual(['spec.type: Unsupported value: "DynamicResolver": supported values: "Endpoints"']);
  });

  it("E2: no unix sockets", () => {
    expect(rejected(backend({ endpoints: [{ fqdn: { hostname: "a.example.com", port: 1 } }, { unix: { path: "/run/x.sock" } }] }))).toEqual([
      "spec.endpoints: Invalid value: fqdn addresses cannot be mixed with other address types",
    ]);
    expect(rejected(backend({ endpoints: [{ ip: { address: "10.0.0.1", port: 1 } }, { unix: { path: "/run/x.sock" } }] }))).toEqual([
      "spec.endpoints[1].unix: Forbidden: unix endpoints are not permitted",
    ]);
  });

  it("E3: IP endpoints outside the platform; private ranges allowed", () => {
    admitted(ip("10.1.2.3"));
    admitted(ip("192.168.0.1"));
    admitted(ip("224.0.1.1"));
    expect(rejected(ip("127.0.0.2"))).toEqual(['spec.endpoints[0].ip.address: Invalid value: "127.0.0.2": may not be in the loopback range (127.0.0.0/8, ::1/128)']);
    expect(rejected(ip("fe80::1"))).toEqual(['spec.endpoints[0].ip.address: Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, fe80::/10)']);
    expect(rejected(ip("0:0:0:0:0:0:0:0"))).toEqual(['spec.endpoints[0].ip.address: Invalid value: "0:0:0:0:0:0:0:0": may not be unspecified (0:0:0:0:0:0:0:0)']);
    // "::" is shorter than the CRD's 3-character minimum, so the CRD answers first.
    expect(rejected(ip("::"))).toEqual(['spec.endpoints[0].ip.address: Invalid value: "::": spec.endpoints[0].ip.address in body should be at least 3 chars long']);
  });

  it("rejects what the CRD's IP pattern rejects before the webhook (e.g. ::1)", () => {
    expect(rejected(ip("::1"))[0]).toContain("spec.endpoints[0].ip.address in body should match");
    expect(rejected(ip("1.2.3"))[0]).toContain("should match");
  });

  it("E4: FQDN endpoints need two labels", () => {
    expect(rejected(fqdn("localhost"))).toEqual([
      'spec.endpoints[0].fqdn.hostname: Invalid value: "localhost": should be a domain with at least two segments separated by dots',
    ]);
    expect(rejected(fqdn("Origin.example.com"))[0]).toContain("spec.endpoints[0].fqdn.hostname in body should match");
  });

  it("needs exactly one address kind per endpoint", () => {
    expect(rejected(backend({ endpoints: [{ zone: "a" }] }))).toEqual([
      "spec.endpoints[0]: Invalid value: one of fqdn, ip or unix must be specified",
      "spec.endpoints[0]: Invalid value: only one of fqdn, ip or unix can be specified",
    ]);
    expect(rejected(backend({ endpoints: [{ ip: { address: "10.0.0.1", port: 1 }, unix: { path: "/x" } }] }))).toEqual([
      "spec.endpoints[0]: Invalid value: only one of fqdn, ip or unix can be specified",
    ]);
  });

  it("checks TLS settings", () => {
    expect(rejected(backend({ endpoints: [{ ip: { address: "10.0.0.1", port: 443 } }], tls: { wellKnownCACertificates: "System", insecureSkipVerify: true } }))).toEqual([
      "spec.tls: Invalid value: must not contain either CACertificateRefs or WellKnownCACertificates when InsecureSkipVerify is enabled",
    ]);
    expect(rejected(backend({ endpoints: [{ ip: { address: "10.0.0.1", port: 443 } }], tls: { maxVersion: "1.1" } }))).toEqual([
      "spec.tls: Invalid value: minVersion must be smaller or equal to maxVersion",
    ]);
  });
});
