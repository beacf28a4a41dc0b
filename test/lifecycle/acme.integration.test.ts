// ACME mode (`certificates: {mode: "acme", …}`) of the HTTPProxy lifecycle, against real servers
// on loopback: kube-apiserver + etcd with the real Envoy Gateway programming the Gateways whose
// listener Secrets the provider writes (test/infra/controllers.ts), pebble as the ACME CA,
// PowerDNS as the authoritative DNS that pebble validates against. For http-01, pebble fetches the
// answer from the real Envoy, at the address Envoy Gateway gave the Gateway, on port 80.
import * as acme from "acme-client";
import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { canonicalHostname } from "../../provider/core/render/index.ts";
import { lifecycles, PartialFailureError, resolveEngineSettings, type ResourceLifecycle, type ResourceState, type StoredCertificate } from "../../provider/lifecycle/index.ts";
import { createKubeClient, type KubeClient, type KubeObject } from "../../provider/kube/index.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import type { ControlPlane } from "../infra/controlplane.ts";
import { startPebble, type Pebble } from "../infra/pebble.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";

const ZONE = "acme-lc.test";
const TARGET = `edge.${ZONE}`;
const DAY = 86_400_000;

let rc: Controllers;
let cp: ControlPlane;
let pdns: PowerDns;
let pebble: Pebble;
let admin: KubeClient;
const timings: string[] = [];

function engineFor(challenge: "dns-01" | "http-01", opts: { now?: () => number; renewBeforeDays?: number; accountKeyPem?: string } = {}) {
  const s = resolveEngineSettings({
    kubeconfig: cp.kubeconfig,
    fieldManager: "acme-test",
    timeoutSeconds: 60,
    dnsServers: [pdns.dnsAddress],
    targetDomain: TARGET,
    guardrails: { gateway: { disableHostnameVerification: true } },
    certificates: {
      mode: "acme",
      directoryUrl: pebble.directoryUrl,
      email: "ops@acme-lc.test",
      challenge,
      caBundle: pebble.tlsCa,
      ...(opts.renewBeforeDays !== undefined && { renewBeforeDays: opts.renewBeforeDays }),
      ...(opts.accountKeyPem !== undefined && { accountKeyPem: opts.accountKeyPem }),
      ...(challenge === "dns-01" ? { dns01: { powerdns: { apiUrl: pdns.apiUrl, apiKey: pdns.apiKey } }, propagationResolvers: [pdns.dnsAddress] } : { http01: { port: 80 } }),
    },
  });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const { engine, byToken } = lifecycles(s.settings, opts.now ? { now: opts.now } : {});
  return { engine, proxy: byToken.get("datum:networking:HTTPProxy") as ResourceLifecycle };
}

function inputs(ns: string, name: string, hostnames: string[]) {
  return { metadata: { name, namespace: ns }, spec: { hostnames, rules: [{ name: "web", backends: [{ endpoint: "https://api.example.com" }] }] } };
}

/** A records for the hostnames pebble (http-01) and the self-check connect to: the Gateway's address (the real Envoy). */
async function pointAtGateway(...hosts: string[]): Promise<void> {
  for (const h of hosts) await pdns.setRecord(ZONE, h, "A", [rc.gatewayAddress]);
}

function certsOf(state: ResourceState): StoredCertificate[] {
  return state["certificates"] as StoredCertificate[];
}

/** The proxy's TLS Secrets in the cluster (found by its source labels). */
async function acmeSecrets(ns: string, name: string): Promise<string[]> {
  const list = await admin.list({ apiVersion: "v1", kind: "Secret", namespace: ns, labelSelector: `pulumi-datum.io/source-name=${name},pulumi-datum.io/source-kind=HTTPProxy` });
  return list.items.map((o) => o.metadata.name).sort();
}

/** Secrets of the proxy that its state does not name: nothing would ever delete them. */
async function orphanSecrets(ns: string, name: string, state: ResourceState): Promise<string[]> {
  const known = new Set((state["downstream"] as { kind: string; name: string }[]).filter((r) => r.kind === "Secret").map((r) => r.name));
  return (await acmeSecrets(ns, name)).filter((n) => !known.has(n));
}

async function secret(ns: string, name: string): Promise<KubeObject | undefined> {
  return admin.get({ apiVersion: "v1", kind: "Secret", namespace: ns, name });
}

