import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { DEFAULT_GUARDRAIL_CONFIG } from "../../provider/core/config";
import { validate, validateForApply } from "../../provider/core/validate";
import { checkInputs } from "../../provider/lifecycle/check";
import { kindByToken } from "../../provider/lifecycle/kinds";
import { memoryIO } from "../cli/memory-io";

/**
 * What NSO admits but cannot program (the API server refuses the generated HTTPRoute) is invalid
 * for `validate` and Check (preview) too, so a PR check that runs `validate` fails where `up` would.
 */

const extensionRef = (i: number) => ({ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: `f${i}` } });
const proxy = (rule: Record<string, unknown>) => ({ apiVersion: "networking.datumapis.com/v1alpha", kind: "HTTPProxy", metadata: { name: "shop" }, spec: { rules: [rule] } });

describe("validate agrees with up", () => {
  it("an endpoint host with a trailing dot: NSO admits it, the HTTPRoute's urlRewrite.hostname refuses it", () => {
    const r = validateForApply(proxy({ backends: [{ endpoint: "https://a.example.com." }] }));
    expect(r.valid).toBe(false);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ field: "spec.rules[0].backends[0].endpoint[host]", type: "Invalid" });
    expect(r.errors[0]?.message).toContain('Invalid value: "a.example.com.": becomes the generated HTTPRoute\'s urlRewrite.hostname');
    expect(r.errors[0]?.message).toContain('write the host as "a.example.com"');
    expect(r.errors[0]?.message).toContain("NSO admits this HTTPProxy but then fails to program it");
    expect(validateForApply(proxy({ backends: [{ endpoint: "https://a.example.com" }] })).valid).toBe(true);
  });

  it("16 ExtensionRef filters become 17 with the Host rewrite: refused; 15 are fine", () => {
    const r = validateForApply(proxy({ filters: Array.from({ length: 16 }, (_, i) => extensionRef(i)), backends: [{ endpoint: "https://a.example.com" }] }));
    expect(r.errors.map((e) => [e.field, e.type])).toEqual([["spec.rules[0].filters", "TooMany"]]);
    expect(r.errors[0]?.message).toContain("NSO admits this HTTPProxy but then fails to program it");
    expect(validateForApply(proxy({ filters: Array.from({ length: 15 }, (_, i) => extensionRef(i)), backends: [{ endpoint: "https://a.example.com" }] })).valid).toBe(true);
  });

  it("NSO's own verdict (validate, the conformance vectors) stays: it admits both", () => {
    expect(validate(proxy({ backends: [{ endpoint: "https://a.example.com." }] })).valid).toBe(true);
    expect(validate(proxy({ filters: Array.from({ length: 16 }, (_, i) => extensionRef(i)), backends: [{ endpoint: "https://a.example.com" }] })).valid).toBe(true);
  });

  it("fails Pulumi Check (preview) with the property", () => {
    const kind = kindByToken("datum:networking:HTTPProxy");
    if (!kind) throw new Error("no HTTPProxy kind");
    const res = checkInputs(kind, undefined, { spec: { rules: [{ backends: [{ endpoint: "https://a.example.com." }] }] } }, { urnName: "shop", defaultNamespace: "default", config: DEFAULT_GUARDRAIL_CONFIG });
    expect(res.failures).toEqual([{ property: "spec.rules[0].backends[0].endpoint", reason: expect.stringContaining("NSO admits this HTTPProxy but then fails to program it") }]);
  });

  it("fails the CLI's validate with file and line", async () => {
    const io = memoryIO({ "p.yaml": "apiVersion: networking.datumapis.com/v1alpha\nkind: HTTPProxy\nmetadata: {name: shop}\nspec:\n  rules:\n    - backends:\n        - endpoint: https://a.example.com.\n" });
    expect(await main(["validate", "p.yaml"], io)).toBe(1);
    expect(io.out).toContain('p.yaml:7: spec.rules[0].backends[0].endpoint[host]: Invalid value: "a.example.com."');
  });
});
