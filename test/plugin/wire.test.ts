// Pulumi wire values, secret marking and redaction, provider-config decoding: the pieces every RPC uses.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clusterServer, configFromVariables, decodeConfig, diffConfig } from "../../provider/plugin/config";
import { formatPath, rootProperty } from "../../provider/plugin/property-path";
import { REDACTED, redactor } from "../../provider/plugin/redact";
import { decodeProperties, encodeProperties, OUTPUT_VALUE_SIG, RESOURCE_REF_SIG, SecretSet, SIG_KEY } from "../../provider/plugin/wire";
import { secret, UNKNOWN } from "./harness";

describe("decodeProperties", () => {
  it("unwraps secrets and remembers where they were", () => {
    const d = decodeProperties({ a: secret("x1"), list: [1, secret({ deep: secret("x2") })], plain: "p" });
    expect(d.value).toEqual({ a: "x1", list: [1, { deep: "x2" }], plain: "p" });
    // A secret inside a secret is covered by the outer one.
    expect(d.secrets.pathList()).toEqual(["a", "list[1]"]);
    expect(d.secrets.plainValues().sort()).toEqual(["x1", "x2"]);
  });

  it("turns references into ids (urns for components) and unknown ids into unknowns", () => {
    const ref = (id?: string) => ({ [SIG_KEY]: RESOURCE_REF_SIG, urn: "urn:pulumi:s::p::t::n", ...(id !== undefined && { id }) });
    expect(decodeProperties({ a: ref("ns/x"), b: ref(UNKNOWN), c: ref(), d: ref("") }).value).toEqual({ a: "ns/x", b: UNKNOWN, c: "urn:pulumi:s::p::t::n", d: "urn:pulumi:s::p::t::n" });
  });

  it("reads output values: unknown without a value, secret when flagged", () => {
    const d = decodeProperties({ u: { [SIG_KEY]: OUTPUT_VALUE_SIG }, s: { [SIG_KEY]: OUTPUT_VALUE_SIG, value: "v", secret: true } });
    expect(d.value).toEqual({ u: UNKNOWN, s: "v" });
    expect(d.secrets.pathList()).toEqual(["s"]);
  });

  it("reports assets and archives at their path instead of passing them on", () => {
    const d = decodeProperties({ spec: { body: { [SIG_KEY]: "c44067f5952c0a294b673a41bacd8c17", text: "hi" } } });
    expect(d.problems).toEqual([{ property: "spec.body", reason: expect.stringContaining("not supported") }]);
  });
});