function decoded(s: KubeObject | undefined, key: string): string {
  const data = (s?.["data"] ?? {}) as Record<string, string>;
  return Buffer.from(data[key] ?? "", "base64").toString("utf8");
}

async function expectChainsToPebble(certPem: string, hostname: string): Promise<void> {
  const certs = acme.crypto.splitPemChain(certPem).map((c) => new X509Certificate(c));
  const root = new X509Certificate(await pebble.rootCert());
  const all = [...certs, root];
  for (let i = 0; i < certs.length; i++) expect(certs[i]?.verify((all[i + 1] as X509Certificate).publicKey)).toBe(true);
  expect(certs[0]?.subjectAltName).toBe(`DNS:${hostname}`);
}

async function timed<T>(what: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    timings.push(`${what}: ${Math.round(performance.now() - t0)} ms`);
  }
}

beforeAll(async () => {
  [rc, pdns] = await Promise.all([getControllers(), startPowerDns()]);
  cp = rc.cp;
  await pdns.createZone(ZONE);
  pebble = await startPebble({ dnsServer: pdns.dnsAddress, httpPort: 80 });
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
}, 240_000);

afterAll(async () => {
  console.log(`[lifecycle/acme] timings:\n  ${timings.join("\n  ")}`);
  await admin?.close();
  await pebble?.stop();
  await pdns?.stop();
  await rc?.stop();
});

