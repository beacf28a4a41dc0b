// Real external-dns (sigs.k8s.io/external-dns, CRD source + PowerDNS provider + TXT registry) on the
// local kube-apiserver: DNSEndpoint records appear in, change in and vanish from the local PowerDNS
// and resolve through it. Nothing in this file writes a status. The DNSEndpoint's status sequence,
// as external-dns wrote it, is compared with the readiness observer step by step and, with
// PULUMI_DATUM_RECORD=1, saved to test/await/recordings/dnsendpoint.json.
import type { promises as dnsPromises } from "node:dns";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OBSERVE_CONTEXT, observerFor } from "../../provider/await/index.ts";
import { getControlPlane, type ControlPlane } from "./controlplane.ts";
import { dnsAnswer, externalDnsArgs, externalDnsEnv, startExternalDns, waitForDnsAnswer, type ExternalDns } from "./external-dns.ts";
import { kube, type KObject } from "./kube.ts";
import { startPowerDns, type PowerDns } from "./powerdns.ts";
import { waitFor } from "./procs.ts";
import { recordStatuses, writeRecording, type RecordedStep, type RecordingStep } from "./status-recorder.ts";
import { repoRoot, VERSIONS } from "./tools.ts";

const ZONE = "edns.test";
const API = "externaldns.k8s.io/v1alpha1";

let cp: ControlPlane;
let pdns: PowerDns;
let edns: ExternalDns;
let resolver: dnsPromises.Resolver;

beforeAll(async () => {
  cp = await getControlPlane();
  pdns = await startPowerDns();
  await pdns.createZone(ZONE);
  edns = await startExternalDns({ kubeconfigPath: cp.kubeconfigPath, powerDns: pdns, domainFilter: [ZONE] });
  resolver = pdns.resolver();
}, 120_000);

afterAll(async () => {
  resolver?.cancel();
  await edns?.stop();
  await pdns?.stop();
});

function dnsEndpoint(ns: string, name: string, endpoints: readonly Record<string, unknown>[]): KObject {
  return { apiVersion: API, kind: "DNSEndpoint", metadata: { name, namespace: ns }, spec: { endpoints } } as KObject;
}

/** A reading of external-dns' status independent of the observer: applied = observedGeneration reached generation. */
function expected(step: RecordedStep): RecordingStep["expect"] {
  const observed = step.status["observedGeneration"];
  if (typeof observed !== "number") return { state: "pending", message: "not yet applied by external-dns" };
  if (step.generation !== undefined && observed < step.generation) {
    return { state: "pending", message: `external-dns applied generation ${observed}, waiting for generation ${step.generation}` };
  }
  return { state: "ready" };
}

