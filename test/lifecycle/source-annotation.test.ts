// The source annotation without a cluster: credential header values never reach it (a keyed hash
// stands in), large sources are compressed so that they fit the API server's 256 KiB limit for all
// annotations of an object, old plain annotations stay readable, and drift never quotes a credential.
import { describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { isCredentialName, credentialValues } from "../../provider/core/credentials.ts";
import { lifecycles, resolveEngineSettings, RESOURCE_KINDS } from "../../provider/lifecycle/index.ts";
import { driftOf } from "../../provider/lifecycle/engine.ts";
import { SOURCE_ANNOTATION } from "../../provider/lifecycle/downstream.ts";
import { annotationSizeErrors, MAX_ANNOTATIONS_BYTES } from "../../provider/lifecycle/annotation-size.ts";
import {
  credentialMarker,
  decodeSourceAnnotation,
  encodeSourceAnnotation,
  isCredentialMarker,
  missingCredentialsMessage,
  restoreCredentials,
  sameCredential,
} from "../../provider/lifecycle/source-annotation.ts";
import { largeHTTPProxy } from "./large-proxy.ts";

const BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.sig-0123456789";
const COOKIE = "session=9f8e7d6c5b4a39281706";
const ID = "HTTPProxy/team/shop";

function engine() {
  const s = resolveEngineSettings({ guardrails: { gateway: { disableHostnameVerification: true } } });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  return lifecycles(s.settings).engine;
}
const HTTPPROXY = RESOURCE_KINDS.find((k) => k.kind === "HTTPProxy")!;

function proxy(headers: { name: string; value: string }[]) {
  return {
    apiVersion: HTTPPROXY.apiVersion,
    kind: "HTTPProxy",
    metadata: { name: "shop", namespace: "team" },
    spec: { rules: [{ name: "api", filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: headers } }], backends: [{ endpoint: "https://api.example.com" }] }] },
  };
}

describe("credential names", () => {
  it("are the well-known credential headers and any name that says token, secret, password or API key", () => {
    for (const n of ["Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-API-Key", "api-key", "X-Auth-Token", "X-Client-Secret", "X-DB-Password", "x-session-id"]) expect(isCredentialName(n), n).toBe(true);
    for (const n of ["X-Env", "Host", "Content-Type", "X-Request-Id", "Accept"]) expect(isCredentialName(n), n).toBe(false);
  });

  it("are found in every {name, value} entry of a source", () => {
    const found = credentialValues(proxy([{ name: "X-Env", value: "prod" }, { name: "Authorization", value: BEARER }]));
    expect(found).toEqual([{ path: ["spec", "rules", 0, "filters", 0, "requestHeaderModifier", "set", 1, "value"], name: "Authorization", value: BEARER }]);
  });
});

describe("a SecurityPolicy principal's credential header values", () => {
  const policy = { metadata: { name: "p", namespace: "team" }, spec: { authorization: { rules: [{ action: "Allow", principal: { headers: [{ name: "X-API-Key", values: ["key-one-5c2e", "key-two-9a7d"] }, { name: "X-Tenant", values: ["acme"] }] } }] } } };

  it("are credentials, kept out of the annotation and restored from known inputs", () => {
    expect(credentialValues(policy).map((c) => c.value)).toEqual(["key-one-5c2e", "key-two-9a7d"]);
    const text = encodeSourceAnnotation(policy, "SecurityPolicy/team/p");
    expect(text).not.toMatch(/key-one|key-two/);
    expect(text).toContain('"acme"');
    expect(restoreCredentials(decodeSourceAnnotation(text)!, { inputs: policy }, "SecurityPolicy/team/p")).toEqual({ source: policy, missing: [] });
    expect(restoreCredentials(decodeSourceAnnotation(text)!, undefined, "SecurityPolicy/team/p").missing).toEqual([
      { property: "spec.authorization.rules[0].principal.headers[0].values[0]", header: "X-API-Key" },
      { property: "spec.authorization.rules[0].principal.headers[0].values[1]", header: "X-API-Key" },
    ]);
  });

  it("are compared by drift without being quoted", () => {
    const live = structuredClone(policy);
    live.spec.authorization.rules[0]!.principal.headers[0]!.values[1] = "key-live-0b3f";
    expect(driftOf(policy, live, "", ID)).toEqual(["spec.authorization.rules[0].principal.headers[0].values: differs (the value of credential header X-API-Key is not shown)"]);
    expect(driftOf(policy, structuredClone(policy), "", ID)).toEqual([]);
  });
});

