import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../provider/cli/main";
import { DEFAULT_GUARDRAIL_CONFIG } from "../../provider/core/config";
import { UNKNOWN } from "../../provider/core/unknown";
import { validate } from "../../provider/core/validate";
import { checkInputs } from "../../provider/lifecycle/check";
import { kindByToken } from "../../provider/lifecycle/kinds";
import { memoryIO } from "../cli/memory-io";

/**
 * Strict inputs: a field no schema declares is an error with its path, as the API server's strict
 * field validation reports it (`unknown field "spec.rules[0].timeouts"`), never a silent drop —
 * in core, in Pulumi Check and in the CLI (with file and line).
 */

const proxy = (rule: Record<string, unknown>, meta: Record<string, unknown> = {}) => ({
  apiVersion: "networking.datumapis.com/v1alpha",
  kind: "HTTPProxy",
  metadata: { name: "shop", ...meta },
  spec: { rules: [rule] },
});

const unknownFields = (o: unknown) => validate(o).errors.filter((e) => e.type === "UnknownField");

describe("unknown fields", () => {
  it("names rules[0].timeouts and backends[0].weight of an HTTPProxy, as the API server words it", () => {
    const r = validate(proxy({ timeouts: { request: "10s" }, backends: [{ endpoint: "https://api.example.com", weight: 5 }] }));
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => [e.field, e.type])).toEqual([
      ["spec.rules[0].timeouts", "UnknownField"],
      ["spec.rules[0].backends[0].weight", "UnknownField"],
    ]);
    expect(r.errors[0]?.message).toMatch(/^unknown field "spec\.rules\[0\]\.timeouts": HTTPProxy has no such field .*remove it or correct its name$/);
  });

  it("finds them in metadata, at the top level and below map and list entries", () => {
    const o = { ...proxy({ backends: [{ endpoint: "https://a.example.com", filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "a", value: "b", tpye: "x" }] } }] }] }, { lables: { a: "b" } }), extra: 1 };
    expect(unknownFields(o).map((e) => e.field)).toEqual([
      "metadata.lables",
      "spec.rules[0].backends[0].filters[0].requestHeaderModifier.set[0].tpye",
      "extra",
    ]);
  });

  it("writes a name that is no plain word as [name], and one with brackets at its object", () => {
    const errs = unknownFields(proxy({ "a.b": 1, "x]": 2, backends: [{ endpoint: "https://a.example.com" }] }));
    expect(errs.map((e) => e.field)).toEqual(["spec.rules[0][a.b]", "spec.rules[0]"]);
    expect(errs[1]?.message).toContain('unknown field "spec.rules[0].x]"');
  });

  it("keeps NSO's own messages next to the unknown field", () => {
    const r = validate(proxy({ backends: [{ endpoint: "https://api.example.com/api", wieght: 1 }] }));
    expect(r.errors.map((e) => e.type).sort()).toEqual(["Invalid", "UnknownField"]);
    expect(r.errors.find((e) => e.type === "Invalid")?.message).toContain("endpoint must not have a path component");
  });

  it("is an error even when the unknown field's value is not known yet (preview)", () => {
    const r = validate(proxy({ timeouts: UNKNOWN, backends: [{ endpoint: "https://a.example.com" }] }));
    expect(r.errors.map((e) => e.field)).toEqual(["spec.rules[0].timeouts"]);
    expect(r.deferred).toEqual([]);
  });

  it("reports nothing below a value of the wrong type (its type error names it)", () => {
    const r = validate(proxy({ backends: [{ endpoint: { host: "a" } }] }));
    expect(r.errors.map((e) => e.type)).toEqual(["Invalid"]);
  });

  it("allows anything under x-kubernetes-preserve-unknown-fields, and every field of the policy kinds' CRDs", () => {
    const btp = {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "BackendTrafficPolicy",
      metadata: { name: "p" },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "r" }],
        loadBalancer: { type: "DynamicModule", dynamicModule: { name: "m", lbPolicyName: "p", config: { any: { thing: [1] } } } },
        connection: { bufferLimit: "256Ki" },
        requestBuffer: { limit: "1Ki" },
      },
    };
    expect(unknownFields(btp)).toEqual([]);
    const withTypo = { ...btp, spec: { ...btp.spec, connection: { bufferLimit: "256Ki", bufferLimt: "1Ki" } } };
    expect(unknownFields(withTypo).map((e) => e.field)).toEqual(["spec.connection.bufferLimt"]);
    expect(unknownFields(withTypo)[0]?.message).toContain("BackendTrafficPolicy has no such field");
  });

  it("SecurityPolicy extAuth is refused by NSO (S19), not reported field by field", () => {
    const sp = {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "SecurityPolicy",
      metadata: { name: "p" },
      spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "r" }], extAuth: { http: { backendRefs: [{ name: "a" }] }, failOpen: true } },
    };
    const r = validate(sp);
    expect(r.errors.map((e) => [e.field, e.type])).toEqual([["spec.extAuth", "Forbidden"]]);
  });

  it("fails Pulumi Check with the property and the path", () => {
    const kind = kindByToken("datum:networking:HTTPProxy");
    if (!kind) throw new Error("no HTTPProxy kind");
    const res = checkInputs(kind, undefined, { spec: { rules: [{ timeouts: { request: "1s" }, backends: [{ endpoint: "https://a.example.com" }] }] } }, { urnName: "shop", defaultNamespace: "default", config: DEFAULT_GUARDRAIL_CONFIG });
    expect(res.failures).toEqual([{ property: "spec.rules[0].timeouts", reason: expect.stringContaining('unknown field "spec.rules[0].timeouts"') }]);
  });

  it("fails the CLI's validate and render with file and line", async () => {
    const text = `apiVersion: networking.datumapis.com/v1alpha
kind: HTTPProxy
metadata: {name: shop}
spec:
  rules:
    - backends:
        - endpoint: https://api.example.com
          weight: 5
`;
    const v = memoryIO({ "p.yaml": text });
    expect(await main(["validate", "p.yaml"], v)).toBe(1);
    expect(v.out).toContain('p.yaml:8: spec.rules[0].backends[0].weight: unknown field "spec.rules[0].backends[0].weight"');
    const r = memoryIO({ "p.yaml": text });
    expect(await main(["render", "p.yaml"], r)).not.toBe(0);
    expect(r.out + r.err).toContain('p.yaml:8: spec.rules[0].backends[0].weight: unknown field "spec.rules[0].backends[0].weight"');
  });

  it("schema.json says so: the spec types of HTTPProxy, Domain and TrafficProtectionPolicy are closed", () => {
    const schema = JSON.parse(readFileSync(resolve(__dirname, "../../schema.json"), "utf8")) as { types: Record<string, { additionalProperties?: unknown }> };
    for (const t of ["datum:networking:HTTPProxySpec", "datum:networking:HTTPProxyRule", "datum:networking:HTTPProxyRuleBackend", "datum:networking:HTTPProxyRuleBackendTLS", "datum:gatewayapi:HTTPRouteFilter", "datum:networking:DomainSpec", "datum:policy:TrafficProtectionPolicySpec", "datum:meta:ObjectMeta"]) {
      expect(schema.types[t]?.additionalProperties, t).toBe(false);
    }
  });
});
