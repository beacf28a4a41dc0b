import { describe, expect, it } from "vitest";
import { admitted, config, EG, object, rejected } from "./policy-helpers";

const filter = (spec: Record<string, unknown>) => object("HTTPRouteFilter", EG, spec);
const inline = (body: string) => filter({ directResponse: { statusCode: 503, body: { type: "Inline", inline: body } } });

describe("HTTPRouteFilter", () => {
  it("F1: caps the inline body in UTF-8 bytes, configurably", () => {
    admitted(inline("é".repeat(512)));
    expect(rejected(inline(`${"é".repeat(512)}x`))).toEqual(["spec.directResponse.body.inline: Too long: may not be more than 1024 bytes"]);
    const cfg = config({ "gateway.extensionAPIValidationOptions": { httpRouteFilters: { MaxInlineBodySize: 1 } } });
    admitted(inline("x"), { config: cfg });
    expect(rejected(inline("xy"), { config: cfg })).toEqual(["spec.directResponse.body.inline: Too long: may not be more than 1 byte"]);
  });

  it("defaults the body type to Inline, which then needs the inline text", () => {
    const r = admitted(filter({ directResponse: { body: { inline: "ok" } } }));
    expect(r.object).toMatchObject({ spec: { directResponse: { body: { type: "Inline", inline: "ok" } } } });
    expect(rejected(filter({ directResponse: { body: {} } }))).toEqual(["spec.directResponse.body: Invalid value: inline must be set for type Inline"]);
  });

  it("only takes bodies from ConfigMaps", () => {
    expect(rejected(filter({ directResponse: { body: { type: "ValueRef", valueRef: { group: "", kind: "Secret", name: "s" } } } }))).toEqual([
      "spec.directResponse.body: Invalid value: only ConfigMap is supported for ValueRef",
    ]);
  });

  it("needs replaceRegexMatch for a ReplaceRegexMatch rewrite", () => {
    expect(rejected(filter({ urlRewrite: { path: { type: "ReplaceRegexMatch" } } }))).toEqual([
      "spec.urlRewrite.path: Invalid value: If HTTPPathModifier type is ReplaceRegexMatch, replaceRegexMatch field needs to be set.",
    ]);
    expect(rejected(filter({ urlRewrite: { hostname: { type: "Header" } } }))).toEqual([
      "spec.urlRewrite.hostname: Invalid value: header must be specified for Header type",
    ]);
  });

  it("does not remove headers in a direct response", () => {
    expect(rejected(filter({ directResponse: { header: { remove: ["x"] } } }))).toEqual([
      "spec.directResponse.header: Invalid value: header.remove is not supported for DirectResponse",
    ]);
  });

  it("re-validates on a spec change only", () => {
    const stored = inline("y".repeat(2000));
    admitted({ ...stored, metadata: { name: "x", namespace: "default", labels: { a: "b" } } }, { operation: "UPDATE", oldObject: stored });
    expect(rejected(inline("z".repeat(2000)), { operation: "UPDATE", oldObject: stored })).toHaveLength(1);
  });
});
