import { describe, expect, it } from "vitest";
import { admitted, DATUM, list, object, rejected } from "./policy-helpers";

const GATEWAY = { group: "gateway.networking.k8s.io", kind: "Gateway", name: "app" };
const tpp = (spec: Record<string, unknown>) => object("TrafficProtectionPolicy", DATUM, { targetRefs: [GATEWAY], ...spec });
const crs = (owaspCoreRuleSet: Record<string, unknown>) => tpp({ ruleSets: [{ type: "OWASPCoreRuleSet", owaspCoreRuleSet }] });

describe("TrafficProtectionPolicy (CRD only)", () => {
  it("applies every default", () => {
    const r = admitted(tpp({}));
    expect(r.object).toMatchObject({
      spec: {
        mode: "Observe",
        samplingPercentage: 100,
        ruleSets: [{ type: "OWASPCoreRuleSet", owaspCoreRuleSet: { paranoiaLevels: { blocking: 1, detection: 1 }, scoreThresholds: { inbound: 5, outbound: 4 } } }],
      },
    });
  });

  it("has no webhook: updates are checked by the CRD alone, spec change or not", () => {
    const stored = tpp({ samplingPercentage: 0 });
    expect(rejected(stored, { operation: "UPDATE", oldObject: stored })).toEqual([
      "spec.samplingPercentage: Invalid value: 0: spec.samplingPercentage in body should be greater than or equal to 1",
    ]);
  });

  it("P1: at least one target", () => {
    expect(rejected(tpp({ targetRefs: [] }))).toEqual(["spec.targetRefs: Invalid value: 0: spec.targetRefs in body should have at least 1 items"]);
  });

  it("P2/P3: Gateway API Gateways and HTTPRoutes only, reported at spec", () => {
    expect(rejected(tpp({ targetRefs: [GATEWAY, { group: "", kind: "Service", name: "s" }] }))).toEqual([
      "spec: Invalid value: this policy can only have a targetRefs[*].group of gateway.networking.k8s.io",
      "spec: Invalid value: this policy can only have a targetRefs[*].kind of Gateway/HTTPRoute",
    ]);
  });

  it("P4: target reference syntax", () => {
    expect(rejected(tpp({ targetRefs: [{ ...GATEWAY, sectionName: "Bad_Name" }] }))[0]).toContain("spec.targetRefs[0].sectionName in body should match");
    expect(rejected(tpp({ targetRefs: [{ ...GATEWAY, name: "n".repeat(254) }] }))).toEqual(["spec.targetRefs[0].name: Too long: may not be more than 253 bytes"]);
  });

  it("P5: mode enum (a NotSupported also silences CEL)", () => {
    expect(rejected(tpp({ mode: "Block", targetRefs: [{ ...GATEWAY, group: "x" }] }))).toEqual([
      'spec.mode: Unsupported value: "Block": supported values: "Observe", "Enforce", "Disabled"',
    ]);
  });

  it("P6: sampling percentage range", () => {
    admitted(tpp({ samplingPercentage: 1 }));
    admitted(tpp({ samplingPercentage: 100 }));
  });

  it("P7/P8: 1..16 rule sets keyed by type", () => {
    expect(rejected(tpp({ ruleSets: [] }))).toEqual(["spec.ruleSets: Invalid value: 0: spec.ruleSets in body should have at least 1 items"]);
  });

  it("P10/P11: paranoia levels and their order (detection defaults to 1)", () => {
    admitted(crs({ paranoiaLevels: { blocking: 4, detection: 4 } }));
    expect(rejected(crs({ paranoiaLevels: { blocking: 0 } }))).toEqual([
      "spec.ruleSets[0].owaspCoreRuleSet.paranoiaLevels.blocking: Invalid value: 0: spec.ruleSets[0].owaspCoreRuleSet.paranoiaLevels.blocking in body should be greater than or equal to 1",
    ]);
    expect(rejected(crs({ paranoiaLevels: { blocking: 3, detection: 2 } }))).toEqual([
      "spec.ruleSets[0].owaspCoreRuleSet.paranoiaLevels: Invalid value: detection paranoia level must be greater than or equal to blocking paranoia level",
    ]);
  });

  it("P12: anomaly thresholds", () => {
    admitted(crs({ scoreThresholds: { inbound: 10000, outbound: 1 } }));
  });

  it("P13–P15: exclusions", () => {
    admitted(crs({ ruleExclusions: { tags: list(100, (i) => `a/b_${i}`), ids: [1, 2], idRanges: ["1-2", "9999999998-9999999999"] } }));
    expect(rejected(crs({ ruleExclusions: { idRanges: list(101, () => "1-2") } }))).toEqual([
      "spec.ruleSets[0].owaspCoreRuleSet.ruleExclusions.idRanges: Too many: 101: must have at most 100 items",
    ]);
    expect(rejected(crs({ ruleExclusions: { idRanges: ["5-5"] } }))).toEqual([
      "spec.ruleSets[0].owaspCoreRuleSet.ruleExclusions.idRanges[0]: Invalid value: Max must be greater than min",
    ]);
    const long = rejected(crs({ ruleExclusions: { idRanges: ["12345678901-1"] } }));
    expect(long[0]).toContain("should match '^\\d{1,10}-\\d{1,10}$'");
  });
});
