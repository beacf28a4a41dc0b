// examples/acme through the real engine: the provider in ACME mode issues the listener
// certificates itself, from a real ACME server (pebble) whose dns-01 validation queries the
// PowerDNS the provider writes the challenge records to (the one examples.test.ts started, with a
// zone of this suite's own). No cert-manager is involved: no Certificate objects, the TLS Secrets
// are written by the provider, and the keys live in state as Pulumi secrets.
import { KubernetesObjectApi, type KubernetesObject } from "@kubernetes/client-node";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPebble, type Pebble } from "../infra/pebble.ts";
import { deleteObject, getObject, ownedObjects } from "./cluster.ts";
import { output, writesDuring, type E2eContext } from "./context.ts";
import { changesOf, changeSummary, exampleWorkspace, type ExampleWorkspace, type PulumiResult, type StateResource } from "./workspace.ts";

const STACK = "e2e";
const GATEWAY = "gateway.networking.k8s.io/v1";
const MANAGED_BY = "app.kubernetes.io/managed-by=pulumi-datum";
/** How the Pulumi checkpoint marks a secret value ({"4dabf…": "1b47…", "ciphertext": …}). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

interface StoredCertificate {
  readonly listener: string;
  readonly hostname: string;
  readonly secretName: string;
  readonly notAfter: string;
  readonly certificatePem: string;
  /** A secret: `{<sig>, plaintext}` in an export with --show-secrets. */
  readonly privateKeyPem: unknown;
}

/** A secret in a `pulumi stack export`: the signature and the encrypted value. */
function ciphertext(v: unknown): boolean {
  const o = v as Record<string, unknown> | undefined;
  return typeof o === "object" && o !== null && o[SECRET_SIG] === SECRET_VALUE && typeof o["ciphertext"] === "string" && !("plaintext" in o);
}

/** A secret in a `pulumi stack export --show-secrets`: its value (JSON-encoded in `plaintext`). */
function plaintext(v: unknown): string {
  const o = v as Record<string, unknown> | undefined;
  if (typeof o !== "object" || o === null || o[SECRET_SIG] !== SECRET_VALUE || typeof o["plaintext"] !== "string") throw new Error(`not a shown secret: ${JSON.stringify(v)?.slice(0, 200)}`);
  return JSON.parse(o["plaintext"]) as string;
}

type TlsSecret = KubernetesObject & { type?: string; data?: Record<string, string> };

/** PEM blocks of a chain, leaf first. */
function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** Each certificate is signed by the next, the last by `rootPem`. */
function chainsTo(chainPem: string, rootPem: string): boolean {
  const certs = pemBlocks(chainPem).map((c) => new X509Certificate(c));
  if (certs.length === 0) return false;
  const all = [...certs, new X509Certificate(rootPem)];
  return certs.every((c, i) => c.checkIssued(all[i + 1] as X509Certificate) && c.verify((all[i + 1] as X509Certificate).publicKey));
}

