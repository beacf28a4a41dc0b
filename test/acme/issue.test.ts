// ACME issuance with acme-client against a real ACME server (pebble) whose DNS-01 and HTTP-01
// validations query a real authoritative DNS server (PowerDNS) on loopback.
import * as acme from "acme-client";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AcmeIssueError,
  acmeCertificatesSchema,
  createDns01Solver,
  createHttp01Solver,
  http01Objects,
  Http01BodyTooLargeError,
  issueCertificate,
  PowerDnsBackend,
  renewalDue,
  coversExactly,
  solverFromSettings,
  tlsSecretObject,
  type DnsBackend,
} from "../../provider/acme/index.ts";
import { createHttpGet, createResolver, type DnsResolver } from "../../provider/await/dns/index.ts";
import { startPebble, type Pebble } from "../infra/pebble.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";
import { startGatewayStandIn, type GatewayStandIn } from "./gateway-standin.ts";
import { pebbleHttpPort } from "./pebble-http-port.ts";

const ZONE = "acme.test";
const DAY = 86_400_000;

let pdns: PowerDns;
let pebble: Pebble;
let resolver: DnsResolver;
let backend: PowerDnsBackend;
const timings: string[] = [];

function settings(p: Pebble, challenge: "dns-01" | "http-01") {
  return acmeCertificatesSchema.parse({
    mode: "acme",
    directoryUrl: p.directoryUrl,
    email: "ops@acme.test",
    challenge,
    caBundle: p.tlsCa,
    ...(challenge === "dns-01" && { dns01: { powerdns: { apiUrl: pdns.apiUrl, apiKey: pdns.apiKey } } }),
  });
}

function verifyChain(certPem: string, rootPem: string): void {
  const certs = acme.crypto.splitPemChain(certPem).map((c) => new X509Certificate(c));
  const root = new X509Certificate(rootPem);
  const all = [...certs, root];
  for (let i = 0; i < certs.length; i++) {
    expect(certs[i]?.verify((all[i + 1] as X509Certificate).publicKey)).toBe(true);
  }
}

beforeAll(async () => {
  pdns = await startPowerDns();
  await pdns.createZone(ZONE);
  pebble = await startPebble({ dnsServer: pdns.dnsAddress });
  resolver = createResolver({ servers: [pdns.dnsAddress], timeoutMs: 1_000, tries: 1 });
  backend = new PowerDnsBackend({ apiUrl: pdns.apiUrl, apiKey: pdns.apiKey });
});

afterAll(async () => {
  console.log(`[acme] issuance timings:\n  ${timings.join("\n  ")}`);
  await pebble?.stop();
  await pdns?.stop();
});

describe("settings", () => {
  it("requires a DNS backend for dns-01 and fills defaults", () => {
    const r = acmeCertificatesSchema.safeParse({ mode: "acme", directoryUrl: "https://ca.example/dir", email: "a@b.c", challenge: "dns-01" });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ["dns01"], message: "dns-01 needs a DNS backend (dns01.powerdns)" });
    const ok = acmeCertificatesSchema.parse({ mode: "acme", directoryUrl: "https://ca.example/dir", email: "a@b.c", challenge: "http-01" });
    expect(ok.renewBeforeDays).toBe(30);
    expect(solverFromSettings(ok, {})).toEqual({ ok: false, error: "challenge http-01 needs the proxy's Gateway and a cluster client to write the solver route" });
  });
});

