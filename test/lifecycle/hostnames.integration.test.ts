// HTTPProxy hostname rules against a real kube-apiserver with the real Envoy Gateway and
// cert-manager (test/infra/controllers.ts) and a real authoritative DNS server (PowerDNS):
// hostnames need a verified Domain in the namespace, are claimed exclusively per cluster between
// provider instances, and a Domain in use cannot be deleted. Optional DNS and TLS readiness run
// against PowerDNS and a local TLS listener.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type Server } from "node:tls";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle, type ResourceState } from "../../provider/lifecycle/index.ts";
import { countsSince, createKubeClient, RequestCounter, type KubeClient } from "../../provider/kube/index.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import type { ControlPlane } from "../infra/controlplane.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { createCA } from "../infra/tls.ts";

const ZONE = "hn.test";
const CLAIMS = "datum-downstream-gateway-hostnames";

let rc: Controllers;
let cp: ControlPlane;
let pdns: PowerDns;
let admin: KubeClient;
let seq = 0;
const timings: string[] = [];

function engineFor(fieldManager: string, extra: Record<string, unknown> = {}) {
  const s = resolveEngineSettings({
    kubeconfig: cp.kubeconfig,
    fieldManager,
    timeoutSeconds: 30,
    dnsServers: [pdns.dnsAddress],
    domainVerification: { retryIntervals: [{ interval: "500ms" }] },
    // Most tests here assert the all-or-nothing refusals and their messages; NSO's partial
    // programming (the default) has its own describe block below.
    requireAllHostnames: true,
    ...extra,
  });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const metrics = new RequestCounter();
  const { engine, byToken } = lifecycles(s.settings, { metrics });
  return {
    engine,
    metrics,
    proxy: byToken.get("datum:networking:HTTPProxy") as ResourceLifecycle,
    domain: byToken.get("datum:networking:Domain") as ResourceLifecycle,
  };
}

type Engine = ReturnType<typeof engineFor>;

function freshDomain(): string {
  return `d${++seq}-${Date.now().toString(36)}.${ZONE}`;
}

function proxyInputs(ns: string, name: string, hostnames: string[]) {
  return { metadata: { name, namespace: ns }, spec: { hostnames, rules: [{ name: "web", backends: [{ endpoint: "https://api.example.com" }] }] } };
}

async function createProxy(e: Engine, ns: string, name: string, hostnames: string[], timeoutMs?: number) {
  const checked = await e.proxy.check(undefined, proxyInputs(ns, name, hostnames), { urnName: name });
  expect(checked.failures).toEqual([]);
  return e.proxy.create(checked.inputs, { preview: false, ...(timeoutMs ? { timeoutMs } : {}) });
}

/** Creates a Domain (without waiting) and returns its TXT record so the caller can publish it. */
async function pendingDomain(e: Engine, ns: string, name: string, domainName: string) {
  const checked = await e.domain.check(undefined, { metadata: { name, namespace: ns }, spec: { domainName }, waitForVerification: false }, { urnName: name });
  const created = await e.domain.create(checked.inputs, { preview: false });
  const v = created.outputs["verification"] as { dnsRecord: { name: string; content: string } };
  return { created, inputs: checked.inputs, record: v.dnsRecord };
}

async function gateway(ns: string, name: string) {
  return admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name });
}

async function claimOwner(hostname: string): Promise<string | undefined> {
  const cm = await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: CLAIMS, name: hostname });
  return cm ? String((cm["data"] as Record<string, unknown>)["owner"]) : undefined;
}

async function domainVerified(ns: string, name: string): Promise<boolean> {
  const cm = await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: `datum-domain-${name}` });
  const status = JSON.parse(String((cm?.["data"] as Record<string, unknown> | undefined)?.["status"] ?? "{}")) as { conditions?: { type: string; status: string }[] };
  return status.conditions?.some((c) => c.type === "Verified" && c.status === "True") === true;
}