export function acmeSuite(ctx: () => E2eContext): void {
  describe("examples/acme (native plugin, ACME mode, pebble + PowerDNS)", () => {
    let ws: ExampleWorkspace;
    let pebble: Pebble;
    let ns: string;
    let zone: string;
    let hostname: string;
    let targetDomain: string;
    const proxyUrn = `urn:pulumi:${STACK}::datum-acme::datum:networking:HTTPProxy::app`;
    const providerUrn = `urn:pulumi:${STACK}::datum-acme::pulumi:providers:datum::edge`;
    const kc = () => ctx().cp.kc;
    const apiKey = () => ctx().powerDns.apiKey;
    /** Every CLI run's output (and those without --json), checked for secrets at the end. */
    const outputs: string[] = [];
    const textOutputs: string[] = [];
    const timings: Record<string, number> = {};
    let issued: StoredCertificate[] = [];

    const record = (r: PulumiResult): PulumiResult => {
      outputs.push(output(r));
      if (!r.args.includes("--json")) textOutputs.push(output(r));
      return r;
    };
    const tlsSecrets = async (): Promise<TlsSecret[]> => {
      const api = KubernetesObjectApi.makeApiClient(kc());
      const list = await api.list<TlsSecret>("v1", "Secret", ns, undefined, undefined, undefined, undefined, MANAGED_BY);
      return list.items.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    };
    const storedCertificates = async (): Promise<StoredCertificate[]> => {
      const proxy = (await ws.state()).resources.find((x: StateResource) => x.urn === proxyUrn);
      return (proxy?.outputs?.["certificates"] as StoredCertificate[] | undefined) ?? [];
    };

    beforeAll(async () => {
      const pdns = ctx().powerDns;
      ns = await ctx().cp.newNamespace("acme");
      // One zone holds both the custom hostname and targetDomain, so the canonical hostname's
      // dns-01 answer is written (and validated) there too.
      zone = `${ns}.acme.test`;
      hostname = `app.${zone}`;
      targetDomain = `edge.${zone}`;
      await pdns.createZone(zone);
      pebble = await startPebble({ dnsServer: pdns.dnsAddress });
      ws = exampleWorkspace("acme");
      // A private CA's HTTPS roots, as a file the example reads (it also takes the PEM text).
      const caBundle = join(ws.dir, "pebble-tls-ca.pem");
      writeFileSync(caBundle, pebble.tlsCa);
      await ws.stackInit(STACK);
      await ws.config("kubeconfig", ctx().cp.kubeconfigPath, { secret: true });
      await ws.config("namespace", ns);
      await ws.config("hostname", hostname);
      await ws.config("targetDomain", targetDomain);
      await ws.config("acmeDirectoryUrl", pebble.directoryUrl);
      await ws.config("acmeEmail", `ops@${zone}`);
      await ws.config("acmeCaBundle", caBundle);
      await ws.config("powerdnsApiUrl", pdns.apiUrl);
      await ws.config("powerdnsApiKey", pdns.apiKey, { secret: true });
      await ws.config("propagationResolvers[0]", pdns.dnsAddress, { path: true });
      // No Domain: the cluster's operator "disabled" hostname verification (guardrail).
      await ws.config("disableHostnameVerification", "true");
      await ws.config("timeoutSeconds", "90");
    }, 120_000);

    afterAll(async () => {
      ws?.dispose();
      await pebble?.stop();
      await ctx().powerDns.deleteZone(zone).catch(() => undefined);
      if (Object.keys(timings).length > 0) {
        console.log(`[e2e] examples/acme wall times: ${Object.entries(timings).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
      }
    });

    it("preview plans the proxy without ordering anything or writing to the cluster", async () => {
      let r!: PulumiResult;
      const writes = await writesDuring(kc(), { namespace: ns }, async () => {
        r = record(await ws.ok(["preview"]));
      });
      timings["preview"] = r.ms;
      expect(r.stdout).toMatch(/\+\s+datum:networking:HTTPProxy\s+app\s+create/);
      expect(output(r)).not.toMatch(/ordering from|ACME order/);
      expect(writes).toEqual([]);
      expect(await tlsSecrets()).toEqual([]);
    }, 120_000);

    it("up issues a certificate per HTTPS listener into the TLS Secrets the Gateway references", async () => {
      const r = record(await ws.ok(["up", "--yes", "--skip-preview"]));
      timings["up (issuance)"] = r.ms;
      expect(r.stdout).toMatch(/3 created/);

      const secrets = await tlsSecrets();
      expect(secrets.map((s) => s.metadata?.name)).toEqual(["app-default-https-acme", "app-https-hostname-0-acme"]);
      const root = await pebble.rootCert();
      const served: Record<string, string> = {};
      for (const s of secrets) {
        expect(s.type).toBe("kubernetes.io/tls");
        const crt = Buffer.from(s.data?.["tls.crt"] ?? "", "base64").toString("utf8");
        const key = Buffer.from(s.data?.["tls.key"] ?? "", "base64").toString("utf8");
        expect(key).toContain("PRIVATE KEY-----");
        expect(chainsTo(crt, root), `${s.metadata?.name}: tls.crt chains to pebble's root`).toBe(true);
        const leaf = new X509Certificate(pemBlocks(crt)[0] as string);
        served[s.metadata?.name ?? ""] = leaf.subjectAltName ?? "";
        expect(leaf.checkPrivateKey(createPrivateKey(key))).toBe(true);
      }
      const out = await ws.outputs();
      const canonical = out["canonicalHostname"] as string;
      expect(canonical.endsWith(`.${targetDomain}`)).toBe(true);
      expect(served).toEqual({ "app-default-https-acme": `DNS:${canonical}`, "app-https-hostname-0-acme": `DNS:${hostname}` });

      // The listeners terminate TLS with those Secrets; nothing for cert-manager was rendered.
      const gw = (await getObject(kc(), GATEWAY, "Gateway", ns, "app")) as (KubernetesObject & { spec?: { listeners?: { name: string; tls?: { certificateRefs?: { name: string }[] } }[] } }) | undefined;
      const refs = Object.fromEntries((gw?.spec?.listeners ?? []).filter((l) => l.tls !== undefined).map((l) => [l.name, l.tls?.certificateRefs?.map((c) => c.name)]));
      expect(refs).toEqual({ "default-https": ["app-default-https-acme"], "https-hostname-0": ["app-https-hostname-0-acme"] });
      expect((await ownedObjects(kc(), ns)).filter((o) => o.startsWith("Certificate "))).toEqual([]);
      const api = KubernetesObjectApi.makeApiClient(kc());
      expect((await api.list("cert-manager.io/v1", "Certificate", ns)).items).toEqual([]);

      // The example's own output: hostname and expiry per listener, in plain text, and no key.
      expect(out["ready"]).toBe(true);
      const certs = out["certificates"] as { listener: string; hostname: string; notAfter: string }[];
      expect(certs.map((c) => [c.listener, c.hostname])).toEqual([
        ["default-https", canonical],
        ["https-hostname-0", hostname],
      ]);
      for (const c of certs) expect(Date.parse(c.notAfter)).toBeGreaterThan(Date.now() + 30 * 86_400_000);
      const plain = await ws.ok(["stack", "output", "--json"]);
      expect(JSON.parse(plain.stdout)["certificates"]).toEqual(certs);
      expect(plain.stdout).not.toContain("PRIVATE KEY");

      issued = await storedCertificates();
      expect(issued.map((c) => c.secretName)).toEqual(["app-default-https-acme", "app-https-hostname-0-acme"]);
    }, 240_000);

    it("the checkpoint holds the private keys and the PowerDNS API key only as secrets", async () => {
      const exported = record(await ws.ok(["stack", "export"])).stdout;
      expect(exported).not.toContain("PRIVATE KEY-----");
      expect(exported).not.toContain(apiKey());
      expect(exported).toContain(SECRET_SIG);
      const resources = (JSON.parse(exported) as { deployment: { resources: StateResource[] } }).deployment.resources;
      const proxy = resources.find((x) => x.urn === proxyUrn);
      const certs = proxy?.outputs?.["certificates"] as Record<string, unknown>[];
      expect(certs).toHaveLength(2);
      for (const c of certs) {
        // Only the key is a secret; the certificate itself stays readable.
        expect(ciphertext(c["privateKeyPem"])).toBe(true);
        expect(pemBlocks(String(c["certificatePem"])).length).toBeGreaterThan(0);
      }
      expect(ciphertext((proxy?.outputs?.["acmeAccount"] as Record<string, unknown> | undefined)?.["keyPem"])).toBe(true);
      // The provider's `certificates` input (with the PowerDNS API key) is encrypted as a whole.
      const provider = resources.find((x) => x.urn === providerUrn);
      expect(ciphertext(provider?.inputs?.["certificates"])).toBe(true);
      // With --show-secrets the same paths decrypt to the keys: they were stored, encrypted.
      const shown = (await ws.state()).resources.find((x) => x.urn === proxyUrn);
      for (const c of shown?.outputs?.["certificates"] as Record<string, unknown>[]) expect(plaintext(c["privateKeyPem"])).toContain("PRIVATE KEY-----");
      expect(plaintext((shown?.outputs?.["acmeAccount"] as Record<string, unknown> | undefined)?.["keyPem"])).toContain("PRIVATE KEY-----");
    }, 120_000);

    it("a second up reports no changes and orders nothing", async () => {
      const before = Object.fromEntries((await tlsSecrets()).map((s) => [s.metadata?.name, s.metadata?.resourceVersion]));
      const r = record(await ws.ok(["up", "--yes", "--skip-preview", "--json"]));
      timings["up (no changes)"] = r.ms;
      expect(changesOf(changeSummary(r))).toEqual({});
      const now = await storedCertificates();
      expect(now.map((c) => [c.secretName, c.notAfter, c.certificatePem])).toEqual(issued.map((c) => [c.secretName, c.notAfter, c.certificatePem]));
      // Nothing re-applied with a new certificate: the Secrets are untouched.
      expect(Object.fromEntries((await tlsSecrets()).map((s) => [s.metadata?.name, s.metadata?.resourceVersion]))).toEqual(before);
      const p = record(await ws.ok(["preview", "--expect-no-changes"]));
      expect(output(p)).not.toContain("renewal due");
    }, 240_000);

    it("an update with nothing due re-writes the Secrets from state without an ACME order", async () => {
      // A Secret deleted by hand and a spec change: the update applies the stored certificates.
      await deleteObject(kc(), "v1", "Secret", ns, "app-https-hostname-0-acme");
      await ws.config("upstream", "example.org");
      const r = record(await ws.ok(["up", "--yes", "--skip-preview"]));
      timings["up (update, nothing due)"] = r.ms;
      expect(r.stdout).toMatch(/datum:networking:HTTPProxy\s+app\s+updated/);
      // Progress lines of an order ("…; ordering from <directory>", "ACME order for …") are absent.
      expect(output(r)).toContain(`Gateway ${ns}/app: ready`);
      expect(output(r)).not.toMatch(/ordering from|ACME order/);
      const now = await storedCertificates();
      expect(now.map((c) => [c.secretName, c.notAfter, c.certificatePem])).toEqual(issued.map((c) => [c.secretName, c.notAfter, c.certificatePem]));
      const secrets = await tlsSecrets();
      expect(secrets.map((s) => s.metadata?.name)).toEqual(["app-default-https-acme", "app-https-hostname-0-acme"]);
      for (const s of secrets) {
        expect(Buffer.from(s.data?.["tls.crt"] ?? "", "base64").toString("utf8")).toBe(issued.find((c) => c.secretName === s.metadata?.name)?.certificatePem);
      }
      await ws.ok(["preview", "--expect-no-changes"]);
    }, 240_000);

    it("renewBeforeDays beyond the remaining validity: preview says renewal due, up re-issues", async () => {
      const days = Math.ceil((Math.min(...issued.map((c) => Date.parse(c.notAfter))) - Date.now()) / 86_400_000) + 1;
      await ws.config("renewBeforeDays", String(days));
      const p = record(await ws.ok(["preview", "--diff"]));
      expect(output(p)).toMatch(/listener default-https: renewal due/);
      expect(output(p)).toMatch(/listener https-hostname-0: renewal due/);
      // The stored certificates are not shown as removed (nor their PEMs printed).
      expect(output(p)).not.toMatch(/-\s+certificates\s*:/);
      expect(output(p)).not.toContain("BEGIN CERTIFICATE");
      const r = record(await ws.ok(["up", "--yes", "--skip-preview"]));
      timings["up (renewal)"] = r.ms;
      const renewed = await storedCertificates();
      expect(renewed.map((c) => c.secretName)).toEqual(issued.map((c) => c.secretName));
      for (const [i, c] of renewed.entries()) expect(c.certificatePem).not.toBe(issued[i]?.certificatePem);
      const root = await pebble.rootCert();
      for (const s of await tlsSecrets()) {
        const crt = Buffer.from(s.data?.["tls.crt"] ?? "", "base64").toString("utf8");
        expect(renewed.find((c) => c.secretName === s.metadata?.name)?.certificatePem).toBe(crt);
        expect(chainsTo(crt, root)).toBe(true);
      }
    }, 240_000);

    it("destroy removes the proxy's objects and its TLS Secrets", async () => {
      const r = record(await ws.ok(["destroy", "--yes", "--skip-preview"]));
      timings["destroy"] = r.ms;
      expect(r.stdout).toMatch(/3 deleted/);
      expect(await ownedObjects(kc(), ns)).toEqual([]);
      expect(await tlsSecrets()).toEqual([]);
      const api = KubernetesObjectApi.makeApiClient(kc());
      const left = (await api.list("v1", "Secret", ns)).items.map((s) => s.metadata?.name).filter((n) => n?.startsWith("app-"));
      expect(left).toEqual([]);
    }, 240_000);

    it("no CLI output showed the PowerDNS API key or, in text mode, a private key", () => {
      expect(outputs.length).toBeGreaterThan(0);
      for (const o of outputs) expect(o).not.toContain(apiKey());
      // `up --json` is left out: its event stream carries the Node.js SDK's debug lines
      // ("RegisterResource RPC finished: … resp: …"), which print every resource's outputs,
      // secrets included (upstream @pulumi/pulumi behaviour; config secrets are scrubbed by the CLI).
      for (const o of textOutputs) expect(o).not.toContain("PRIVATE KEY-----");
    });
  });
}