describe("external-dns (real) with the CRD source and PowerDNS", () => {
  it("keeps its PowerDNS API key out of the command line and its log", () => {
    const args = externalDnsArgs({ kubeconfigPath: "/k", powerDns: pdns, domainFilter: [ZONE] }, 1);
    expect(args.join(" ")).not.toContain(pdns.apiKey);
    expect(externalDnsEnv({ powerDns: pdns }, { EXTERNAL_DNS_DRY_RUN: "true", PATH: "/bin" })).toEqual({ PATH: "/bin", EXTERNAL_DNS_PDNS_API_KEY: pdns.apiKey });
    expect(edns.version).toBe(VERSIONS.externalDns);
    const log = readFileSync(edns.logFile, "utf8");
    expect(log).toContain("PDNSAPIKey:******"); // its config dump masks the key it was given
    expect(log).not.toContain(pdns.apiKey);
  });

  it("publishes A and CNAME records, follows an update and a delete; status is observedGeneration only", async () => {
    const k = kube(cp.kc);
    const ns = await cp.newNamespace("edns");
    const name = "shop";
    const rec = await recordStatuses(k, API, "DNSEndpoint", ns, name);
    const object = dnsEndpoint(ns, name, [
      { dnsName: `edge.${ZONE}`, recordType: "A", recordTTL: 60, targets: ["192.0.2.10", "192.0.2.11"] },
      { dnsName: `www.${ZONE}`, recordType: "CNAME", recordTTL: 60, targets: [`edge.${ZONE}`] },
    ]);
    await k.create(object);
    await waitForDnsAnswer(edns, "A edge", () => resolver.resolve4(`edge.${ZONE}`), '["192.0.2.10","192.0.2.11"]');
    await waitForDnsAnswer(edns, "CNAME www", () => resolver.resolveCname(`www.${ZONE}`), `["edge.${ZONE}"]`);
    // The TXT registry marks both records as owned by this instance (new format: <type>-<name>).
    for (const owned of [`a-edge.${ZONE}`, `cname-www.${ZONE}`]) {
      const txt = (await resolver.resolveTxt(owned)).map((chunks) => chunks.join(""));
      expect(txt).toEqual([expect.stringContaining("heritage=external-dns,external-dns/owner=pulumi-datum,external-dns/resource=crd/")]);
    }

    // A spec change (generation 2) moves the A record.
    await k.patch(API, "DNSEndpoint", ns, name, {
      spec: { endpoints: [{ dnsName: `edge.${ZONE}`, recordType: "A", recordTTL: 60, targets: ["192.0.2.12"] }, (object["spec"] as { endpoints: unknown[] }).endpoints[1]] },
    });
    await waitForDnsAnswer(edns, "A edge after the update", () => resolver.resolve4(`edge.${ZONE}`), '["192.0.2.12"]');
    await waitFor("observedGeneration 2 on the watch", async () => (rec.steps().at(-1)?.status["observedGeneration"] === 2 ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    rec.stop();
    expect(rec.error()).toBeUndefined();

    // What external-dns wrote, step by step: nothing, then observedGeneration; nothing else, ever.
    const steps = rec.steps();
    expect(steps.map((s) => [s.generation, s.status])).toEqual([
      [1, {}],
      [1, { observedGeneration: 1 }],
      [2, { observedGeneration: 1 }],
      [2, { observedGeneration: 2 }],
    ]);
    const observe = observerFor(API, "DNSEndpoint")!;
    const recorded: RecordingStep[] = steps.map((s, i) => {
      const exp = expected(s);
      const got = observe({ ...object, metadata: { ...object.metadata, generation: s.generation }, status: s.status }, DEFAULT_OBSERVE_CONTEXT);
      expect({ step: i, got }).toEqual({ step: i, got: exp.state === "ready" ? { state: "ready" } : expect.objectContaining(exp) });
      return { ...(i === 0 || steps[i - 1]!.generation === s.generation ? {} : { generation: s.generation! }), status: s.status, expect: exp };
    });

    // Deleting the DNSEndpoint deletes its records and their ownership TXT (policy sync).
    await k.delete(API, "DNSEndpoint", ns, name);
    await waitForDnsAnswer(edns, "edge gone", () => resolver.resolve4(`edge.${ZONE}`), "ENOTFOUND");
    await waitForDnsAnswer(edns, "www gone", () => resolver.resolveCname(`www.${ZONE}`), "ENOTFOUND");
    await waitForDnsAnswer(edns, "ownership TXT gone", () => resolver.resolveTxt(`a-edge.${ZONE}`), "ENOTFOUND");

    if (process.env["PULUMI_DATUM_RECORD"] === "1") {
      writeRecording(join(repoRoot(), "test/await/recordings/dnsendpoint.json"), {
        description:
          "A DNSEndpoint (A + CNAME) published by external-dns into PowerDNS, then its A targets changed (generation 2). " +
          "external-dns writes only status.observedGeneration, when its source lists the object — before the records reach " +
          "the DNS server — so 'ready' here means 'seen by external-dns', not 'resolvable'.",
        source: {
          controller: "external-dns (sigs.k8s.io/external-dns, --source=crd --provider=pdns --registry=txt)",
          version: edns.version,
          recordedBy: "test/infra/external-dns.test.ts (PULUMI_DATUM_RECORD=1)",
          setup: `kube-apiserver ${VERSIONS.kube}, PowerDNS (Debian, gsqlite3) HTTP API`,
        },
        object: { ...object, metadata: { name, namespace: "default", generation: 1 } },
        steps: JSON.parse(JSON.stringify(recorded).replaceAll(ns, "default")) as RecordingStep[],
      });
    }
  }, 120_000);

  it("marks a DNSEndpoint observed even when it skips its endpoints (a target with a trailing dot, a name in no zone)", async () => {
    const k = kube(cp.kc);
    const ns = await cp.newNamespace("edns");
    await k.create(
      dnsEndpoint(ns, "dotted", [
        { dnsName: `dotted.${ZONE}`, recordType: "CNAME", targets: [`edge.${ZONE}.`] },
        { dnsName: "outside.nozone.test", recordType: "A", targets: ["192.0.2.9"] },
      ]),
    );
    await waitFor(
      "observedGeneration 1",
      async () => ((await k.get(API, "DNSEndpoint", ns, "dotted"))?.["status"] as { observedGeneration?: number } | undefined)?.observedGeneration === 1 || undefined,
      { timeoutMs: 30_000, intervalMs: 200, onFail: () => edns.tail() },
    );
    // Records are pushed in the same sync that writes the status; one that ends after the status was
    // seen therefore had the endpoint in its plan.
    const seen = Date.now();
    await waitFor("a sync after the status", async () => ((await edns.lastSyncMs()) > seen + 1_000 ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      onFail: () => edns.tail(),
    });
    expect(await dnsAnswer(() => resolver.resolveCname(`dotted.${ZONE}`))).toBe("ENOTFOUND");
    expect(edns.tail(400)).toContain(`Endpoint ${ns}/dotted with DNSName dotted.${ZONE} has an illegal target format.`);
    // A name outside the domain filter is dropped silently (nothing logged at info level).
    expect(await dnsAnswer(() => resolver.resolve4("outside.nozone.test"))).toBe("EREFUSED");
  }, 120_000);
});
