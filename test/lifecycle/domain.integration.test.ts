// The Domain lifecycle against a real kube-apiserver and a real authoritative DNS server
// (PowerDNS on loopback): the provider records the Domain as a ConfigMap, publishes NSO's
// verification records, and verifies through TXT lookups. Nothing is faked but the clock's
// schedule, which is shortened through the engine setting `domainVerification.retryIntervals`.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle, type ResourceState } from "../../provider/lifecycle/index.ts";
import { createKubeClient, RequestCounter, countsSince, type KubeClient } from "../../provider/kube/index.ts";
import { UNKNOWN } from "../../provider/core/unknown.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";

const TOKEN = "datum:networking:Domain";
const ZONE = "dom.test";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let cp: ControlPlane;
let pdns: PowerDns;
let admin: KubeClient;
let seq = 0;
const timings: string[] = [];

function engineFor(extra: Record<string, unknown> = {}) {
  const s = resolveEngineSettings({
    kubeconfig: cp.kubeconfig,
    timeoutSeconds: 30,
    dnsServers: [pdns.dnsAddress],
    // NSO requeues no sooner than 1 s, so this makes attempts 1–1.25 s apart.
    domainVerification: { retryIntervals: [{ interval: "500ms" }] },
    ...extra,
  });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const metrics = new RequestCounter();
  const { engine, byToken } = lifecycles(s.settings, { metrics });
  return { engine, metrics, domain: byToken.get(TOKEN) as ResourceLifecycle };
}

/** A domain nobody has used yet, so TXT records never leak between tests. */
function freshDomain(): string {
  return `d${++seq}-${Date.now().toString(36)}.${ZONE}`;
}

function domainInputs(ns: string, name: string, domainName: string, extra: Record<string, unknown> = {}) {
  return { metadata: { name, namespace: ns }, spec: { domainName }, ...extra };
}

const seed = (s: string): Uint8Array => new TextEncoder().encode(s);

async function record(ns: string, name: string): Promise<{ data: Record<string, string>; uid: string; labels: Record<string, string> } | undefined> {
  const o = await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: `datum-domain-${name}` });
  if (!o) return undefined;
  return { data: (o["data"] ?? {}) as Record<string, string>, uid: o.metadata.uid ?? "", labels: o.metadata.labels ?? {} };
}

function conditions(status: unknown): Record<string, string> {
  const list = (status as { conditions?: { type: string; status: string; reason: string }[] } | undefined)?.conditions ?? [];
  return Object.fromEntries(list.map((c) => [c.type, `${c.status}/${c.reason}`]));
}

beforeAll(async () => {
  [cp, pdns] = await Promise.all([getControlPlane(), startPowerDns()]);
  await pdns.createZone(ZONE);
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
});

afterAll(async () => {
  console.log(`[lifecycle/domain] timings:\n  ${timings.join("\n  ")}`);
  await admin?.close();
  await pdns?.stop();
});

