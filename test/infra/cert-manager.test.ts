// Real cert-manager (v1.21 controllers from the upstream registry) issues a Certificate from the
// local pebble through DNS-01, the TXT record written by RFC2136 (TSIG) into the local PowerDNS.
// Nothing in this file writes a status. The Certificate's status sequence, as the controllers
// wrote it, is compared with the readiness observer step by step and, with
// PULUMI_DATUM_RECORD=1, saved to test/await/recordings/certificate-issuance.json.
// Each issuance through the self-check takes ≥ 60 s: cert-manager's DNS-01 check sleeps 60 s
// after the record is visible (hard-coded upstream); the HTTPProxy test uses an issuer without it.
// The HTTPProxy test runs the real Envoy Gateway data plane (test/infra/dataplane) next to this
// cert-manager: the Gateway's status, too, is written by its controller.
import { X509Certificate } from "node:crypto";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OBSERVE_CONTEXT, observerFor } from "../../provider/await/index.ts";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle } from "../../provider/lifecycle/index.ts";
import { certManagerArgs, createAcmeClusterIssuer, startCertManager, type CertManager } from "./cert-manager.ts";
import { getControlPlane, type ControlPlane } from "./controlplane.ts";
import { startDataPlane } from "./dataplane/index.ts";
import { conditionsOf, findCondition, kube, type KObject } from "./kube.ts";
import { startPebble, type Pebble } from "./pebble.ts";
import { startPowerDns, type PowerDns } from "./powerdns.ts";
import { waitFor } from "./procs.ts";
import { recordStatuses, writeRecording, type RecordedStep, type RecordingStep, type StatusRecorder } from "./status-recorder.ts";
import { repoRoot, VERSIONS } from "./tools.ts";

const ZONE = "certs.test";
const ISSUER = "pebble-dns01";
/** Same, but accepting challenges 1 s after presenting them instead of the 60 s self-check. */
const FAST_ISSUER = "pebble-dns01-no-self-check";
/** pebble refuses to order this name. */
const BLOCKED = `refused.${ZONE}`;

/** Splits a PEM bundle into certificates, leaf first. */
function pemChain(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c));
}

/** Each certificate is signed by the next; the last one by `root` (self-signed). */
function chainsTo(chain: readonly X509Certificate[], root: X509Certificate): boolean {
  if (chain.length === 0 || !root.verify(root.publicKey)) return false;
  const all = [...chain, root];
  return all.slice(0, -1).every((c, i) => c.checkIssued(all[i + 1]!) && c.verify(all[i + 1]!.publicKey));
}

/**
 * What a reader of cert-manager's status concludes, independently of the observer under test:
 * ready only on Ready=True for the object's generation; otherwise pending, with the condition
 * the observer's message must name.
 */
function expected(step: RecordedStep): RecordingStep["expect"] {
  const conds = conditionsOf({ status: step.status });
  const ready = findCondition(conds, "Ready");
  const issuing = findCondition(conds, "Issuing");
  const current = (c: { observedGeneration?: number } | undefined): boolean => c?.observedGeneration === step.generation;
  if (ready?.status === "True" && current(ready)) return { state: "ready" };
  // A failed issuance for this generation (the default budget is one attempt).
  if (issuing?.status === "False" && current(issuing) && typeof step.status["lastFailureTime"] === "string") {
    return { state: "failed", messageContains: `Issuing=False (${issuing.reason})` };
  }
  // An issuance in progress for this generation is the most useful thing to report.
  if (issuing?.status === "True" && current(issuing)) return { state: "pending", messageContains: `Issuing=True (${issuing.reason})` };
  if (ready === undefined) return { state: "pending", messageContains: "no status" };
  if (!current(ready)) return { state: "pending", messageContains: `status is for generation ${ready.observedGeneration}` };
  return { state: "pending", messageContains: `Ready=${ready.status} (${ready.reason})` };
}

/** TCP sockets in LISTEN state (0A) held by `pid`, as "local address:port" hex from /proc/net/tcp{,6}. */
function listeningSockets(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ""];
      } catch {
        return [];
      }
    }),
  );
  return ["/proc/net/tcp", "/proc/net/tcp6"].flatMap((f) =>
    readFileSync(f, "utf8")
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((c) => c[3] === "0A" && inodes.has(c[9] ?? ""))
      .map((c) => c[1]!),
  );
}