beforeAll(async () => {
  [rc, pdns] = await Promise.all([getControllers(), startPowerDns()]);
  cp = rc.cp;
  await pdns.createZone(ZONE);
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
}, 240_000);

afterAll(async () => {
  console.log(`[lifecycle/hostnames] timings:\n  ${timings.join("\n  ")}`);
  await admin?.close();
  await pdns?.stop();
  await rc?.stop();
});

describe("hostnames must be covered by a verified Domain", () => {
  test("refused without a Domain, refused while it is pending, accepted once its TXT record exists", async () => {
    const ns = await cp.newNamespace("hv");
    const a = engineFor("stack-a");
    const d = freshDomain();
    const host = `shop.${d}`;

    // No Domain at all: refused before anything is written, saying which Domain to create.
    const before = a.metrics.snapshot();
    const err = await createProxy(a, ns, "shop", [host]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "HostnameRuleError" });
    expect(String((err as Error).message)).toBe(
      `HTTPProxy ${ns}/shop: hostnames must be covered by a verified Domain in namespace "${ns}":\n` +
        `  spec.hostnames[0]: The hostname "${host}" has not been verified. Check status of Domains in the same namespace. ` +
        `No Domain in namespace "${ns}" covers it: create a Domain with spec.domainName "${ZONE}" (or "${host}") and verify it`,
    );
    expect(countsSince(before, a.metrics.snapshot()).writes).toBe(0);
    expect(await gateway(ns, "shop")).toBeUndefined();
    expect(await claimOwner(host)).toBeUndefined();

    // Preview only warns (and writes nothing).
    const warnings: string[] = [];
    const checked = await a.proxy.check(undefined, proxyInputs(ns, "shop", [host]), { urnName: "shop" });
    const pv = a.metrics.snapshot();
    await a.proxy.create(checked.inputs, { preview: true, onWarning: (w) => warnings.push(w) });
    expect(countsSince(pv, a.metrics.snapshot()).writes).toBe(0);
    expect(warnings).toEqual([expect.stringContaining(`spec.hostnames[0]: The hostname "${host}" has not been verified.`)]);

    // A covering Domain that is pending: the proxy checks it once, then names it and its record.
    const dom = await pendingDomain(a, ns, "dom", d);
    const pending = await createProxy(a, ns, "shop", [host]).catch((e: unknown) => e);
    expect(String((pending as Error).message)).toContain(
      `Domain ${ns}/dom (${d}) is not verified yet: publish TXT datum-custom-hostname.${d} = "${dom.record.content}"`,
    );
    expect(String((pending as Error).message)).toContain(`last check: TXT datum-custom-hostname.${d}: not found (NXDOMAIN)`);
    expect(await gateway(ns, "shop")).toBeUndefined();

    // The record is published (e.g. by a DNS provider resource fed from the Domain's outputs):
    // the proxy verifies the Domain on its behalf and goes ahead, in the same `up`.
    await pdns.setRecord(ZONE, dom.record.name, "TXT", [`"${dom.record.content}"`]);
    const t0 = performance.now();
    const created = await createProxy(a, ns, "shop", [host]);
    timings.push(`HTTPProxy create that verified its pending Domain: ${Math.round(performance.now() - t0)} ms`);
    expect(created.outputs["ready"]).toBe(true);
    expect(await domainVerified(ns, "dom")).toBe(true);
    expect(await claimOwner(host)).toBe(`stack-a/${ns}/shop`);
    // The Domain's own next `up` sees it verified without looking again.
    const domUp = await a.domain.update(dom.created.id, dom.created.outputs, dom.inputs, { preview: false });
    expect(domUp.outputs["verified"]).toBe(true);

    // D8: the Domain cannot go while the proxy serves a hostname under it.
    const refused = await a.domain.delete(dom.created.id, domUp.outputs, { preview: false }).catch((e: unknown) => e);
    expect(String((refused as Error).message)).toBe(
      `Domain ${ns}/dom (${d}): Forbidden: cannot delete Domain while in use by an HTTPProxy: used by HTTPProxy ${ns}/shop (${host}); ` +
        "remove those hostnames or delete the HTTPProxy first",
    );
    expect(await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "datum-domain-dom" })).toBeDefined();

    // Changing the hostname claims the new one and gives back the old one.
    const www = `www.${d}`;
    const next = await a.proxy.check(checked.inputs, proxyInputs(ns, "shop", [www]), { urnName: "shop" });
    const updated = await a.proxy.update(created.id, created.outputs, next.inputs, { preview: false });
    expect(await claimOwner(www)).toBe(`stack-a/${ns}/shop`);
    expect(await claimOwner(host)).toBeUndefined();

    // Delete releases the claims; then the Domain may go.
    await a.proxy.delete(created.id, updated.outputs, { preview: false });
    expect(await claimOwner(www)).toBeUndefined();
    await a.domain.delete(dom.created.id, domUp.outputs, { preview: false });
    expect(await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "datum-domain-dom" })).toBeUndefined();
    await a.engine.close();
  });

  test("a Domain in another namespace does not cover; disableHostnameVerification skips the check but not the claim", async () => {
    const ns = await cp.newNamespace("hx");
    const other = await cp.newNamespace("hy");
    const a = engineFor("stack-a");
    const d = freshDomain();
    const dom = await pendingDomain(a, other, "dom", d);
    await pdns.setRecord(ZONE, dom.record.name, "TXT", [`"${dom.record.content}"`]);
    const err = await createProxy(a, ns, "p", [`a.${d}`]).catch((e: unknown) => e);
    expect(String((err as Error).message)).toContain(`No Domain in namespace "${ns}" covers it`);
    // Dot boundary: a Domain for d does not cover "x-<d>".
    const dotted = await createProxy(a, other, "p", [`x-${d}`]).catch((e: unknown) => e);
    expect(String((dotted as Error).message)).toContain(`No Domain in namespace "${other}" covers it`);

    const off = engineFor("stack-a", { guardrails: { gateway: { disableHostnameVerification: true } } });
    const created = await createProxy(off, ns, "p", [`a.${d}`]);
    expect(await claimOwner(`a.${d}`)).toBe(`stack-a/${ns}/p`);
    await off.proxy.delete(created.id, created.outputs, { preview: false });
    await a.domain.delete(dom.created.id, {}, { preview: false });
    await off.engine.close();
    await a.engine.close();
  });
});