describe("the source annotation", () => {
  it("holds a marker, not the value, of a credential header, and keeps the other headers", () => {
    const text = encodeSourceAnnotation(proxy([{ name: "X-Env", value: "prod" }, { name: "Authorization", value: BEARER }, { name: "Cookie", value: COOKIE }]), ID);
    expect(text).not.toContain(BEARER);
    expect(text).not.toContain(COOKIE);
    expect(text).not.toContain("eyJhbGciOiJIUzI1NiJ9");
    const set = (decodeSourceAnnotation(text) as ReturnType<typeof proxy>).spec.rules[0]!.filters[0]!.requestHeaderModifier.set;
    expect(set[0]).toEqual({ name: "X-Env", value: "prod" });
    expect(set[1]?.value).toBe(credentialMarker(BEARER, ID));
    expect(isCredentialMarker(set[2]?.value)).toBe(true);
  });

  it("is what the engine writes on the primary object, while the HTTPRoute carries the real value Envoy needs", () => {
    const objects = engine().renderSource(HTTPPROXY, proxy([{ name: "Authorization", value: BEARER }]));
    const gateway = objects.find((o) => o.kind === "Gateway")!;
    expect(gateway.metadata.annotations?.[SOURCE_ANNOTATION]).toBeDefined();
    for (const o of objects) expect(JSON.stringify(o.metadata)).not.toContain(BEARER);
    expect(JSON.stringify(objects.find((o) => o.kind === "HTTPRoute")?.["spec"])).toContain(BEARER);
  });

  it("does not depend on anything but the source: an unchanged proxy renders an unchanged Gateway", () => {
    const a = encodeSourceAnnotation(proxy([{ name: "Authorization", value: BEARER }]), ID);
    expect(encodeSourceAnnotation(proxy([{ name: "Authorization", value: BEARER }]), ID)).toBe(a);
    // Keyed by the source: the same credential in another proxy gets another marker.
    expect(encodeSourceAnnotation(proxy([{ name: "Authorization", value: BEARER }]), "HTTPProxy/team/other")).not.toBe(a);
  });

  it("is compressed when large and read back exactly; plain JSON (earlier versions) is still read", () => {
    const big = largeHTTPProxy("big", "team");
    const json = JSON.stringify(big);
    expect(json.length).toBeGreaterThan(MAX_ANNOTATIONS_BYTES);
    const text = encodeSourceAnnotation(big, "HTTPProxy/team/big");
    expect(text.startsWith("gz1:")).toBe(true);
    expect(text.length).toBeLessThan(MAX_ANNOTATIONS_BYTES);
    expect(decodeSourceAnnotation(text)).toEqual(big);
    expect(decodeSourceAnnotation(json)).toEqual(big);
    const small = proxy([{ name: "X-Env", value: "prod" }]);
    expect(encodeSourceAnnotation(small, ID)).toBe(JSON.stringify(small));
  });

  it("that is damaged or hostile reads as no source, never as an error or a memory blow-up", () => {
    expect(decodeSourceAnnotation("gz1:not-base64-gzip")).toBeUndefined();
    expect(decodeSourceAnnotation("{not json")).toBeUndefined();
    expect(decodeSourceAnnotation("[1,2]")).toBeUndefined();
    const bomb = "gz1:" + gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x20)).toString("base64");
    expect(decodeSourceAnnotation(bomb)).toBeUndefined();
  });
});

describe("values the program marked secret", () => {
  const SIGNATURE = "sig-3e9a7c1f5b2d";
  const marked = proxy([{ name: "X-Signature", value: SIGNATURE }, { name: "X-Env", value: "prod" }]);

  it("are kept out of the annotation like credentials, restored by refresh, named by import", () => {
    const text = encodeSourceAnnotation(marked, ID, new Set([SIGNATURE]));
    expect(text).not.toContain(SIGNATURE);
    expect(text).toContain('"prod"');
    const annotated = decodeSourceAnnotation(text)!;
    expect(restoreCredentials(annotated, { inputs: marked }, ID)).toEqual({ source: marked, missing: [] });
    expect(restoreCredentials(annotated, undefined, ID).missing).toEqual([{ property: "spec.rules[0].filters[0].requestHeaderModifier.set[0].value", header: "X-Signature" }]);
  });

  it("in a metadata label as well (any string of the source)", () => {
    const labelled = { ...marked, metadata: { ...marked.metadata, labels: { team: SIGNATURE } } };
    const annotated = decodeSourceAnnotation(encodeSourceAnnotation(labelled, ID, new Set([SIGNATURE])))!;
    expect(JSON.stringify(annotated)).not.toContain(SIGNATURE);
    expect(missingCredentialsMessage("HTTPProxy team/shop", restoreCredentials(annotated, undefined, ID).missing)).toBe(
      "HTTPProxy team/shop: the cluster keeps no copy of credentials and secret values; supply them in your program: metadata.labels.team, spec.rules[0].filters[0].requestHeaderModifier.set[0].value (header X-Signature)",
    );
  });
});

