import { describe, expect, it } from "vitest";
import { canonicalHostname } from "../../provider/core/render";
import { canonicalLabel } from "../../provider/core/render/hostname";
import { ADJECTIVES, NOUNS } from "../../provider/core/render/words";
import { UNKNOWN } from "../../provider/core/unknown";

describe("canonical hostname", () => {
  it("is <adjective>-<noun>-<5 chars>.<targetDomain>", () => {
    const h = canonicalHostname("default", "shop", "datum.local");
    const m = /^([a-z]+)-([a-z]+)-([bcdfghjkmnpqrstvwxz2-9]{5})\.datum\.local$/.exec(h);
    expect(m).not.toBeNull();
    expect(ADJECTIVES).toContain(m?.[1]);
    expect(NOUNS).toContain(m?.[2]);
  });

  it("is pinned: changing the derivation or the word lists renames every proxy", () => {
    expect(canonicalHostname("default", "shop", "datum.local")).toBe("joyful-rain-485cr.datum.local");
  });

  it("depends on namespace and name only, not on when or where it is computed", () => {
    expect(canonicalLabel("default", "shop")).toBe(canonicalLabel("default", "shop"));
    expect(canonicalLabel("default", "shop")).not.toBe(canonicalLabel("other", "shop"));
    expect(canonicalLabel("default", "shop")).not.toBe(canonicalLabel("default", "shop2"));
    expect(canonicalHostname("a", "b", "x.example")).toBe(`${canonicalLabel("a", "b")}.x.example`);
  });

  it("spreads: 2000 names give (almost) 2000 labels", () => {
    const labels = new Set(Array.from({ length: 2000 }, (_, i) => canonicalLabel("ns", `proxy-${i}`)));
    expect(labels.size).toBeGreaterThan(1995);
  });

  it("is unknown while the name is unknown", () => {
    expect(canonicalHostname("default", UNKNOWN, "datum.local")).toBe(UNKNOWN);
  });

  it("word lists have 256 distinct short lowercase words each", () => {
    for (const list of [ADJECTIVES, NOUNS]) {
      expect(list).toHaveLength(256);
      expect(new Set(list).size).toBe(256);
      for (const w of list) expect(w).toMatch(/^[a-z]{3,8}$/);
    }
  });
});
