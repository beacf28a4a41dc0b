// The Domain lifecycle's pure parts: check (token once, carried forward; D5 as a replacement),
// diff (pending → change, delete-before-replace), the record's parsing of whatever the cluster
// holds, and the verification settings. No cluster: check and diff never touch one.
import { describe, expect, it } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle } from "../../provider/lifecycle/index.ts";
import { domainVerificationOf } from "../../provider/lifecycle/settings.ts";
import { domainRecordObject, parseDomainStatus, readDomainRecord } from "../../provider/lifecycle/domain/domain-record.ts";
import { signDomainStatus } from "../../provider/lifecycle/domain/domain-signature.ts";
import { DEFAULT_DOMAIN_VERIFICATION } from "../../provider/core/domain/index.ts";
import { UNKNOWN } from "../../provider/core/unknown.ts";
import type { KubeObject } from "../../provider/kube/index.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function domainLifecycle(extra: Record<string, unknown> = {}): ResourceLifecycle {
  const s = resolveEngineSettings({ kubeconfig: "/nonexistent", ...extra });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  return lifecycles(s.settings).byToken.get("datum:networking:Domain") as ResourceLifecycle;
}

const seed = (s: string): Uint8Array => new TextEncoder().encode(s);
const inputs = (domainName: unknown, extra: Record<string, unknown> = {}) => ({ metadata: { name: "d", namespace: "ns" }, spec: { domainName }, ...extra });

describe("check", () => {
  const domain = domainLifecycle();

  it("derives the token from Pulumi's seed and the name, and keeps it on later checks", async () => {
    const a = await domain.check(undefined, inputs("example.com"), { urnName: "d", randomSeed: seed("s1") });
    const b = await domain.check(undefined, inputs("example.com"), { urnName: "d", randomSeed: seed("s1") });
    const c = await domain.check(undefined, inputs("example.com"), { urnName: "d", randomSeed: seed("s2") });
    expect(a.failures).toEqual([]);
    expect(a.inputs["verificationToken"]).toMatch(UUID);
    expect(b.inputs["verificationToken"]).toBe(a.inputs["verificationToken"]);
    expect(c.inputs["verificationToken"]).not.toBe(a.inputs["verificationToken"]);
    // An update (olds present) never regenerates it, whatever the seed.
    const later = await domain.check(a.inputs, inputs("example.com", { metadata: { name: "d", namespace: "ns", labels: { team: "a" } } }), { urnName: "d", randomSeed: seed("other") });
    expect(later.inputs["verificationToken"]).toBe(a.inputs["verificationToken"]);
  });

  it("gives a new domainName a new token and admits it as a create (D5 makes it a replacement)", async () => {
    const a = await domain.check(undefined, inputs("example.com"), { urnName: "d", randomSeed: seed("s1") });
    const b = await domain.check(a.inputs, inputs("example.org"), { urnName: "d", randomSeed: seed("s1") });
    expect(b.failures).toEqual([]);
    expect(b.inputs["verificationToken"]).toMatch(UUID);
    expect(b.inputs["verificationToken"]).not.toBe(a.inputs["verificationToken"]);
    const d = await domain.diff("ns/d", a.inputs, b.inputs, { preview: true });
    expect(d.replaces).toEqual(["spec.domainName"]);
    expect(d.detailedDiff["spec.domainName"]).toEqual({ kind: "UPDATE_REPLACE", inputDiff: true });
    expect(d.deleteBeforeReplace).toBe(true);
  });

  it("keeps an autonamed Domain's name across a replacement (so its record must go first)", async () => {
    const a = await domain.check(undefined, { spec: { domainName: "example.com" } }, { urnName: "site", randomSeed: seed("s") });
    const name = (a.inputs["metadata"] as { name: string }).name;
    expect(name).toMatch(/^site-[0-9a-f]{8}$/);
    const b = await domain.check(a.inputs, { spec: { domainName: "example.net" } }, { urnName: "site", randomSeed: seed("t") });
    expect((b.inputs["metadata"] as { name: string }).name).toBe(name);
    expect((await domain.diff(`default/${name}`, a.inputs, b.inputs, { preview: true })).deleteBeforeReplace).toBe(true);
  });

  it("a replacement under a new name creates the new Domain first", async () => {
    const a = await domain.check(undefined, inputs("example.com"), { urnName: "d" });
    const b = await domain.check(a.inputs, { metadata: { name: "e", namespace: "ns" }, spec: { domainName: "example.org" } }, { urnName: "d" });
    const d = await domain.diff("ns/d", a.inputs, b.inputs, { preview: true });
    expect(d.replaces.sort()).toEqual(["metadata.name", "spec.domainName"]);
    expect(d.deleteBeforeReplace).toBe(false);
  });

  it("accepts a token the user supplies (a record already published), and a boolean waitForVerification", async () => {
    const token = "6f1c2b9e-3d4a-4b8e-9c1f-2a3b4c5d6e7f";
    const r = await domain.check(undefined, inputs("example.com", { verificationToken: token, waitForVerification: false }), { urnName: "d" });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ verificationToken: token, waitForVerification: false });
  });

  it("reports guardrail, waitForVerification and record-name failures at their properties", async () => {
    const r = await domain.check(undefined, { metadata: { name: "x".repeat(241), namespace: "ns" }, spec: { domainName: "localhost" }, waitForVerification: 1 }, { urnName: "d" });
    expect(r.failures).toEqual([
      { property: "spec.domainName", reason: "spec.domainName: Invalid value: Must have at least two segments separated by dots" },
      { property: "waitForVerification", reason: "waitForVerification: Invalid value: 1: must be a boolean" },
      { property: "metadata.name", reason: "metadata.name: Too long: may not be more than 240 bytes" },
    ]);
    const ok = await domain.check(undefined, { metadata: { name: "x".repeat(240), namespace: "ns" }, spec: { domainName: "example.com" } }, { urnName: "d" });
    expect(ok.failures.filter((f) => f.property === "metadata.name")).toEqual([]);
  });

  it("defers to apply what preview does not know yet", async () => {
    const r = await domain.check(undefined, inputs(UNKNOWN, { waitForVerification: UNKNOWN }), { urnName: "d", randomSeed: seed("s") });
    expect(r.failures).toEqual([]);
    expect(r.inputs["verificationToken"]).toBeUndefined();
    const p = await domain.create(r.inputs, { preview: true });
    expect(p.outputs["verification"]).toEqual({ dnsRecord: UNKNOWN, httpToken: UNKNOWN });
    expect(p.outputs["verified"]).toBe(UNKNOWN);
  });
});