describe("restoring credentials on read", () => {
  const annotated = decodeSourceAnnotation(encodeSourceAnnotation(proxy([{ name: "Authorization", value: BEARER }]), ID))!;

  it("takes each value from the inputs refresh already has, matched by hash", () => {
    const { source, missing } = restoreCredentials(annotated, { inputs: proxy([{ name: "Authorization", value: BEARER }]) }, ID);
    expect(missing).toEqual([]);
    expect(source).toEqual(proxy([{ name: "Authorization", value: BEARER }]));
  });

  it("keeps the marker and names the property when nothing matches (import, or a value changed since)", () => {
    for (const known of [undefined, { inputs: proxy([{ name: "Authorization", value: "Bearer another" }]) }]) {
      const { source, missing } = restoreCredentials(annotated, known, ID);
      expect(missing).toEqual([{ property: "spec.rules[0].filters[0].requestHeaderModifier.set[0].value", header: "Authorization" }]);
      expect(JSON.stringify(source)).not.toContain("Bearer");
    }
  });
});

describe("drift", () => {
  const route = (value: string) => ({ spec: { rules: [{ filters: [{ requestHeaderModifier: { set: [{ name: "Authorization", value }, { name: "X-Env", value: "prod" }] } }] }] } });

  it("reports a changed credential header without quoting either value", () => {
    const d = driftOf(route(BEARER), route("Bearer hand-edited-credential"), "", ID);
    expect(d).toEqual(["spec.rules[0].filters[0].requestHeaderModifier.set[0].value: differs (the value of credential header Authorization is not shown)"]);
  });

  it("compares a marker with the live value by hash (import sees no drift for an unchanged credential)", () => {
    expect(driftOf(route(credentialMarker(BEARER, ID)), route(BEARER), "", ID)).toEqual([]);
    expect(sameCredential(credentialMarker(BEARER, ID), "Bearer other", ID)).toBe(false);
    expect(driftOf(route(BEARER), route(BEARER), "", ID)).toEqual([]);
  });

  it("never quotes the live value behind a marker of a value the program marked secret (an import knows no secrets)", () => {
    const header = (value: string) => ({ spec: { set: [{ name: "X-Signature", value }] } });
    expect(driftOf(header(credentialMarker("sig-1", ID)), header("sig-1"), "", ID)).toEqual([]);
    expect(driftOf(header(credentialMarker("sig-1", ID)), header("sig-2-live"), "", ID)).toEqual(["spec.set[0].value: differs (a secret value, not shown)"]);
  });

  it("still quotes ordinary values", () => {
    const want = route(BEARER);
    const got = route(BEARER);
    got.spec.rules[0]!.filters[0]!.requestHeaderModifier.set[1]!.value = "staging";
    expect(driftOf(want, got, "", ID)).toEqual(['spec.rules[0].filters[0].requestHeaderModifier.set[1].value: want "prod", found "staging"']);
  });
});

describe("annotation size", () => {
  it("a large proxy renders objects whose annotations fit", () => {
    const objects = engine().renderSource(HTTPPROXY, largeHTTPProxy("big", "team"));
    expect(annotationSizeErrors(objects, "HTTPProxy")).toEqual([]);
  });

  it("a proxy whose source cannot fit even compressed fails before any write, naming object, field and remedy", () => {
    const src = largeHTTPProxy("big", "team", { incompressible: true });
    expect(() => engine().renderSource(HTTPPROXY, src)).toThrow(
      /HTTPProxy team\/big renders objects the API server would refuse:\n {2}Gateway team\/big: metadata\.annotations: Too long: \d+ bytes, the API server accepts at most 262144; the HTTPProxy's spec, kept there \(compressed\) for refresh and import, is too large/,
    );
  });

  it("a huge annotation of the source is named: it is copied to every object", () => {
    // Within the limit on the HTTPProxy itself; over it on the Gateway, next to the source annotation.
    const src = { ...proxy([]), metadata: { name: "shop", namespace: "team", annotations: { "example.com/notes": "x".repeat(MAX_ANNOTATIONS_BYTES - 200) } } };
    src.spec.rules[0]!.filters = [];
    expect(() => engine().renderSource(HTTPPROXY, src)).toThrow(/Gateway team\/shop: metadata\.annotations: Too long: \d+ bytes, the API server accepts at most 262144; metadata\.annotations\["example\.com\/notes"\] of the HTTPProxy \(261944 bytes\) is copied to every downstream object: shorten it/);
  });
});
