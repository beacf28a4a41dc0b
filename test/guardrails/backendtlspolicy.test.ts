import { describe, expect, it } from "vitest";
import { admitted, object, rejected } from "./policy-helpers";

const policy = (targetRefs: unknown, validation: Record<string, unknown> = { hostname: "origin.example.com", wellKnownCACertificates: "System" }, apiVersion = "gateway.networking.k8s.io/v1") =>
  object("BackendTLSPolicy", apiVersion, { targetRefs, validation });
const backendRef = { group: "gateway.envoyproxy.io", kind: "Backend", name: "origin" };

describe("BackendTLSPolicy", () => {
  it("T1/T2: targets Envoy Gateway Backends only", () => {
    admitted(policy([backendRef]));
    expect(rejected(policy([backendRef, { group: "gateway.envoyproxy.io", kind: "Service", name: "s" }]))).toEqual([
      'spec.targetRefs[1].kind: Unsupported value: "Service": supported values: "Backend"',
    ]);
    expect(rejected(policy([{ group: "", kind: "Backend", name: "s" }]))).toEqual([
      'spec.targetRefs[0].group: Unsupported value: "": supported values: "gateway.envoyproxy.io"',
    ]);
  });

  it("is checked the same way through the still-served v1alpha3", () => {
    expect(rejected(policy([{ group: "", kind: "Service", name: "s" }], undefined, "gateway.networking.k8s.io/v1alpha3"))).toHaveLength(2);
  });

  it("needs exactly one CA source", () => {
    expect(rejected(policy([backendRef], { hostname: "origin.example.com" }))).toEqual([
      "spec.validation: Invalid value: must specify either CACertificateRefs or WellKnownCACertificates",
    ]);
    expect(
      rejected(policy([backendRef], { hostname: "origin.example.com", wellKnownCACertificates: "System", caCertificateRefs: [{ group: "", kind: "ConfigMap", name: "ca" }] })),
    ).toEqual(["spec.validation: Invalid value: must not contain both CACertificateRefs and WellKnownCACertificates"]);
  });

  it("needs sectionName to tell two references to one target apart", () => {
    expect(rejected(policy([backendRef, backendRef]))).toEqual([
      "spec.targetRefs: Invalid value: sectionName must be unique when targetRefs includes 2 or more references to the same target",
    ]);
    admitted(policy([{ ...backendRef, sectionName: "a" }, { ...backendRef, sectionName: "b" }]));
  });

  it("requires targetRefs and validation", () => {
    expect(rejected(object("BackendTLSPolicy", "gateway.networking.k8s.io/v1", {}))).toEqual(["spec.targetRefs: Required value", "spec.validation: Required value"]);
  });
});