type Cond = { type: string; status: string; reason: string; message: string };
type HostStatus = { hostname: string; conditions: Cond[] };
const condOf = (statuses: unknown, hostname: string, type: string): Cond | undefined =>
  (statuses as HostStatus[]).find((h) => h.hostname === hostname)?.conditions.find((c) => c.type === type);
const listenerHostnames = async (ns: string, name: string): Promise<string[]> =>
  (((await gateway(ns, name))?.["spec"] as { listeners: { name: string; hostname: string }[] }).listeners ?? []).map((l) => `${l.name}=${l.hostname}`);

describe("partial programming (the default, as NSO)", () => {
  test("an unverified hostname is left out and reported; the others serve; once verified it joins under the same listener names", async () => {
    const ns = await cp.newNamespace("pp");
    const e = engineFor("stack-a", { requireAllHostnames: false });
    const ok = freshDomain();
    const later = freshDomain();
    const dom = await pendingDomain(e, ns, "ok", ok);
    await pdns.setRecord(ZONE, dom.record.name, "TXT", [`"${dom.record.content}"`]);
    const good = `www.${ok}`;
    const bad = `www.${later}`;

    const checked = await e.proxy.check(undefined, proxyInputs(ns, "shop", [good, bad]), { urnName: "shop" });
    const warnings: string[] = [];
    await e.proxy.create(checked.inputs, { preview: true, onWarning: (w) => warnings.push(w) });
    // The first Domain is still pending (its record is out, nobody checked yet): up checks it once more.
    expect(warnings).toEqual([
      expect.stringContaining(`spec.hostnames[0]: The hostname "${good}" has not been verified. Check status of Domains in the same namespace. Domain ${ns}/ok (${ok}) is not verified yet; up checks it once more`),
      expect.stringMatching(new RegExp(`spec\\.hostnames\\[1\\]: The hostname "${bad.replace(/\./g, "\\.")}" has not been verified\\..* — up leaves it out of the Gateway and serves the other hostnames$`)),
    ]);

    const created = await e.proxy.create(checked.inputs, { preview: false });
    const out = created.outputs;
    expect(out["ready"]).toBe(true);
    expect(String(out["readiness"])).toContain(`${bad} not served (UnverifiedHostnamesPresent)`);
    expect(out["hostnames"]).toEqual([out["canonicalHostname"], good]);
    // The Domain was pending: this up checked its record and verified it.
    expect(condOf(out["hostnameStatuses"], good, "Verified")).toMatchObject({ status: "True", message: `Domain ${ns}/ok (${ok}) verified now` });
    expect(condOf(out["hostnameStatuses"], good, "Available")).toMatchObject({ status: "True", reason: "Claimed" });
    expect(condOf(out["hostnameStatuses"], good, "Programmed")).toMatchObject({ status: "True" });
    expect(condOf(out["hostnameStatuses"], good, "CertificateReady")).toMatchObject({ status: "True", reason: "CertificateIssued" });
    expect(condOf(out["hostnameStatuses"], bad, "Verified")).toMatchObject({ status: "False", reason: "UnverifiedHostnamesPresent" });
    expect(condOf(out["hostnameStatuses"], bad, "Available")).toBeUndefined();
    expect(condOf(out["hostnameStatuses"], bad, "Programmed")).toMatchObject({ status: "False", reason: "UnverifiedHostnamesPresent" });
    const conds = out["conditions"] as Cond[];
    expect(conds.find((c) => c.type === "HostnamesVerified")).toMatchObject({ status: "False", reason: "UnverifiedHostnamesPresent", message: `unverified hostnames present, check status of Domains in the same namespace: ${bad}` });
    expect(conds.find((c) => c.type === "Programmed")).toMatchObject({ status: "False", reason: "ListenersNotValid" });
    expect(conds.find((c) => c.type === "CertificatesReady")).toMatchObject({ status: "True", reason: "AllCertificatesReady" });
    // Only the admitted hostname has listeners (and a claim); its listeners are named by its spec position.
    expect(await listenerHostnames(ns, "shop")).toEqual(expect.arrayContaining([`http-hostname-0=${good}`, `https-hostname-0=${good}`]));
    expect((await listenerHostnames(ns, "shop")).some((l) => l.endsWith(`=${bad}`))).toBe(false);
    expect(await claimOwner(bad)).toBeUndefined();
    // A refresh agrees with the up: no drift from the hostname left out.
    const read = await e.proxy.read(created.id, out, checked.inputs, { preview: false });
    expect(read?.outputs["drift"]).toEqual([]);

    // The second Domain verified: the next up serves it too; the first hostname's listeners keep their names.
    const dom2 = await pendingDomain(e, ns, "later", later);
    await pdns.setRecord(ZONE, dom2.record.name, "TXT", [`"${dom2.record.content}"`]);
    const updated = await e.proxy.update(created.id, out, checked.inputs, { preview: false });
    expect(updated.outputs["hostnames"]).toEqual([out["canonicalHostname"], good, bad]);
    expect((updated.outputs["conditions"] as Cond[]).find((c) => c.type === "HostnamesVerified")).toMatchObject({ status: "True" });
    expect(await listenerHostnames(ns, "shop")).toEqual(expect.arrayContaining([`https-hostname-0=${good}`, `https-hostname-1=${bad}`]));
    await e.proxy.delete(created.id, updated.outputs, { preview: false });
    for (const d of [dom, dom2]) await e.domain.delete(d.created.id, {}, { preview: false });
    await e.engine.close();
  });

  test("a hostname claimed by another stack is reported InUse; the rest is served", async () => {
    const nsA = await cp.newNamespace("pa");
    const nsB = await cp.newNamespace("pb");
    const a = engineFor("stack-a", { requireAllHostnames: false, guardrails: { gateway: { disableHostnameVerification: true } } });
    const b = engineFor("stack-b", { requireAllHostnames: false, guardrails: { gateway: { disableHostnameVerification: true } } });
    const d = freshDomain();
    const shared = `app.${d}`;
    const own = `own.${d}`;
    const first = await createProxy(a, nsA, "shop", [shared]);
    const second = await createProxy(b, nsB, "shop", [own, shared]);
    expect(second.outputs["ready"]).toBe(true);
    expect(second.outputs["hostnames"]).toEqual([second.outputs["canonicalHostname"], own]);
    expect(condOf(second.outputs["hostnameStatuses"], shared, "Available")).toMatchObject({ status: "False", reason: "InUse" });
    expect(condOf(second.outputs["hostnameStatuses"], shared, "Available")?.message).toContain(`claimed by "stack-b`.replace("stack-b", "stack-a"));
    expect((second.outputs["conditions"] as Cond[]).find((c) => c.type === "HostnamesInUse")).toMatchObject({ status: "True", message: `Hostnames are already attached to another resource: ${shared}` });
    expect(await claimOwner(shared)).toBe(`stack-a/${nsA}/shop`);
    expect(await claimOwner(own)).toBe(`stack-b/${nsB}/shop`);
    await b.proxy.delete(second.id, second.outputs, { preview: false });
    await a.proxy.delete(first.id, first.outputs, { preview: false });
    await a.engine.close();
    await b.engine.close();
  });
});