describe("ACME mode, dns-01", () => {
  test("issues one certificate per HTTPS listener into the TLS Secrets the Gateway references; keeps them while valid; renews when due", async () => {
    const ns = await cp.newNamespace("acme");
    const host = `shop-${ns}.${ZONE}`;
    const canonical = canonicalHostname(ns, "shop", TARGET);
    const e = engineFor("dns-01");
    const checked = await e.proxy.check(undefined, inputs(ns, "shop", [host]), { urnName: "shop" });
    expect(checked.failures).toEqual([]);

    // Preview: nothing is ordered; whether a certificate is issued is decided at `up`.
    const pv = await e.proxy.create(checked.inputs, { preview: true });
    expect(pv.outputs["downstream"]).not.toContainEqual(expect.objectContaining({ kind: "Certificate" }));

    const created = await timed("create, dns-01, 2 listeners", () => e.proxy.create(checked.inputs, { preview: false }));
    expect(created.outputs["ready"]).toBe(true);
    const certs = certsOf(created.outputs);
    expect(certs.map((c) => [c.listener, c.hostname, c.secretName])).toEqual([
      ["default-https", canonical, "shop-default-https-acme"],
      ["https-hostname-0", host, "shop-https-hostname-0-acme"],
    ]);
    for (const c of certs) {
      const s = await secret(ns, c.secretName);
      expect(s?.["type"]).toBe("kubernetes.io/tls");
      expect(decoded(s, "tls.crt")).toBe(c.certificatePem);
      expect(decoded(s, "tls.key")).toBe(c.privateKeyPem);
      expect(c.privateKeyPem).toContain("PRIVATE KEY-----");
      expect(c.directoryUrl).toBe(pebble.directoryUrl);
      await expectChainsToPebble(c.certificatePem, c.hostname);
    }
    const account = created.outputs["acmeAccount"] as { url: string; keyPem: string };
    expect(account.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    expect(account.keyPem).toContain("PRIVATE KEY-----");
    // Listeners point at the Secrets; no cert-manager Certificate exists; the Secrets are state's.
    const gw = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "shop" });
    const refs = ((gw?.["spec"] as { listeners: { name: string; tls?: { certificateRefs: { name: string }[] } }[] }).listeners ?? [])
      .filter((l) => l.tls)
      .map((l) => [l.name, l.tls?.certificateRefs[0]?.name]);
    expect(refs).toEqual(certs.map((c) => [c.listener, c.secretName]));
    const certificates = await admin.list({ apiVersion: "cert-manager.io/v1", kind: "Certificate", namespace: ns });
    expect(certificates.items).toEqual([]);
    expect(created.outputs["downstream"]).toEqual(expect.arrayContaining(certs.map((c) => ({ apiVersion: "v1", kind: "Secret", namespace: ns, name: c.secretName }))));
    // The challenge TXT records are gone again.
    expect(await pdns.resolver().resolveTxt(`_acme-challenge.${host}`).catch((err: { code?: string }) => err.code)).toBe("ENOTFOUND");

    // Next `up` with nothing due: no change, and a forced update re-applies from state without ordering.
    const d = await e.proxy.diff(created.id, created.outputs, checked.inputs, { preview: true });
    expect(d.changes).toBe(false);
    const again = await timed("update, certificates valid (no ACME call)", () => e.proxy.update(created.id, created.outputs, checked.inputs, { preview: false }));
    expect(certsOf(again.outputs)).toEqual(certs);
    expect(again.outputs["acmeAccount"]).toEqual(account);

    // A Secret deleted by hand: refresh reports it, the next `up` writes it again from state.
    await admin.delete({ apiVersion: "v1", kind: "Secret", namespace: ns, name: "shop-https-hostname-0-acme" });
    const refreshed = await e.proxy.read(created.id, again.outputs, checked.inputs, { preview: false });
    expect(refreshed?.outputs["drift"]).toContain(`Secret ${ns}/shop-https-hostname-0-acme: missing`);
    expect(certsOf(refreshed?.outputs ?? {})).toEqual(certs);
    expect(refreshed?.inputs).not.toHaveProperty("certificates");
    const dd = await e.proxy.diff(created.id, refreshed?.outputs ?? {}, checked.inputs, { preview: true });
    expect(dd.changes).toBe(true);
    const repaired = await e.proxy.update(created.id, refreshed?.outputs ?? {}, checked.inputs, { preview: false });
    expect(certsOf(repaired.outputs)).toEqual(certs);
    expect(decoded(await secret(ns, "shop-https-hostname-0-acme"), "tls.crt")).toBe(certs[1]?.certificatePem);

    // 10 days before expiry: diff says "renewal due", the update orders new certificates.
    const notAfter = Date.parse(certs[0]?.notAfter ?? "");
    const later = engineFor("dns-01", { now: () => notAfter - 10 * DAY });
    const due = await later.proxy.diff(created.id, repaired.outputs, checked.inputs, { preview: true });
    expect(due.changes).toBe(true);
    expect(due.detailedDiff).toEqual({});
    expect(due.notes).toEqual([
      expect.stringMatching(new RegExp(`^listener default-https: renewal due: certificate for ${canonical.replace(/\./g, "\\.")} expires in (9|10) days \\(< 30\\)$`)),
      expect.stringMatching(/^listener https-hostname-0: renewal due: /),
    ]);
    const renewed = await timed("update, renewal of 2 certificates", () => later.proxy.update(created.id, repaired.outputs, checked.inputs, { preview: false }));
    const next = certsOf(renewed.outputs);
    expect(next.map((c) => c.secretName)).toEqual(certs.map((c) => c.secretName));
    for (const [i, c] of next.entries()) {
      expect(c.certificatePem).not.toBe(certs[i]?.certificatePem);
      expect(c.privateKeyPem).not.toBe(certs[i]?.privateKeyPem);
      expect(decoded(await secret(ns, c.secretName), "tls.crt")).toBe(c.certificatePem);
    }
    // The same account (its key from state) ordered them.
    expect(renewed.outputs["acmeAccount"]).toEqual(account);

    // A hostname change orders only the changed listener's certificate.
    const www = `www-${ns}.${ZONE}`;
    const changed = await e.proxy.check(checked.inputs, inputs(ns, "shop", [www]), { urnName: "shop" });
    const moved = await e.proxy.update(created.id, renewed.outputs, changed.inputs, { preview: false });
    const moveCerts = certsOf(moved.outputs);
    expect(moveCerts[0]).toEqual(next[0]);
    expect(moveCerts[1]?.hostname).toBe(www);
    await expectChainsToPebble(moveCerts[1]?.certificatePem ?? "", www);

    // Delete removes the Secrets with everything else.
    await e.proxy.delete(created.id, moved.outputs, { preview: false });
    for (const c of moveCerts) expect(await secret(ns, c.secretName)).toBeUndefined();
    await e.engine.close();
    await later.engine.close();
  });

  test("an order that fails part-way keeps the certificates already issued; the next up finishes without re-ordering them", async () => {
    const ns = await cp.newNamespace("acmef");
    const zone = `late-${ns}.test`;
    const host = `shop.${zone}`;
    const e = engineFor("dns-01");
    const checked = await e.proxy.check(undefined, inputs(ns, "shop", [host]), { urnName: "shop" });
    // PowerDNS does not serve the hostname's zone yet: its TXT record cannot be written.
    const err = await e.proxy.create(checked.inputs, { preview: false }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(PartialFailureError);
    const failure = err as PartialFailureError;
    expect(failure.message).toContain(`ACME certificate for ${host} (listener https-hostname-0) failed (challenge)`);
    const kept = certsOf(failure.outputs);
    expect(kept.map((c) => c.listener)).toEqual(["default-https"]);
    expect(failure.outputs["downstream"]).toContainEqual({ apiVersion: "v1", kind: "Secret", namespace: ns, name: "shop-default-https-acme" });
    expect(await orphanSecrets(ns, "shop", failure.outputs)).toEqual([]);

    await pdns.createZone(zone);
    const done = await e.proxy.update(failure.id, failure.outputs, checked.inputs, { preview: false });
    const certs = certsOf(done.outputs);
    expect(certs.map((c) => c.listener)).toEqual(["default-https", "https-hostname-0"]);
    expect(certs[0]).toEqual(kept[0]);
    expect(await orphanSecrets(ns, "shop", done.outputs)).toEqual([]);
    // The Secrets carry the stack's owner mark: delete may remove them, and removes all of them.
    expect((await secret(ns, certs[0]!.secretName))?.metadata.annotations?.["pulumi-datum.io/owner"]).toBe("acme-test"); // the engine's field manager: no owner id given
    await e.proxy.delete(failure.id, done.outputs, { preview: false });
    expect(await acmeSecrets(ns, "shop")).toEqual([]);
    await pdns.deleteZone(zone);
    await e.engine.close();
  });
});

