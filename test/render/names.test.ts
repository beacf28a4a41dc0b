import { describe, expect, it } from "vitest";
import { sourceLabels } from "../../provider/core/render";
import {
  backendResourceName,
  isValidLabelValue,
  labelValue,
  listenerCertificateName,
  truncateWithHash,
} from "../../provider/core/render/names";
import { isDNS1123Label } from "../../provider/core/validation/names";

/** NSO's guard: prefix, "-", MD5 hex (32) — only for names over the limit. */
describe("length guards", () => {
  it("keeps a name of exactly the limit and hashes one byte more", () => {
    const at = "a".repeat(253);
    expect(truncateWithHash(at, 253)).toBe(at);
    const over = "a".repeat(254);
    const guarded = truncateWithHash(over, 253);
    expect(guarded).toHaveLength(253);
    expect(guarded).toMatch(/^a{220}-[0-9a-f]{32}$/);
    // Different long names stay distinct after truncation.
    expect(truncateWithHash(`${"a".repeat(253)}b`, 253)).not.toBe(guarded);
  });

  it("guards Service names at 63 and keeps them DNS-1035 labels", () => {
    expect(backendResourceName("app", 3, 0)).toBe("route-app-rule-3-backendref-0");
    const longProxy = `p${"x".repeat(62)}`;
    const name = backendResourceName(longProxy, 15, 0);
    expect(name).toHaveLength(63);
    expect(isDNS1123Label(name)).toBe(true);
    expect(name).toMatch(/^route-/);
    expect(backendResourceName(longProxy, 14, 0)).not.toBe(name);
    // The boundary: 63 characters exactly is kept as is.
    const fits = "a".repeat(63 - "route--rule-1-backendref-0".length);
    expect(backendResourceName(fits, 1, 0)).toBe(`route-${fits}-rule-1-backendref-0`);
    expect(backendResourceName(`${fits}b`, 1, 0)).toHaveLength(63);
    expect(backendResourceName(`${fits}b`, 1, 0)).not.toContain("rule-1-backendref");
  });

  it("names listener certificates <gateway>-<listener>", () => {
    expect(listenerCertificateName("shop", "https-hostname-2")).toBe("shop-https-hostname-2");
    expect(listenerCertificateName("g".repeat(240), "https-hostname-15")).toHaveLength(253);
  });
});

describe("label values", () => {
  it("keeps valid values up to 63 characters", () => {
    const v = `a${"b".repeat(61)}c`;
    expect(labelValue(v)).toBe(v);
    expect(labelValue("my.policy_name-1")).toBe("my.policy_name-1");
  });

  it("truncates longer values with a hash and keeps them valid", () => {
    const long = `${"a".repeat(63)}b`;
    const v = labelValue(long);
    expect(v).toHaveLength(63);
    expect(v).toMatch(/^a{30}-[0-9a-f]{32}$/);
    expect(isValidLabelValue(v)).toBe(true);
    const policyName = `${"policy.".repeat(30)}end`;
    expect(isValidLabelValue(labelValue(policyName))).toBe(true);
  });

  it("hashes values that are not label values at all", () => {
    expect(labelValue("-bad-")).toMatch(/^[0-9a-f]{32}$/);
  });

  it("labels the source; long policy names stay selectable", () => {
    const name = "x".repeat(200);
    const labels = sourceLabels({ kind: "SecurityPolicy", namespace: "team", name });
    expect(labels).toEqual({
      "pulumi-datum.io/source-kind": "SecurityPolicy",
      "pulumi-datum.io/source-namespace": "team",
      "pulumi-datum.io/source-name": labelValue(name),
    });
    expect(sourceLabels({ kind: "SecurityPolicy", namespace: "team", name })).toEqual(labels);
  });
});