const describeSteps = (steps: readonly RecordedStep[]): string =>
  JSON.stringify(steps.map((x) => [x.generation, conditionsOf({ status: x.status }).map((c) => `${c.type}=${c.status}/${c.reason}@${c.observedGeneration}`)]));

/**
 * Waits until the watch has delivered the final state, replays every recorded step through the
 * Certificate observer against `expected`, and with PULUMI_DATUM_RECORD=1 writes the recording.
 */
async function replayAndRecord(
  rec: StatusRecorder,
  certificate: { metadata: { name: string; namespace: string } } & Record<string, unknown>,
  final: { state: "ready" | "failed"; generation: number },
  save: { file: string; description: string; version: string },
): Promise<RecordingStep[]> {
  // The last status may arrive on the watch just after the GET that saw it.
  await waitFor(`the recorded ${final.state} state for generation ${final.generation}`, async () => {
    const last = rec.steps().at(-1);
    return last !== undefined && last.generation === final.generation && expected(last).state === final.state ? true : undefined;
  }, { timeoutMs: 10_000, intervalMs: 50, onFail: () => `watch error: ${String(rec.error())}; steps: ${describeSteps(rec.steps())}` });
  rec.stop();
  expect(rec.error()).toBeUndefined();
  const steps = rec.steps();
  const observe = observerFor("cert-manager.io/v1", "Certificate")!;
  const recorded: RecordingStep[] = steps.map((s, i) => {
    const exp = expected(s);
    const got = observe({ ...certificate, metadata: { ...certificate.metadata, generation: s.generation }, status: s.status }, DEFAULT_OBSERVE_CONTEXT);
    expect({ step: i, state: got.state }).toEqual({ step: i, state: exp.state });
    if (exp.messageContains !== undefined) expect(got.state === "ready" ? "" : got.message).toContain(exp.messageContains);
    return { ...(i === 0 || steps[i - 1]!.generation === s.generation ? {} : { generation: s.generation! }), status: s.status, expect: exp };
  });
  expect(recorded[0]!.expect.state).toBe("pending");
  if (process.env["PULUMI_DATUM_RECORD"] === "1") {
    const ns = certificate.metadata.namespace;
    writeRecording(join(repoRoot(), "test/await/recordings", save.file), {
      description: save.description,
      source: {
        controller: "cert-manager (controllers from github.com/cert-manager/cert-manager/pkg/controller)",
        version: save.version,
        recordedBy: "test/infra/cert-manager.test.ts (PULUMI_DATUM_RECORD=1)",
        setup: `kube-apiserver ${VERSIONS.kube}, pebble (Debian), PowerDNS 4.7 (Debian) with TSIG dnsupdate`,
      },
      object: { ...certificate, metadata: { ...certificate.metadata, namespace: "default", generation: 1 } },
      steps: JSON.parse(JSON.stringify(recorded).replaceAll(ns, "default")) as RecordingStep[],
    });
  }
  return recorded;
}

