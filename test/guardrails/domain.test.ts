import { describe, expect, it } from "vitest";
import { parseDateTime } from "../../provider/core/guardrails/domain";
import { admitted, check, DATUM, object, rejected } from "./policy-helpers";

const domain = (spec: Record<string, unknown>, name = "example-com", namespace = "default") => ({
  ...object("Domain", DATUM, spec, name),
  metadata: { name, namespace },
});
const proxy = (hostnames: string[], namespace = "default", status?: Record<string, unknown>) => ({
  apiVersion: DATUM,
  kind: "HTTPProxy",
  metadata: { name: "p", namespace },
  spec: { hostnames, rules: [] },
  ...(status && { status }),
});

describe("Domain CRD", () => {
  it("D2/D3/D4: length, syntax and two labels", () => {
    // The string validator stops at its first failure (length before pattern); CEL still runs.
    expect(rejected(domain({ domainName: "" }))).toEqual([
      'spec.domainName: Invalid value: "": spec.domainName in body should be at least 1 chars long',
      "spec.domainName: Invalid value: Must have at least two segments separated by dots",
    ]);
    expect(rejected(domain({ domainName: "EXAMPLE" }))).toEqual([
      "spec.domainName: Invalid value: \"EXAMPLE\": spec.domainName in body should match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$'",
      "spec.domainName: Invalid value: Must have at least two segments separated by dots",
    ]);
    expect(rejected(domain({ domainName: "example.com." }))[0]).toContain("should match");
    admitted(domain({ domainName: "192.0.2.10" }));
  });

  it("D5: the name is immutable", () => {
    const old = domain({ domainName: "example.com" });
    admitted(domain({ domainName: "example.com", desiredVerificationRefreshAttempt: "2025-01-01T00:00:00Z" }), { operation: "UPDATE", oldObject: old });
    expect(rejected(domain({ domainName: "example.net" }), { operation: "UPDATE", oldObject: old })).toEqual([
      "spec.domainName: Invalid value: A domain name is immutable and cannot be changed after creation",
    ]);
    // Creation has no stored object to compare with.
    admitted(domain({ domainName: "example.net" }));
  });

  it("D6: refresh requests at least 5m apart, compared as timestamps", () => {
    const old = domain({ domainName: "example.com", desiredRegistrationRefreshAttempt: "2025-06-01T10:00:00Z" });
    const at = (t: string | undefined) => domain({ domainName: "example.com", ...(t !== undefined && { desiredRegistrationRefreshAttempt: t }) });
    const update = { operation: "UPDATE" as const, oldObject: old };
    admitted(at("2025-06-01T10:05:00Z"), update);
    admitted(at("2025-06-01T12:00:00+02:00"), update); // the stored instant, written differently: unchanged
    admitted(at(undefined), update);
    expect(rejected(at("2025-06-01T10:04:59.999Z"), update)).toEqual([
      "spec.desiredRegistrationRefreshAttempt: Invalid value: must be at least 5m after the previous desiredRegistrationRefreshAttempt when changed",
    ]);
    expect(rejected(at("2025-06-01T09:00:00Z"), update)).toHaveLength(1);
  });

  it("checks the date-time format", () => {
    expect(rejected(domain({ domainName: "example.com", desiredVerificationRefreshAttempt: "tomorrow" }))).toEqual([
      'spec.desiredVerificationRefreshAttempt: Invalid value: "tomorrow": spec.desiredVerificationRefreshAttempt in body must be of type date-time: "tomorrow"',
    ]);
    expect(parseDateTime("2025-02-29T00:00:00Z")).toBeUndefined();
    expect(parseDateTime("2024-02-29t00:00:00.5z")).toBe(1_709_164_800_500_000_000n);
    expect(parseDateTime("1970-01-01T01:00:00+01:00")).toBe(0n);
  });
});

describe("Domain webhook", () => {
  const existing = [domain({ domainName: "Example.COM." }, "other")];

  it("D7: one Domain per name per namespace, compared normalised (HTTP 409, no field)", () => {
    const r = check(domain({ domainName: "example.com" }), { existing });
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([{ field: "", type: "Conflict", message: 'Conflict: domain resource with .spec.domainName "example.com" already exists' }]);
    admitted(domain({ domainName: "example.com" }, "example-com", "team-b"), { existing });
    admitted(domain({ domainName: "www.example.com" }), { existing });
  });

  it("has no update webhook", () => {
    const old = domain({ domainName: "example.com" });
    admitted({ ...old, metadata: { name: "example-com", namespace: "default", labels: { a: "b" } } }, { operation: "UPDATE", oldObject: old, existing });
  });

  it("D8: cannot delete while an HTTPProxy in the namespace uses a covered hostname (HTTP 403)", () => {
    const d = domain({ domainName: "example.com" });
    const del = (ex: unknown[]) => check(d, { operation: "DELETE", existing: ex });
    expect(del([proxy(["example.com"])]).errors).toEqual([{ field: "", type: "Forbidden", message: "Forbidden: cannot delete Domain while in use by an HTTPProxy" }]);
    expect(del([proxy(["a.b.EXAMPLE.com."])]).valid).toBe(false);
    expect(del([proxy([], "default", { hostnames: ["www.example.com"] })]).valid).toBe(false);
    expect(del([proxy(["notexample.com", "example.com.evil.net"])]).valid).toBe(true);
    expect(del([proxy(["www.example.com"], "elsewhere")]).valid).toBe(true);
  });

  it("D9: cannot delete while a DNSZone points at it by name", () => {
    const d = domain({ domainName: "example.com" });
    const zone = (ref: string) => ({ apiVersion: "dns.networking.miloapis.com/v1alpha1", kind: "DNSZone", metadata: { name: "z", namespace: "default" }, status: { domainRef: { name: ref } } });
    expect(check(d, { operation: "DELETE", existing: [zone("example-com")] }).errors).toEqual([
      { field: "", type: "Forbidden", message: "Forbidden: cannot delete Domain while in use by a DNSZone" },
    ]);
    expect(check(d, { operation: "DELETE", existing: [zone("other")] }).valid).toBe(true);
  });
});