describe("diff", () => {
  const domain = domainLifecycle();
  const base = { metadata: { name: "d", namespace: "ns" }, spec: { domainName: "example.com" } };

  it("a pending Domain is a change, so the next up looks again; verified or unregistrable ones are not", async () => {
    expect((await domain.diff("ns/d", { ...base, verified: false, registrable: true }, base, { preview: true })).changes).toBe(true);
    expect((await domain.diff("ns/d", { ...base, verified: true, registrable: true }, base, { preview: true })).changes).toBe(false);
    expect((await domain.diff("ns/d", { ...base, verified: false, registrable: false }, base, { preview: true })).changes).toBe(false);
  });

  it("waitForVerification and the token alone change nothing in the cluster", async () => {
    const d = await domain.diff("ns/d", { ...base, verified: true, waitForVerification: true }, { ...base, waitForVerification: false }, { preview: true });
    expect(d.changes).toBe(false);
  });
});

describe("the record in the cluster", () => {
  const source = { metadata: { name: "d", namespace: "ns", labels: { team: "a", "pulumi-datum.io/domain": "no" }, annotations: { note: "x", "pulumi.com/autonamed": "true" } }, spec: { domainName: "example.com" } };

  it("is a ConfigMap named after the Domain, with the provider's labels winning", () => {
    const o = domainRecordObject({ namespace: "ns", name: "d", domainName: "example.com", token: "t", source });
    expect(o.metadata.name).toBe("datum-domain-d");
    expect(o.metadata.labels).toMatchObject({ team: "a", "pulumi-datum.io/domain": "true", "app.kubernetes.io/managed-by": "pulumi-datum", "pulumi-datum.io/source-name": "d" });
    expect(o.metadata.annotations?.["note"]).toBe("x");
    expect(o.metadata.annotations?.["pulumi.com/autonamed"]).toBeUndefined();
    expect(o["data"]).toEqual({ domainName: "example.com", token: "t" });
  });

  const KEY = Buffer.from("k".repeat(32));
  const TOKEN = "6f1c2b9e-3d4a-4b8e-9c1f-2a3b4c5d6e7f";
  const VERIFIED = '{"conditions":[{"type":"Verified","status":"True","reason":"Verified","message":"m","lastTransitionTime":"2026-01-01T00:00:00Z"}]}';
  const signed = (f: { namespace?: string; uid?: string; status?: string } = {}) =>
    signDomainStatus(KEY, { namespace: f.namespace ?? "ns", name: "d", uid: f.uid ?? "u-1", domainName: "example.com", token: TOKEN, status: f.status ?? VERIFIED });

  it("reads back what it wrote, and nothing from ConfigMaps that are not Domain records", () => {
    const written = domainRecordObject({ namespace: "ns", name: "d", domainName: "example.com", token: TOKEN, source });
    const live: KubeObject = { ...written, metadata: { ...written.metadata, uid: "u-1" }, data: { ...(written["data"] as object), status: VERIFIED, statusSignature: signed() } };
    const r = readDomainRecord(live, KEY);
    expect(r).toMatchObject({ name: "d", namespace: "ns", domainName: "example.com", uid: "u-1", token: "6f1c2b9e-3d4a-4b8e-9c1f-2a3b4c5d6e7f" });
    expect(r?.status?.conditions).toEqual([{ type: "Verified", status: "True", reason: "Verified", message: "m", lastTransitionTime: "2026-01-01T00:00:00Z" }]);
    expect(r?.source).toEqual(source);
    expect(readDomainRecord({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "datum-domain-x", labels: {} }, data: { domainName: "a.b" } }, KEY)).toBeUndefined();
    expect(readDomainRecord({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "other", labels: { "pulumi-datum.io/domain": "true" } }, data: { domainName: "a.b" } }, KEY)).toBeUndefined();
    // A token that is not a UUIDv4 is not trusted.
    expect(readDomainRecord({ ...live, data: { domainName: "example.com", token: "abc" } }, KEY)?.token).toBe("");
  });

  it("counts a status only with the provider's signature over this record", () => {
    const written = domainRecordObject({ namespace: "ns", name: "d", domainName: "example.com", token: TOKEN, source });
    const live = (data: Record<string, string>, meta: { namespace?: string; uid?: string } = {}): KubeObject => ({
      ...written,
      metadata: { ...written.metadata, namespace: meta.namespace ?? "ns", uid: meta.uid ?? "u-1" },
      data: { ...(written["data"] as object), ...data },
    });
    expect(readDomainRecord(live({ status: VERIFIED, statusSignature: signed() }), KEY)?.status).toBeDefined();
    // Written by hand, signed with another key, copied from another record, or edited after signing: no status.
    expect(readDomainRecord(live({ status: VERIFIED }), KEY)?.status).toBeUndefined();
    expect(readDomainRecord(live({ status: VERIFIED, statusSignature: signed() }), Buffer.from("x".repeat(32)))?.status).toBeUndefined();
    expect(readDomainRecord(live({ status: VERIFIED, statusSignature: signed({ uid: "u-2" }) }), KEY)?.status).toBeUndefined();
    expect(readDomainRecord(live({ status: VERIFIED, statusSignature: signed() }, { namespace: "other" }), KEY)?.status).toBeUndefined();
    expect(readDomainRecord(live({ status: VERIFIED.replace("Verified", "Verified "), statusSignature: signed() }), KEY)?.status).toBeUndefined();
    expect(readDomainRecord(live({ status: VERIFIED, statusSignature: "not base64 at all" }), KEY)?.status).toBeUndefined();
  });

  it("never throws on damaged status, and drops what it cannot trust", () => {
    for (const bad of [undefined, 1, "", "{", "null", "[]", '{"conditions":3}', '{"conditions":null}']) expect(parseDomainStatus(bad)).toBeUndefined();
    expect(parseDomainStatus('{"conditions":[1,null,{"type":"Verified","status":"Maybe"},{"type":"Verified","status":"False"}],"apex":"yes","verification":{"dnsRecord":1}}')).toEqual({
      conditions: [{ type: "Verified", status: "False", reason: "", message: "", lastTransitionTime: "" }],
    });
  });
});