describe("Domain lifecycle on a real API server and PowerDNS", () => {
  test("create waits for a TXT record published late, then reports the Domain verified", async () => {
    const ns = await cp.newNamespace("dv");
    const { engine, domain } = engineFor();
    const domainName = freshDomain();
    const checked = await domain.check(undefined, domainInputs(ns, "shop", domainName), { urnName: "shop", randomSeed: seed("shop-1") });
    expect(checked.failures).toEqual([]);
    const token = checked.inputs["verificationToken"] as string;
    expect(token).toMatch(UUID);
    // The same seed gives the same token at preview and at up; a second check keeps it.
    const again = await domain.check(undefined, domainInputs(ns, "shop", domainName), { urnName: "shop", randomSeed: seed("shop-1") });
    expect(again.inputs["verificationToken"]).toBe(token);

    const preview = await domain.create(checked.inputs, { preview: true });
    expect(preview.outputs["verification"]).toEqual({
      dnsRecord: { name: `datum-custom-hostname.${domainName}`, type: "TXT", content: token },
      httpToken: UNKNOWN,
    });
    expect(await record(ns, "shop")).toBeUndefined();

    const progress: string[] = [];
    const t0 = performance.now();
    const publish = setTimeout(() => void pdns.setRecord(ZONE, `datum-custom-hostname.${domainName}`, "TXT", [`"${token}"`]), 1_200);
    const created = await domain.create(checked.inputs, { preview: false, onProgress: (m) => progress.push(m) });
    clearTimeout(publish);
    const took = performance.now() - t0;
    timings.push(`TXT published after 1.2 s → verified after ${Math.round(took)} ms (1 s retry floor)`);
    expect(took).toBeGreaterThanOrEqual(1_200);
    expect(created.id).toBe(`${ns}/shop`);
    expect(created.outputs["verified"]).toBe(true);
    expect(created.outputs["ready"]).toBe(true);
    expect(created.outputs["registrable"]).toBe(true);
    expect(conditions(created.outputs["status"])).toEqual({ ValidDomain: "True/Valid", Verified: "True/Verified" });
    // Progress said what was expected and what was found before the record appeared.
    expect(progress[0]).toContain(`TXT datum-custom-hostname.${domainName}: not found (NXDOMAIN), want '${token}'`);
    expect(progress.at(-1)).toBe(`TXT datum-custom-hostname.${domainName}: found '${token}' (verified)`);

    // The record in the cluster: what HTTPProxies of every stack read.
    const cm = await record(ns, "shop");
    expect(cm?.data["domainName"]).toBe(domainName);
    expect(cm?.data["token"]).toBe(token);
    expect(cm?.labels).toMatchObject({ "app.kubernetes.io/managed-by": "pulumi-datum", "pulumi-datum.io/domain": "true", "pulumi-datum.io/source-kind": "Domain" });
    expect(conditions(JSON.parse(cm?.data["status"] ?? "{}"))).toEqual({ ValidDomain: "True/Valid", Verified: "True/Verified" });
    // The records stay in the outputs after verification so a DNS record fed from them is stable.
    expect(created.outputs["verification"]).toEqual({
      dnsRecord: { name: `datum-custom-hostname.${domainName}`, type: "TXT", content: token },
      httpToken: { url: `http://${domainName}/.well-known/datum-custom-hostname-challenge/${cm?.uid}`, body: token },
    });

    // Next `up`: same inputs → no diff; the token is carried from the old inputs.
    const next = await domain.check(checked.inputs, domainInputs(ns, "shop", domainName), { urnName: "shop", randomSeed: seed("other") });
    expect(next.inputs["verificationToken"]).toBe(token);
    expect((await domain.diff(created.id, created.outputs, next.inputs, { preview: true })).changes).toBe(false);

    // Refresh and import rebuild inputs from the cluster alone.
    const imported = await domain.read(`${ns}/shop`, undefined, undefined, { preview: false });
    expect(imported?.inputs).toEqual({ metadata: { name: "shop", namespace: ns }, spec: { domainName }, verificationToken: token });
    expect(imported?.outputs["verified"]).toBe(true);

    await domain.delete(created.id, created.outputs, { preview: false });
    expect(await record(ns, "shop")).toBeUndefined();
    await engine.close();
  });

  test("waitForVerification: false returns at once pending; the next up verifies", async () => {
    const ns = await cp.newNamespace("dn");
    const { engine, domain, metrics } = engineFor();
    const domainName = freshDomain();
    const checked = await domain.check(undefined, domainInputs(ns, "later", domainName, { waitForVerification: false }), { urnName: "later" });
    const before = metrics.snapshot();
    const t0 = performance.now();
    const created = await domain.create(checked.inputs, { preview: false });
    const took = performance.now() - t0;
    timings.push(`waitForVerification: false → create returned in ${Math.round(took)} ms`);
    expect(took).toBeLessThan(2_000);
    // Record + its status; no verification attempt was made.
    expect(countsSince(before, metrics.snapshot()).writes).toBe(2);
    expect(created.outputs["verified"]).toBe(false);
    expect(created.outputs["ready"]).toBe(false);
    expect(conditions(created.outputs["status"])).toMatchObject({ Verified: "False/PendingVerification", VerifiedDNS: "False/PendingVerification" });
    const token = checked.inputs["verificationToken"] as string;
    const verification = created.outputs["verification"] as { dnsRecord: { name: string; content: string }; httpToken: { url: string } };
    expect(verification.dnsRecord).toEqual({ name: `datum-custom-hostname.${domainName}`, type: "TXT", content: token });
    expect(String(created.outputs["readiness"])).toContain(`publish TXT datum-custom-hostname.${domainName} = "${token}"`);

    // A pending Domain shows as a change, so the next `up` looks again.
    const d = await domain.diff(created.id, created.outputs, checked.inputs, { preview: true });
    expect(d).toMatchObject({ changes: true, replaces: [] });
    expect(d.detailedDiff["verified"]).toEqual({ kind: "UPDATE", inputDiff: false });

    // Still not published: the update looks once and stays pending, with what it found.
    const stillPending = await domain.update(created.id, created.outputs, checked.inputs, { preview: false });
    expect(stillPending.outputs["verified"]).toBe(false);
    expect(conditions(stillPending.outputs["status"])).toMatchObject({ VerifiedDNS: "False/RecordNotFound" });

    await pdns.setRecord(ZONE, verification.dnsRecord.name, "TXT", [`"${verification.dnsRecord.content}"`]);
    const updated = await domain.update(created.id, stillPending.outputs, checked.inputs, { preview: false });
    expect(updated.outputs["verified"]).toBe(true);
    expect(updated.outputs["verificationToken"]).toBe(token);
    expect((await domain.diff(created.id, updated.outputs, checked.inputs, { preview: true })).changes).toBe(false);
    await domain.delete(created.id, updated.outputs, { preview: false });
    await engine.close();
  });

  test("a timeout is a partial failure that carries the records and what was found", async () => {
    const ns = await cp.newNamespace("dt");
    const { engine, domain } = engineFor();
    const domainName = freshDomain();
    await pdns.setRecord(ZONE, `datum-custom-hostname.${domainName}`, "TXT", [`"not-the-token"`]);
    const checked = await domain.check(undefined, domainInputs(ns, "slow", domainName), { urnName: "slow" });
    const token = checked.inputs["verificationToken"] as string;
    const t0 = performance.now();
    const err = await domain.create(checked.inputs, { preview: false, timeoutMs: 1_500 }).catch((e: unknown) => e);
    timings.push(`verification timeout 1.5 s → failed after ${Math.round(performance.now() - t0)} ms`);
    expect(err).toMatchObject({ name: "PartialFailureError", id: `${ns}/slow` });
    const message = String((err as Error).message);
    expect(message).toContain(`publish TXT datum-custom-hostname.${domainName} = "${token}"`);
    expect(message).toContain(`found 'not-the-token', want '${token}'`);
    const outputs = (err as { outputs: ResourceState }).outputs;
    expect(outputs["verified"]).toBe(false);
    expect((outputs["verification"] as { dnsRecord: unknown }).dnsRecord).toEqual({ name: `datum-custom-hostname.${domainName}`, type: "TXT", content: token });
    expect(conditions(outputs["status"])).toMatchObject({ VerifiedDNS: "False/VerificationRecordContentMismatch" });

    // The next `up` (an update with the same inputs) continues with the same token and succeeds.
    await pdns.setRecord(ZONE, `datum-custom-hostname.${domainName}`, "TXT", [`"${token}"`]);
    const resumed = await domain.update(`${ns}/slow`, outputs, checked.inputs, { preview: false });
    expect(resumed.outputs["verified"]).toBe(true);
    expect((await record(ns, "slow"))?.data["token"]).toBe(token);
    await domain.delete(`${ns}/slow`, resumed.outputs, { preview: false });
    await engine.close();
  });

  test("cancellation ends the wait at once as a partial failure", async () => {
    const ns = await cp.newNamespace("dc");
    const { engine, domain } = engineFor();
    const checked = await domain.check(undefined, domainInputs(ns, "cancel", freshDomain()), { urnName: "cancel" });
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 800);
    const t0 = performance.now();
    const err = await domain.create(checked.inputs, { preview: false, signal: abort.signal }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(err).toMatchObject({ name: "PartialFailureError" });
    expect(String((err as Error).message)).toContain("verification wait cancelled");
    await domain.delete(`${ns}/cancel`, {}, { preview: false });
    await engine.close();
  });

  test("guardrails: immutable domainName replaces, duplicates and public suffixes are refused", async () => {
    const ns = await cp.newNamespace("dg");
    const { engine, domain } = engineFor();
    const domainName = freshDomain();
    await pdns.setRecord(ZONE, `datum-custom-hostname.${domainName}`, "TXT", [`"placeholder"`]);
    const first = await domain.check(undefined, domainInputs(ns, "one", domainName, { waitForVerification: false }), { urnName: "one" });
    const created = await domain.create(first.inputs, { preview: false });

    // D5: a new domainName is a new Domain, admitted as a create and replaced (not refused); the
    // record keeps its name, so the old Domain goes first.
    const renamed = await domain.check(first.inputs, domainInputs(ns, "one", `x.${domainName}`, { waitForVerification: false }), { urnName: "one" });
    expect(renamed.failures).toEqual([]);
    expect(renamed.inputs["verificationToken"]).not.toBe(first.inputs["verificationToken"]);
    const d = await domain.diff(created.id, created.outputs, renamed.inputs, { preview: true });
    expect(d.replaces).toEqual(["spec.domainName"]);
    expect(d.deleteBeforeReplace).toBe(true);

    // D7: one Domain per name per namespace, across stacks (a second engine = another stack).
    const other = engineFor({ fieldManager: "other-stack" });
    const dup = await other.domain.check(undefined, domainInputs(ns, "two", domainName, { waitForVerification: false }), { urnName: "two" });
    const err = await other.domain.create(dup.inputs, { preview: false }).catch((e: unknown) => e);
    expect(String((err as Error).message)).toBe(`Domain ${ns}/two: Conflict: domain resource with .spec.domainName "${domainName}" already exists (Domain ${ns}/one)`);
    expect(await record(ns, "two")).toBeUndefined();

    // A public suffix passes admission (NSO's CRD accepts it) but can never verify.
    const apex = await domain.check(undefined, domainInputs(ns, "suffix", "co.uk"), { urnName: "suffix" });
    expect(apex.failures).toEqual([]);
    const apexErr = await domain.create(apex.inputs, { preview: false }).catch((e: unknown) => e);
    expect(apexErr).toMatchObject({ name: "PartialFailureError" });
    expect(String((apexErr as Error).message)).toBe("Domain co.uk: Domain is not registrable (public-suffix only or invalid)");
    expect((apexErr as { outputs: ResourceState }).outputs["registrable"]).toBe(false);
    expect(conditions((apexErr as { outputs: ResourceState }).outputs["status"])).toMatchObject({ ValidDomain: "False/InvalidApex" });

    // waitForVerification must be a boolean.
    const bad = await domain.check(undefined, domainInputs(ns, "bad", domainName, { waitForVerification: "yes" }), { urnName: "bad" });
    expect(bad.failures).toEqual([{ property: "waitForVerification", reason: 'waitForVerification: Invalid value: "yes": must be a boolean' }]);

    for (const n of ["one", "suffix"]) await domain.delete(`${ns}/${n}`, {}, { preview: false });
    expect(await record(ns, "one")).toBeUndefined();
    await other.engine.close();
    await engine.close();
  });

  test("delete leaves a record that a newer Domain with another domainName took over", async () => {
    const ns = await cp.newNamespace("dr");
    const { engine, domain } = engineFor();
    const a = await domain.check(undefined, domainInputs(ns, "same", freshDomain(), { waitForVerification: false }), { urnName: "same" });
    const first = await domain.create(a.inputs, { preview: false });
    const b = await domain.check(undefined, domainInputs(ns, "same", freshDomain(), { waitForVerification: false }), { urnName: "same" });
    // Create-before-delete would do this (diff asks for delete-before-replace, but state may be old).
    await domain.create(b.inputs, { preview: false });
    await domain.delete(first.id, first.outputs, { preview: false });
    expect((await record(ns, "same"))?.data["domainName"]).toBe((b.inputs["spec"] as { domainName: string }).domainName);
    await domain.delete(first.id, {}, { preview: false });
    expect(await record(ns, "same")).toBeUndefined();
    await engine.close();
  });
});