describe("hostname claims between two provider instances on one cluster", () => {
  test("the second instance fails naming the first, takes nothing, and succeeds once the first is deleted", async () => {
    const nsA = await cp.newNamespace("ca");
    const nsB = await cp.newNamespace("cb");
    const a = engineFor("stack-a");
    const b = engineFor("stack-b");
    const d = freshDomain();
    // Each stack verifies the domain in its own namespace; one TXT rrset carries both tokens.
    const domA = await pendingDomain(a, nsA, "dom", d);
    const domB = await pendingDomain(b, nsB, "dom", d);
    await pdns.setRecord(ZONE, domA.record.name, "TXT", [`"${domA.record.content}"`, `"${domB.record.content}"`]);

    const app = `app.${d}`;
    const onlyB = `only-b.${d}`;
    const first = await createProxy(a, nsA, "shop", [app]);
    expect(await claimOwner(app)).toBe(`stack-a/${nsA}/shop`);

    const lost = await createProxy(b, nsB, "shop", [onlyB, app]).catch((e: unknown) => e);
    expect(lost).toMatchObject({ name: "HostnameRuleError" });
    expect(String((lost as Error).message)).toBe(
      `HTTPProxy ${nsB}/shop: hostnames are claimed by another owner on this cluster:\n` +
        `  spec.hostnames[1]: The hostname "${app}" is already attached to a resource: it is claimed by "stack-a/${nsA}/shop" (ConfigMap ${CLAIMS}/${app})`,
    );
    // Nothing of the loser was written: no Gateway, and the claim it could take was given back.
    expect(await gateway(nsB, "shop")).toBeUndefined();
    expect(await claimOwner(onlyB)).toBeUndefined();
    expect(await claimOwner(app)).toBe(`stack-a/${nsA}/shop`);

    // Preview of the loser warns with the owner.
    const warnings: string[] = [];
    const checked = await b.proxy.check(undefined, proxyInputs(nsB, "shop", [onlyB, app]), { urnName: "shop" });
    await b.proxy.create(checked.inputs, { preview: true, onWarning: (w) => warnings.push(w) });
    expect(warnings).toEqual([expect.stringContaining(`it is claimed by "stack-a/${nsA}/shop"`)]);

    await a.proxy.delete(first.id, first.outputs, { preview: false });
    expect(await claimOwner(app)).toBeUndefined();
    const second = await b.proxy.create(checked.inputs, { preview: false });
    expect(second.outputs["ready"]).toBe(true);
    expect(await claimOwner(app)).toBe(`stack-b/${nsB}/shop`);
    expect(await claimOwner(onlyB)).toBe(`stack-b/${nsB}/shop`);

    await b.proxy.delete(second.id, second.outputs, { preview: false });
    await a.domain.delete(domA.created.id, {}, { preview: false });
    await b.domain.delete(domB.created.id, {}, { preview: false });
    await a.engine.close();
    await b.engine.close();
  });

  test("replacing a proxy with hostnames deletes the old one first", async () => {
    const a = engineFor("stack-a");
    const ns = await cp.newNamespace("cr");
    const olds = { ...proxyInputs(ns, "old", [`x.${freshDomain()}`]) };
    const news = { ...proxyInputs(ns, "new", olds.spec.hostnames) };
    const d = await a.proxy.diff(`${ns}/old`, olds, news, { preview: true });
    expect(d.replaces).toEqual(["metadata.name"]);
    expect(d.deleteBeforeReplace).toBe(true);
    await a.engine.close();
  });
});