describe("encodeProperties", () => {
  it("wraps values at secret paths and strings that carry a secret's text", () => {
    const secrets = new SecretSet();
    secrets.addPath(["spec", "token"], "tok-abcdef");
    const out = encodeProperties({ spec: { token: "tok-abcdef", other: "x" }, rendered: "Authorization: tok-abcdef", skip: undefined }, secrets);
    expect(out).toEqual({
      spec: { token: { [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value: "tok-abcdef" }, other: "x" },
      rendered: { [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value: "Authorization: tok-abcdef" },
    });
  });

  it("matches short secrets only whole, so they do not make half the state secret", () => {
    const secrets = new SecretSet();
    secrets.addPath(["port"], 80);
    const out = encodeProperties({ port: 80, url: "http://h:8080", copy: "80" }, secrets);
    expect(out["url"]).toBe("http://h:8080");
    expect(out["copy"]).toEqual({ [SIG_KEY]: "1b47061264138c4ac30d75fd1eb44270", value: "80" });
  });

  it("never wraps the unknown sentinel by content", () => {
    const secrets = new SecretSet();
    secrets.addValue("b54");
    expect(encodeProperties({ u: UNKNOWN }, secrets)).toEqual({ u: UNKNOWN });
  });
});

describe("property paths", () => {
  it("renders keys Pulumi-style and finds the root property", () => {
    expect(formatPath(["metadata", "labels", "app.kubernetes.io/name"])).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(formatPath(["spec", "rules", 0, "backends", 1])).toBe("spec.rules[0].backends[1]");
    expect(rootProperty("spec.rules[0]")).toBe("spec");
    expect(rootProperty('["a.b"].c')).toBe("a.b");
    expect(rootProperty("metadata")).toBe("metadata");
  });
});

describe("redactor", () => {
  const s = new SecretSet();
  s.addPath(["a"], 'pa"ss-word');
  s.addPath(["b"], "https://api.example.com/private-path");
  const redact = redactor(s);

  it("removes whole secrets, also when quoted with escapes", () => {
    expect(redact('value pa"ss-word here')).toBe(`value ${REDACTED} here`);
    expect(redact('Invalid value: "pa\\"ss-word"')).toBe(`Invalid value: "${REDACTED}"`);
  });

  it("removes a quoted part of a secret, but leaves short quoted words alone", () => {
    expect(redact('endpoint[path]: Invalid value: "/private-path": must not have a path')).toBe(`endpoint[path]: Invalid value: "${REDACTED}": must not have a path`);
    expect(redact('supported values: "/", "ab"')).toBe('supported values: "/", "ab"');
  });

  it("redacts a secret document whole, not the words inside it", () => {
    const kc = new SecretSet();
    kc.addPath(["kubeconfig"], "apiVersion: v1\ncontexts: [{name: default}]\ntoken: abc123secret\n");
    const r = redactor(kc);
    expect(r('namespaces "default" not found')).toBe('namespaces "default" not found');
  });

  it("is the identity without secrets", () => {
    expect(redactor()("nothing to hide")).toBe("nothing to hide");
  });
});

describe("provider configuration decoding", () => {
  it("decodes JSON-encoded non-string settings and sets unknowns aside", () => {
    const c = decodeConfig({ skipAwait: "true", timeoutSeconds: "45", guardrails: '{"a":1}', context: "true", namespace: UNKNOWN, version: "1.0.0" });
    expect(c.input).toEqual({ skipAwait: true, timeoutSeconds: 45, guardrails: { a: 1 }, context: "true" });
    expect(c.unknownKeys).toEqual(["namespace"]);
  });

  it("treats kubeconfig as secret even when it arrives plain", () => {
    const c = decodeConfig({ kubeconfig: "apiVersion: v1\nclusters: []" });
    expect(c.secrets.pathList()).toEqual(["kubeconfig"]);
  });

  it("reads legacy `datum:config:key` variables", () => {
    expect(configFromVariables([["datum:config:context", "a"], ["datum:namespace", "b"]])).toEqual({ context: "a", namespace: "b" });
  });

  it("finds the API server of the selected context, inline or from a file", () => {
    const kc = [
      "clusters:",
      "- {name: one, cluster: {server: 'https://one:6443'}}",
      "- {name: two, cluster: {server: 'https://two:6443'}}",
      "contexts:",
      "- {name: a, context: {cluster: one}}",
      "- {name: b, context: {cluster: two}}",
      "current-context: a",
      "",
    ].join("\n");
    expect(clusterServer({ kubeconfig: kc })).toBe("https://one:6443");
    expect(clusterServer({ kubeconfig: kc, context: "b" })).toBe("https://two:6443");
    const file = join(mkdtempSync(join(tmpdir(), "kc-")), "config");
    writeFileSync(file, kc);
    expect(clusterServer({ kubeconfig: file, context: "b" })).toBe("https://two:6443");
    expect(clusterServer({ kubeconfig: "/nonexistent/kubeconfig" })).toBeUndefined();
    expect(clusterServer({})).toBeUndefined();
  });

  it("does not replace on a change it cannot judge yet", () => {
    const d = diffConfig(decodeConfig({ kubeconfig: "a" }), decodeConfig({ kubeconfig: UNKNOWN }));
    expect(d).toEqual({ changed: ["kubeconfig"], replaces: [], uncertain: true });
  });
});

describe("kubeconfig credentials", () => {
  it("of the default kubeconfig ($KUBECONFIG) are secret values too when datum:kubeconfig is not set", () => {
    const dir = mkdtempSync(join(tmpdir(), "datum-kc-"));
    const path = join(dir, "config");
    writeFileSync(path, "users:\n- name: u\n  user: {token: tok-default-8d2b1f}\n");
    const before = process.env["KUBECONFIG"];
    process.env["KUBECONFIG"] = path;
    try {
      expect(redactor(decodeConfig({}).secrets)("Unauthorized: tok-default-8d2b1f")).toBe(`Unauthorized: ${REDACTED}`);
    } finally {
      if (before === undefined) delete process.env["KUBECONFIG"];
      else process.env["KUBECONFIG"] = before;
    }
  });

  it("of a kubeconfig file (the setting holds its path) are secret values of their own", () => {
    const dir = mkdtempSync(join(tmpdir(), "datum-kc-"));
    const path = join(dir, "config");
    writeFileSync(path, "users:\n- name: u\n  user: {token: tok-file-4a7c9e}\n");
    const c = decodeConfig({ kubeconfig: path });
    expect(c.secrets.hasPath(["kubeconfig"])).toBe(true);
    expect(redactor(c.secrets)("Unauthorized: tok-file-4a7c9e")).toBe(`Unauthorized: ${REDACTED}`);
  });

  it("are secret values of their own, in YAML and JSON kubeconfigs", async () => {
    const { kubeconfigCredentials, parseKubeconfig } = await import("../../provider/kube/kubeconfig-document");
    const creds = (text: string) => {
      const p = parseKubeconfig(text);
      return p.ok ? kubeconfigCredentials(p.doc) : [];
    };
    expect(creds("users:\n- name: u\n  user:\n    token: tok-abcdef\n    client-key-data: S0VZ\n")).toEqual(["tok-abcdef", "S0VZ"]);
    expect(creds('{"users":[{"user":{"token":"tok-xyz1","password":"pw-12345"}}]}')).toEqual(["tok-xyz1", "pw-12345"]);
    const c = decodeConfig({ kubeconfig: "users:\n- user: {token: tok-abcdef}\n" });
    expect(redactor(c.secrets)("Unauthorized: tok-abcdef")).toBe(`Unauthorized: ${REDACTED}`);
  });
});

describe("credential headers", () => {
  it("are found wherever a {name, value} entry names one", async () => {
    const { credentialPaths } = await import("../../provider/plugin/credentials");
    const spec = { rules: [{ filters: [{ requestHeaderModifier: { set: [{ name: "X-Env", value: "prod" }, { name: "authorization", value: "Basic YWJj" }], add: [{ name: "Cookie", value: "sid=1" }] } }] }] };
    expect(credentialPaths({ spec }).map((c) => formatPath(c.path))).toEqual([
      "spec.rules[0].filters[0].requestHeaderModifier.set[1].value",
      "spec.rules[0].filters[0].requestHeaderModifier.add[0].value",
    ]);
  });
});