describe("PowerDNS backend", () => {
  it("adds and removes single TXT values on a shared name", async () => {
    const name = `_acme-challenge.shared.${ZONE}`;
    await backend.addTxt(name, "one");
    await backend.addTxt(name, "two");
    await backend.addTxt(name, "two");
    expect((await resolver.resolveTxt(name)).map((c) => c.join("")).sort()).toEqual(["one", "two"]);
    await backend.removeTxt(name, "one");
    expect((await resolver.resolveTxt(name)).map((c) => c.join(""))).toEqual(["two"]);
    await backend.removeTxt(name, "two");
    await expect(resolver.resolveTxt(name)).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  it("names the missing zone and never leaks the API key", async () => {
    const err = await backend.addTxt("_acme-challenge.www.elsewhere.example", "v").catch((e: unknown) => e);
    expect(String(err)).toMatch(/PowerDNS has no zone containing _acme-challenge\.www\.elsewhere\.example\. \(zones: acme\.test\.\)/);
    const bad = new PowerDnsBackend({ apiUrl: pdns.apiUrl, apiKey: "wrong-key-123" });
    const e2 = await bad.addTxt(`x.${ZONE}`, "v").catch((e: unknown) => e);
    expect(String(e2)).toMatch(/HTTP 401/);
    expect(String(e2)).not.toContain("wrong-key-123");
  });
});

describe("dns-01", () => {
  it("issues a certificate for two hostnames and cleans up the TXT records", async () => {
    const hostnames = [`www.${ZONE}`, `api.${ZONE}`];
    const progress: string[] = [];
    const t0 = performance.now();
    const issued = await issueCertificate({
      settings: settings(pebble, "dns-01"),
      hostnames,
      solver: createDns01Solver({ backend, resolver, pollIntervalMs: 50 }),
      pollIntervalMs: 100,
      timeoutMs: 60_000,
      onProgress: (m) => progress.push(m),
    });
    timings.push(`dns-01, 2 hostnames: ${(performance.now() - t0).toFixed(0)} ms wall (${JSON.stringify(issued.timings)})`);
    const leaf = new X509Certificate(acme.crypto.splitPemChain(issued.certificatePem)[0] as string);
    expect(leaf.subjectAltName?.split(", ").sort()).toEqual(hostnames.map((h) => `DNS:${h}`).sort());
    expect(leaf.issuer).toMatch(/Pebble/);
    expect(coversExactly(issued.certificatePem, [...hostnames].reverse())).toBe(true);
    expect(coversExactly(issued.certificatePem, [hostnames[0] as string])).toBe(false);
    verifyChain(issued.certificatePem, await pebble.rootCert());
    // The private key matches the certificate.
    expect(leaf.checkPrivateKey(createPrivateKey(issued.secrets.privateKeyPem))).toBe(true);
    expect(issued.secrets.accountKeyPem).toContain("PRIVATE KEY");
    expect(JSON.stringify(progress)).not.toContain("PRIVATE KEY");
    expect(progress[0]).toBe(`ACME order for www.${ZONE}, api.${ZONE}: 2 authorization(s) via dns-01`);
    for (const h of hostnames) await expect(resolver.resolveTxt(`_acme-challenge.${h}`)).rejects.toMatchObject({ code: "ENOTFOUND" });

    const secret = tlsSecretObject({ name: "shop-https", namespace: "default", certificatePem: issued.certificatePem, privateKeyPem: issued.secrets.privateKeyPem, notAfter: issued.notAfter });
    expect(secret.type).toBe("kubernetes.io/tls");
    expect(Buffer.from(secret.data["tls.crt"], "base64").toString()).toBe(issued.certificatePem);
    expect(Buffer.from(secret.data["tls.key"], "base64").toString()).toBe(issued.secrets.privateKeyPem);

    const notAfter = Date.parse(issued.notAfter);
    expect(renewalDue(issued.certificatePem, Date.now()).due).toBe(false);
    expect(renewalDue(issued.certificatePem, notAfter - 29 * DAY - 1)).toMatchObject({ due: true, daysRemaining: 29 });
    expect(renewalDue(issued.certificatePem, notAfter - 29 * DAY - 1).message).toMatch(/^renewal due: certificate for .* expires in 29 days \(< 30\)$/);
    expect(renewalDue(issued.certificatePem, notAfter - 30 * DAY).due).toBe(false);
    expect(renewalDue(issued.certificatePem, notAfter + 1).message).toMatch(/expired at/);

    // Renewal reuses the account from state; the solver comes from the settings alone.
    const renewSettings = { ...settings(pebble, "dns-01"), propagationResolvers: [pdns.dnsAddress] };
    const built = solverFromSettings(renewSettings, {});
    if (!built.ok) throw new Error(built.error);
    const again = await issueCertificate({
      settings: renewSettings,
      hostnames: [hostnames[0] as string],
      account: { keyPem: issued.secrets.accountKeyPem, url: issued.accountUrl },
      solver: built.solver,
      pollIntervalMs: 100,
    });
    expect(again.accountUrl).toBe(issued.accountUrl);
    expect(again.secrets.accountKeyPem).toBe(issued.secrets.accountKeyPem);
    expect(again.secrets.privateKeyPem).not.toBe(issued.secrets.privateKeyPem);
  });

  it("fails the authorization when the TXT value is wrong, with the CA's reason", async () => {
    const wrong: DnsBackend = {
      addTxt: (fqdn, _value, signal) => backend.addTxt(fqdn, "not-the-digest", signal),
      removeTxt: (fqdn, _value, signal) => backend.removeTxt(fqdn, "not-the-digest", signal),
    };
    const host = `bad.${ZONE}`;
    const t0 = performance.now();
    const err = await issueCertificate({
      settings: settings(pebble, "dns-01"),
      hostnames: [host],
      solver: createDns01Solver({ backend: wrong }),
      pollIntervalMs: 100,
      timeoutMs: 60_000,
    }).catch((e: unknown) => e);
    timings.push(`dns-01 wrong TXT → invalid authorization after ${(performance.now() - t0).toFixed(0)} ms`);
    expect(err).toBeInstanceOf(AcmeIssueError);
    const e = err as AcmeIssueError;
    expect(e.step).toBe("authorization");
    expect(e.hostname).toBe(host);
    expect(e.message).toMatch(/^authorization for bad\.acme\.test is invalid: unauthorized: /);
    console.log(`[acme] CA said: ${e.message}`);
    // The wrong value was still cleaned up.
    await expect(resolver.resolveTxt(`_acme-challenge.${host}`)).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  it("fails fast when the record never becomes visible", async () => {
    const blackhole: DnsBackend = { addTxt: async () => undefined, removeTxt: async () => undefined };
    const err = await issueCertificate({
      settings: settings(pebble, "dns-01"),
      hostnames: [`ghost.${ZONE}`],
      solver: createDns01Solver({ backend: blackhole, resolver, propagationTimeoutMs: 300, pollIntervalMs: 50 }),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcmeIssueError);
    expect((err as AcmeIssueError).step).toBe("challenge");
    expect((err as Error).message).toMatch(/^dns-01 for ghost\.acme\.test: TXT _acme-challenge\.ghost\.acme\.test: not found \(NXDOMAIN\), want '.+' \(not visible before the propagation timeout\)$/);
  });

  it("retries through pebble's badNonce rejections", async () => {
    const noisy = await startPebble({ dnsServer: pdns.dnsAddress, env: { PEBBLE_WFE_NONCEREJECT: "20" } });
    const lines: string[] = [];
    acme.setLogger((m) => lines.push(m));
    try {
      let rejections = 0;
      // Rejection is random: issue until at least one badNonce was retried (almost always the first).
      for (let i = 0; i < 6 && rejections === 0; i++) {
        const issued = await issueCertificate({
          settings: settings(noisy, "dns-01"),
          hostnames: [`nonce${i}.${ZONE}`],
          solver: createDns01Solver({ backend, resolver, pollIntervalMs: 50 }),
          pollIntervalMs: 100,
        });
        expect(issued.certificatePem).toContain("BEGIN CERTIFICATE");
        rejections = lines.filter((l) => l.startsWith("Caught invalid nonce error")).length;
      }
      timings.push(`badNonce run: ${rejections} rejected nonce(s) retried`);
      expect(rejections).toBeGreaterThan(0);
      expect(lines.join("\n")).not.toContain("PRIVATE KEY");
    } finally {
      acme.setLogger(() => undefined);
      await noisy.stop();
    }
  });
});

describe("http-01", () => {
  let gateway: GatewayStandIn;

  beforeAll(async () => {
    gateway = await startGatewayStandIn(pebbleHttpPort(pebble));
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("renders a direct-response HTTPRouteFilter and an Exact-path HTTPRoute", () => {
    const o = http01Objects({ name: "shop", namespace: "default", sectionName: "http" }, { hostname: `h.${ZONE}`, token: "tok123", keyAuthorization: "tok123.thumb" });
    expect(o.filter).toEqual({
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "HTTPRouteFilter",
      metadata: { name: o.route.metadata.name, namespace: "default", labels: { "meta.datumapis.com/http01-solver": "true" } },
      spec: { directResponse: { contentType: "text/plain", statusCode: 200, body: { type: "Inline", inline: "tok123.thumb" } } },
    });
    expect(o.route.metadata.name).toMatch(/^shop-acme-[0-9a-f]{10}$/);
    expect(o.route.spec).toEqual({
      parentRefs: [{ name: "shop", sectionName: "http" }],
      hostnames: [`h.${ZONE}`],
      rules: [
        {
          matches: [{ path: { type: "Exact", value: "/.well-known/acme-challenge/tok123" } }],
          filters: [{ type: "ExtensionRef", extensionRef: { group: "gateway.envoyproxy.io", kind: "HTTPRouteFilter", name: o.route.metadata.name } }],
        },
      ],
    });
    expect(http01Objects({ name: "g".repeat(80), namespace: "d" }, { hostname: "h", token: "t", keyAuthorization: "k" }).route.metadata.name.length).toBeLessThanOrEqual(63);
    expect(() => http01Objects({ name: "g", namespace: "d" }, { hostname: "h", token: "t", keyAuthorization: "k".repeat(1025) })).toThrow(Http01BodyTooLargeError);
    expect(() => http01Objects({ name: "g", namespace: "d" }, { hostname: "h", token: "t", keyAuthorization: "k".repeat(1024) })).not.toThrow();
  });

  it("issues through the Gateway stand-in and removes the solver objects", async () => {
    const host = `web.${ZONE}`;
    // pebble resolves the identifier through PowerDNS and connects to its http-01 port there.
    await pdns.setRecord(ZONE, host, "A", ["127.0.0.1"]);
    const selfCheckGet = createHttpGet({ resolver, connectTo: () => ({ host: "127.0.0.1", port: gateway.http.port }) });
    const t0 = performance.now();
    const issued = await issueCertificate({
      settings: settings(pebble, "http-01"),
      hostnames: [host],
      solver: createHttp01Solver({ gateway: { name: "web", namespace: "default" }, writer: gateway, selfCheck: { httpGet: selfCheckGet, pollIntervalMs: 50 } }),
      pollIntervalMs: 100,
      timeoutMs: 60_000,
    });
    timings.push(`http-01, 1 hostname: ${(performance.now() - t0).toFixed(0)} ms wall (${JSON.stringify(issued.timings)})`);
    expect(new X509Certificate(acme.crypto.splitPemChain(issued.certificatePem)[0] as string).subjectAltName).toBe(`DNS:${host}`);
    verifyChain(issued.certificatePem, await pebble.rootCert());
    const validations = gateway.http.requests.filter((r) => r.startsWith(`${host}:${gateway.http.port} /.well-known/acme-challenge/`) || r.startsWith(`${host} /.well-known/acme-challenge/`));
    expect(validations.length).toBeGreaterThanOrEqual(2);
    expect(gateway.log.map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(["apply HTTPRouteFilter", "apply HTTPRoute", "delete HTTPRoute", "delete HTTPRouteFilter"]);
    expect(gateway.filters.size + gateway.routes.size).toBe(0);
  });

  it("fails the authorization when the Gateway serves the wrong answer", async () => {
    const host = `wrong.${ZONE}`;
    await pdns.setRecord(ZONE, host, "A", ["127.0.0.1"]);
    const tampering = {
      apply: (obj: Parameters<GatewayStandIn["apply"]>[0]) =>
        gateway.apply(obj.kind === "HTTPRouteFilter" ? { ...obj, spec: { directResponse: { ...obj.spec.directResponse, body: { type: "Inline" as const, inline: "garbage" } } } } : obj),
      delete: gateway.delete,
    };
    const err = await issueCertificate({
      settings: settings(pebble, "http-01"),
      hostnames: [host],
      solver: createHttp01Solver({ gateway: { name: "web", namespace: "default" }, writer: tampering }),
      pollIntervalMs: 100,
      timeoutMs: 60_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AcmeIssueError);
    expect((err as AcmeIssueError).step).toBe("authorization");
    expect((err as Error).message).toMatch(/^authorization for wrong\.acme\.test is invalid: unauthorized: /);
    console.log(`[acme] CA said: ${(err as Error).message}`);
  });
});