describe("Domain verification cannot be forged", () => {
  const VERIFIED = JSON.stringify({ conditions: [{ type: "Verified", status: "True", reason: "Verified", message: "", lastTransitionTime: "2026-01-01T00:00:00Z" }] });
  const forged = (ns: string, domainName: string, data: Record<string, string>) =>
    admin.apply(
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "datum-domain-forged", namespace: ns, labels: { "pulumi-datum.io/domain": "true" } }, data: { domainName, token: "6f1c2b9e-3d4a-4b8e-9c1f-2a3b4c5d6e7f", ...data } },
      // What a tenant with ConfigMap rights writes (kubectl apply): only a signature proves the provider wrote a status.
      { fieldManager: "kubectl-client-side-apply", force: true },
    );

  test("a hand-written verified record, or a signed status copied from another record, admits no hostname", async () => {
    const ns = await cp.newNamespace("hf");
    const elsewhere = await cp.newNamespace("hg");
    const a = engineFor("stack-a");
    const d = freshDomain();

    // Written by hand by anyone who may write ConfigMaps in the namespace.
    await forged(ns, d, { status: VERIFIED });
    const err = await createProxy(a, ns, "shop", [`shop.${d}`]).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "HostnameRuleError" });
    expect(String((err as Error).message)).toContain(`Domain ${ns}/forged (${d}) is not verified yet`);
    expect(await gateway(ns, "shop")).toBeUndefined();
    expect(await claimOwner(`shop.${d}`)).toBeUndefined();
    const read = await a.domain.read(`${ns}/forged`, undefined, undefined, { preview: false });
    expect(read?.outputs["verified"]).toBe(false);

    // A genuinely verified Domain elsewhere: its signed status, copied, does not verify the forged one.
    const real = await pendingDomain(a, elsewhere, "real", d);
    await pdns.setRecord(ZONE, real.record.name, "TXT", [`"${real.record.content}"`]);
    const verified = await a.domain.update(real.created.id, real.created.outputs, real.inputs, { preview: false });
    expect(verified.outputs["verified"]).toBe(true);
    const cm = await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: elsewhere, name: "datum-domain-real" });
    const data = cm?.["data"] as Record<string, string>;
    expect(data["statusSignature"]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    await forged(ns, d, { status: data["status"]!, statusSignature: data["statusSignature"]! });
    const copied = await createProxy(a, ns, "shop", [`shop.${d}`]).catch((e: unknown) => e);
    expect(copied).toMatchObject({ name: "HostnameRuleError" });
    expect(await gateway(ns, "shop")).toBeUndefined();
    // The genuine record still admits hostnames in its own namespace.
    const ok = await createProxy(a, elsewhere, "shop", [`shop.${d}`]);
    expect(ok.outputs["ready"]).toBe(true);
    await a.proxy.delete(ok.id, ok.outputs, { preview: false });
    await a.domain.delete(real.created.id, verified.outputs, { preview: false });
    await a.engine.close();
  });
});