describe("verification settings", () => {
  it("default to NSO's domainVerificationConfig", () => {
    const s = resolveEngineSettings({});
    if (!s.ok) throw new Error("defaults must parse");
    expect(domainVerificationOf(s.settings)).toEqual(DEFAULT_DOMAIN_VERIFICATION);
    expect(s.settings).toMatchObject({ awaitDns: false, hostnameClaimNamespace: "datum-downstream-gateway-hostnames", domainVerification: { proxyWaitSeconds: 0 } });
    expect(s.settings.tlsProbe).toBeUndefined();
  });

  it("take Go durations as NSO's YAML does, naming the bad key", () => {
    const s = resolveEngineSettings({ domainVerification: { retryIntervals: [{ interval: "2s", maxElapsed: "1m30s" }, { interval: "10s" }], dnsVerificationRecordPrefix: "_verify" } });
    if (!s.ok) throw new Error(JSON.stringify(s.errors));
    expect(domainVerificationOf(s.settings)).toMatchObject({
      dnsRecordPrefix: "_verify",
      retryIntervals: [{ intervalMs: 2_000, maxElapsedMs: 90_000 }, { intervalMs: 10_000 }],
    });
    const bad = resolveEngineSettings({ domainVerification: { retryIntervals: [{ interval: "5 seconds" }] } });
    expect(bad).toEqual({ ok: false, errors: [{ key: "domainVerification.retryIntervals.0.interval", message: "must be a Go duration such as 5s, 1m or 1h30m" }] });
    expect(resolveEngineSettings({ domainVerification: { retryIntervals: [] } }).ok).toBe(false);
    expect(resolveEngineSettings({ hostnameClaimNamespace: "Not_A_Namespace" }).ok).toBe(false);
  });
});