describe("ACME mode with a configured account key", () => {
  test("orders with that account and keeps no account in state", async () => {
    const ns = await cp.newNamespace("acmek");
    const accountKeyPem = (await acme.crypto.createPrivateEcdsaKey("P-256")).toString();
    const e = engineFor("dns-01", { accountKeyPem });
    const checked = await e.proxy.check(undefined, inputs(ns, "shop", []), { urnName: "shop" });
    const created = await e.proxy.create(checked.inputs, { preview: false });
    expect(certsOf(created.outputs).map((c) => c.listener)).toEqual(["default-https"]);
    expect(created.outputs).not.toHaveProperty("acmeAccount");
    // The CA knows that key's account: looking it up without creating one succeeds.
    const client = new acme.Client({ directoryUrl: pebble.directoryUrl, accountKey: accountKeyPem });
    await client.createAccount({ onlyReturnExisting: true });
    expect(client.getAccountUrl()).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//);
    await e.proxy.delete(created.id, created.outputs, { preview: false });
    await e.engine.close();
  });
});

describe("ACME mode, http-01", () => {
  test("the CA fetches the answer from a direct-response HTTPRouteFilter on the proxy's own Gateway; the solver objects are removed", async () => {
    const ns = await cp.newNamespace("acmeh");
    const host = `web-${ns}.${ZONE}`;
    const canonical = canonicalHostname(ns, "web", TARGET);
    await pointAtGateway(host, canonical);
    const e = engineFor("http-01");
    const checked = await e.proxy.check(undefined, inputs(ns, "web", [host]), { urnName: "web" });
    const created = await timed("create, http-01, 2 listeners", () => e.proxy.create(checked.inputs, { preview: false }));
    const certs = certsOf(created.outputs);
    expect(certs.map((c) => c.hostname)).toEqual([canonical, host]);
    // Issued only once pebble fetched each answer from the Gateway's address, where nothing but the
    // real Envoy listens: Envoy Gateway programmed the route and direct response the provider wrote.
    for (const c of certs) await expectChainsToPebble(c.certificatePem, c.hostname);
    const solverRoutes = await admin.list({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, labelSelector: "meta.datumapis.com/http01-solver=true" });
    expect(solverRoutes.items).toEqual([]);
    const solverFilters = await admin.list({ apiVersion: "gateway.envoyproxy.io/v1alpha1", kind: "HTTPRouteFilter", namespace: ns, labelSelector: "meta.datumapis.com/http01-solver=true" });
    expect(solverFilters.items).toEqual([]);
    await e.proxy.delete(created.id, created.outputs, { preview: false });
    await e.engine.close();
  });
});