describe("optional DNS and TLS readiness", () => {
  test("awaitDns: ready once the hostname resolves to the Gateway; a timeout lists the records to create", async () => {
    const ns = await cp.newNamespace("rd");
    const e = engineFor("stack-a", { awaitDns: true, guardrails: { gateway: { disableHostnameVerification: true } } });
    const d = freshDomain();
    await pdns.setRecord(ZONE, `edge.${d}`, "A", [rc.gatewayAddress]);
    const progress: string[] = [];
    const checked = await e.proxy.check(undefined, proxyInputs(ns, "edge", [`edge.${d}`]), { urnName: "edge" });
    const t0 = performance.now();
    const ok = await e.proxy.create(checked.inputs, { preview: false, onProgress: (m) => progress.push(m) });
    timings.push(`HTTPProxy with awaitDns (record present): ${Math.round(performance.now() - t0)} ms`);
    expect(ok.outputs["ready"]).toBe(true);
    expect(progress).toContain(`DNS edge.${d} → ${rc.gatewayAddress} (Gateway addresses)`);

    // Long enough for the real controllers to program the Gateway (about a second; more on a busy machine).
    const err = await createProxy(e, ns, "dark", [`dark.${d}`], 10_000).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: "PartialFailureError", id: `${ns}/dark` });
    const canonical = String((err as { outputs: ResourceState }).outputs["canonicalHostname"]);
    expect(String((err as Error).message)).toBe(
      `DNS does not point at the Gateway yet: DNS dark.${d}: NXDOMAIN, want CNAME to ${canonical} or A/AAAA in [${rc.gatewayAddress}]; create: dark.${d} CNAME ${canonical}`,
    );
    for (const n of ["edge", "dark"]) await e.proxy.delete(`${ns}/${n}`, {}, { preview: false });
    await e.engine.close();
  });

  test("tlsProbe: ready when the served certificate covers every hostname; an expiring one fails", async () => {
    const ns = await cp.newNamespace("rt");
    const dir = mkdtempSync(join(tmpdir(), "pulumi-datum-tls-"));
    let server: Server | undefined;
    try {
      const d = freshDomain();
      const ca = createCA(dir);
      const leaf = ca.issue("gw", { cn: `edge.${d}`, dnsNames: [`edge.${d}`, "*.datum.local"] });
      server = createServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key) }, (s) => s.end());
      await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
      const port = (server.address() as AddressInfo).port;
      const probe = { address: "127.0.0.1", port, ca: readFileSync(ca.cert, "utf8"), minValidityDays: 1 };
      const e = engineFor("stack-a", { tlsProbe: probe, guardrails: { gateway: { disableHostnameVerification: true } } });
      const progress: string[] = [];
      const checked = await e.proxy.check(undefined, proxyInputs(ns, "edge", [`edge.${d}`]), { urnName: "edge" });
      const ok = await e.proxy.create(checked.inputs, { preview: false, onProgress: (m) => progress.push(m) });
      expect(ok.outputs["ready"]).toBe(true);

      // The test certificate is valid for two days: a 7-day minimum fails with the reason.
      const strict = engineFor("stack-a", { tlsProbe: { ...probe, minValidityDays: 7 }, guardrails: { gateway: { disableHostnameVerification: true } } });
      const err = await strict.proxy.update(ok.id, ok.outputs, checked.inputs, { preview: false, timeoutMs: 1_000 }).catch((x: unknown) => x);
      expect(err).toMatchObject({ name: "PartialFailureError" });
      expect(String((err as Error).message)).toMatch(new RegExp(`^the Gateway does not serve a valid certificate yet: TLS .* @ 127\\.0\\.0\\.1:${port}: certificate expires in 1 days \\(< 7\\)`));
      await e.proxy.delete(ok.id, ok.outputs, { preview: false });
      await e.engine.close();
      await strict.engine.close();
    } finally {
      server?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
