import { readFileSync } from "node:fs";
import { basename } from "node:path";
import * as yaml from "js-yaml";
import { describe, expect, it } from "vitest";
import { validate } from "../../provider/core/validate";
import { crdFiles } from "../infra/tools";

/**
 * Strict inputs must not refuse what the real CRDs declare: an object holding every field of the
 * installed Envoy Gateway / Gateway API CRDs (the versions NSO pins) has no unknown field.
 */

type Node = {
  type?: string;
  properties?: Record<string, Node>;
  items?: Node;
  additionalProperties?: Node | boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
};

/** A value with every declared field of `n` (one list item, one map entry), cut at a depth no CRD reaches. */
function everyField(n: Node | undefined, depth = 0): unknown {
  if (!n || depth > 40) return "x";
  if (n["x-kubernetes-int-or-string"]) return "1";
  if (n.properties || n.type === "object") {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n.properties ?? {})) o[k] = everyField(v, depth + 1);
    if (typeof n.additionalProperties === "object") o["k"] = everyField(n.additionalProperties, depth + 1);
    if (n["x-kubernetes-preserve-unknown-fields"]) o["anything"] = { at: "all" };
    return o;
  }
  if (n.type === "array") return [everyField(n.items, depth + 1)];
  if (n.type === "integer" || n.type === "number") return 1;
  if (n.type === "boolean") return true;
  return "x";
}

const KINDS = ["SecurityPolicy", "BackendTrafficPolicy", "HTTPRouteFilter", "Backend", "BackendTLSPolicy", "Gateway", "HTTPRoute"];

interface Crd {
  spec: { group: string; names: { kind: string }; versions: { name: string; storage: boolean; schema: { openAPIV3Schema: Node } }[] };
}

describe("unknown fields against the installed CRDs", () => {
  const crds = crdFiles()
    .map((f) => ({ file: basename(f), crd: yaml.load(readFileSync(f, "utf8")) as Crd }))
    .filter(({ crd }) => KINDS.includes(crd.spec.names.kind));

  it("finds every kind's CRD", () => {
    expect(crds.map(({ crd }) => crd.spec.names.kind).sort()).toEqual([...KINDS].sort());
  });

  it.each(KINDS)("%s: every field the CRD declares is known", (kind) => {
    const { crd } = crds.find((c) => c.crd.spec.names.kind === kind) ?? {};
    if (!crd) throw new Error(`no CRD for ${kind}`);
    const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
    if (!version) throw new Error(`${kind}: no version`);
    const spec = everyField(version.schema.openAPIV3Schema.properties?.["spec"]);
    const object = { apiVersion: `${crd.spec.group}/${version.name}`, kind, metadata: { name: "all" }, spec };
    expect(validate(object).errors.filter((e) => e.type === "UnknownField").map((e) => e.field)).toEqual([]);
  });
});