describe("cert-manager (real controllers) + pebble + PowerDNS", () => {
  let cp: ControlPlane;
  let pdns: PowerDns;
  let pebble: Pebble;
  let cm: CertManager;

  beforeAll(async () => {
    cp = await getControlPlane();
    pdns = await startPowerDns({ dnsUpdate: true });
    await pdns.createZone(ZONE);
    pebble = await startPebble({ dnsServer: pdns.dnsAddress, domainBlocklist: [BLOCKED] });
    const t0 = Date.now();
    cm = await startCertManager({ kubeconfigPath: cp.kubeconfigPath, dns01Nameservers: [pdns.dnsAddress] });
    const t1 = Date.now();
    await createAcmeClusterIssuer(cp.kc, { name: ISSUER, pebble, pdns, zone: ZONE, secretNamespace: cm.clusterResourceNamespace });
    console.log(`[cert-manager] controllers running after ${t1 - t0} ms; ClusterIssuer Ready (ACME account registered) after ${Date.now() - t1} ms`);
    await createAcmeClusterIssuer(cp.kc, { name: FAST_ISSUER, pebble, pdns, zone: ZONE, secretNamespace: cm.clusterResourceNamespace, waitInsteadOfSelfCheck: "1s" });
  }, 180_000);

  afterAll(async () => {
    await cm?.stop();
    await pebble?.stop();
    await pdns?.stop();
  });

  it("runs the version whose CRDs are installed, listens nowhere, and self-checks DNS-01 on the local PowerDNS only", () => {
    expect(cm.version).toBe(VERSIONS.certManager);
    const cmdline = readFileSync(`/proc/${cm.pid}/cmdline`, "utf8").split("\0");
    expect(cmdline).toEqual(expect.arrayContaining([`--dns01-recursive-nameservers=${pdns.dnsAddress}`, "--dns01-recursive-nameservers-only"]));
    // No metrics, health, pprof or webhook server: nothing listens at all.
    expect(listeningSockets(cm.pid)).toEqual([]);
    expect(listeningSockets(cp.pids.apiserver).length).toBeGreaterThan(0); // the probe does see listeners
    // argv[0] is the binary; the list ends with a NUL.
    expect(cmdline.slice(1, -1)).toEqual(certManagerArgs({ kubeconfigPath: cp.kubeconfigPath, dns01Nameservers: [pdns.dnsAddress] }));
  });

  it("issues a Certificate chained to pebble's root, re-issues after a spec change, and the observer agrees at every step", async () => {
    const k = kube(cp.kc);
    const ns = await cp.newNamespace("cm");
    const name = "app-https";
    const host = `app.${ZONE}`;
    const rec = await recordStatuses(k, "cert-manager.io/v1", "Certificate", ns, name);
    const certificate = {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name, namespace: ns },
      spec: { secretName: "app-tls", dnsNames: [host], issuerRef: { name: ISSUER, kind: "ClusterIssuer", group: "cert-manager.io" } },
    };
    const t0 = Date.now();
    await k.create(certificate as KObject);

    const readyFor = async (generation: number): Promise<KObject> =>
      await waitFor(
        `Certificate ${ns}/${name} Ready=True for generation ${generation}`,
        async () => {
          const c = await k.get("cert-manager.io/v1", "Certificate", ns, name);
          const ready = findCondition(conditionsOf(c), "Ready");
          return ready?.status === "True" && ready.observedGeneration === generation ? c : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 250, onFail: () => cm.tail(40) },
      );
    const root = new X509Certificate(await pebble.rootCert());
    const secretChain = async (): Promise<X509Certificate[]> => {
      const s = await k.get<KObject & { data?: Record<string, string> }>("v1", "Secret", ns, "app-tls");
      return pemChain(Buffer.from(s?.data?.["tls.crt"] ?? "", "base64").toString("utf8"));
    };

    await readyFor(1);
    console.log(`[cert-manager] first issuance: Ready after ${Date.now() - t0} ms`);
    const first = await secretChain();
    expect(first[0]?.subjectAltName).toBe(`DNS:${host}`);
    expect(chainsTo(first, root)).toBe(true);

    // A spec change: the watch delivers generation 2 with generation 1's status first.
    await k.patch("cert-manager.io/v1", "Certificate", ns, name, { spec: { dnsNames: [host, `www.${ZONE}`] } });
    const t1 = Date.now();
    await readyFor(2);
    console.log(`[cert-manager] re-issuance after a spec change: Ready after ${Date.now() - t1} ms`);
    const second = await secretChain();
    expect(second[0]?.subjectAltName).toBe(`DNS:${host}, DNS:www.${ZONE}`);
    expect(chainsTo(second, root)).toBe(true);
    expect(second[0]?.serialNumber).not.toBe(first[0]?.serialNumber);

    const recorded = await replayAndRecord(rec, certificate, { state: "ready", generation: 2 }, {
      file: "certificate-issuance.json",
      description:
        "A Certificate issued by an ACME ClusterIssuer (pebble, DNS-01 via RFC2136 on PowerDNS), then its dnsNames changed (generation 2) and re-issued.",
      version: cm.version,
    });
    // Both generations went through a not-ready phase and ended ready: the sequence is complete.
    expect(recorded.filter((x) => x.expect.state === "ready").length).toBeGreaterThanOrEqual(2);
  }, 300_000);

  it("a name pebble refuses: the issuance fails (Issuing=False with lastFailureTime) and the observer reports it failed", async () => {
    const k = kube(cp.kc);
    const ns = await cp.newNamespace("cmfail");
    const name = "refused-https";
    const rec = await recordStatuses(k, "cert-manager.io/v1", "Certificate", ns, name);
    const certificate = {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name, namespace: ns },
      spec: { secretName: "refused-tls", dnsNames: [BLOCKED], issuerRef: { name: ISSUER, kind: "ClusterIssuer", group: "cert-manager.io" } },
    };
    await k.create(certificate as KObject);
    const failedCert = await waitFor(
      `Certificate ${ns}/${name} Issuing=False with lastFailureTime`,
      async () => {
        const c = await k.get<KObject & { status?: Record<string, unknown> }>("cert-manager.io/v1", "Certificate", ns, name);
        return findCondition(conditionsOf(c), "Issuing")?.status === "False" && c?.status?.["lastFailureTime"] !== undefined ? c : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, onFail: () => cm.tail(40) },
    );
    expect(findCondition(conditionsOf(failedCert), "Issuing")?.message).toMatch(/rejectedIdentifier|blocked|refused|forbidden/i);
    expect(await k.get("v1", "Secret", ns, "refused-tls")).toBeUndefined();
    await replayAndRecord(rec, certificate, { state: "failed", generation: 1 }, {
      file: "certificate-failure-rejected.json",
      description: "A Certificate whose name the ACME server refuses (pebble's domain blocklist: rejectedIdentifier): the first failed issuance, with the default budget of one attempt, is terminal.",
      version: cm.version,
    });
  }, 120_000);

  it("an HTTPProxy with an HTTPS listener: the provider's Certificate is issued by the real cert-manager and `create` returns ready", async () => {
    // The real Envoy Gateway programs the Gateway; this file's cert-manager (not a second one) issues.
    const dp = await startDataPlane({ kc: cp.kc, kubeconfigPath: cp.kubeconfigPath });
    try {
      const ns = await cp.newNamespace("cmproxy");
      const s = resolveEngineSettings({
        kubeconfig: cp.kubeconfig,
        clusterIssuer: FAST_ISSUER,
        // Canonical hostnames in the zone cert-manager may update, so their listeners get real certificates too.
        targetDomain: ZONE,
        timeoutSeconds: 180,
        guardrails: { gateway: { disableHostnameVerification: true } },
      });
      if (!s.ok) throw new Error(JSON.stringify(s.errors));
      const proxy = lifecycles(s.settings).byToken.get("datum:networking:HTTPProxy") as ResourceLifecycle;
      const host = `shop.${ZONE}`;
      const inputs = {
        metadata: { name: "shop", namespace: ns },
        spec: { hostnames: [host], rules: [{ name: "web", backends: [{ endpoint: "http://203.0.113.7:8080" }] }] },
      };
      const checked = await proxy.check(undefined, inputs, { urnName: "shop" });
      expect(checked.failures).toEqual([]);
      const t0 = Date.now();
      const created = await proxy.create(checked.inputs, { preview: false });
      expect(created.outputs["ready"]).toBe(true);
      console.log(`[cert-manager] HTTPProxy create → ready (Certificates issued without the self-check) in ${Date.now() - t0} ms`);

      const k = kube(cp.kc);
      const certs = (await k.list<KObject & { spec: { dnsNames: string[]; secretName: string; issuerRef: { name: string } } }>("cert-manager.io/v1", "Certificate", ns))
        .filter((c) => c.metadata.labels?.["pulumi-datum.io/source-name"] === "shop");
      expect(certs.map((c) => c.spec.dnsNames).flat()).toContain(host);
      const observe = observerFor("cert-manager.io/v1", "Certificate")!;
      const root = new X509Certificate(await pebble.rootCert());
      for (const c of certs) {
        expect(c.spec.issuerRef.name).toBe(FAST_ISSUER);
        expect(findCondition(conditionsOf(c), "Ready")).toMatchObject({ status: "True", observedGeneration: c.metadata.generation });
        expect(observe(c, DEFAULT_OBSERVE_CONTEXT)).toEqual({ state: "ready" });
        const secret = await k.get<KObject & { data?: Record<string, string> }>("v1", "Secret", ns, c.spec.secretName);
        const chain = pemChain(Buffer.from(secret?.data?.["tls.crt"] ?? "", "base64").toString("utf8"));
        expect(chain[0]?.subjectAltName).toBe(`DNS:${c.spec.dnsNames[0]}`);
        expect(chainsTo(chain, root)).toBe(true);
      }
      const gw = await k.get("gateway.networking.k8s.io/v1", "Gateway", ns, "shop");
      expect(gw?.status?.["addresses"]).toEqual([{ type: "IPAddress", value: dp.address }]);
      await proxy.delete(created.id, created.outputs, { preview: false });
    } finally {
      await dp.stop();
    }
  }, 300_000);
});
