// Status actors that play cert-manager (v1.19-style status) for Certificate, and mark
// Issuer/ClusterIssuer Ready. A "ready" Certificate also gets its Secret (kubernetes.io/tls)
// with a real self-signed key pair for spec.dnsNames, like cert-manager would write.
//
// Modes (test.datum.net/actor-mode): ready (Issuing → Ready), fail (Ready=False, Issuing=False/Failed,
// failedIssuanceAttempts, lastFailureTime), fail-then-ready (fails, then recovers after
// actor-delay-ms, default 500 ms), never / pending (stays Issuing, Ready=False/DoesNotExist).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Condition, KObject, Kube } from "../kube.ts";
import { run } from "../procs.ts";
import { cond, keepTransitionTimes, type ActorDefinition, type Step } from "./common.ts";

const CM = "cert-manager.io/v1";

export function selfSignedPair(dnsNames: readonly string[], days = 90): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), "cm-actor-"));
  try {
    const k = join(dir, "tls.key");
    const c = join(dir, "tls.crt");
    const cn = dnsNames[0] ?? "example.test";
    const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", k, "-out", c, "-days", String(days), "-subj", `/CN=${cn}`];
    if (dnsNames.length > 0) args.push("-addext", `subjectAltName=${dnsNames.map((d) => `DNS:${d}`).join(",")}`);
    run("openssl", args);
    return { cert: readFileSync(c, "utf8"), key: readFileSync(k, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ensureSecret(k: Kube, cert: KObject): Promise<void> {
  const ns = cert.metadata.namespace;
  const secretName = typeof cert.spec?.["secretName"] === "string" ? cert.spec["secretName"] : undefined;
  if (!ns || !secretName) return;
  const dnsNames = Array.isArray(cert.spec?.["dnsNames"]) ? (cert.spec["dnsNames"] as string[]) : [];
  const pair = selfSignedPair(dnsNames);
  const body: KObject = {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: {
      name: secretName,
      namespace: ns,
      annotations: {
        "cert-manager.io/certificate-name": cert.metadata.name,
        "cert-manager.io/alt-names": dnsNames.join(","),
        "cert-manager.io/issuer-name": String((cert.spec?.["issuerRef"] as { name?: string } | undefined)?.name ?? ""),
      },
    },
    data: {
      "tls.crt": Buffer.from(pair.cert).toString("base64"),
      "tls.key": Buffer.from(pair.key).toString("base64"),
      "ca.crt": Buffer.from(pair.cert).toString("base64"),
    },
  };
  try {
    await k.create(body);
  } catch (e) {
    if ((e as { code?: number }).code !== 409) throw e;
    await k.patch("v1", "Secret", ns, secretName, { data: body["data"] as Record<string, unknown> });
  }
}

export const certificateActor: ActorDefinition = {
  name: "cm-certificate",
  apiVersion: CM,
  kind: "Certificate",
  namespaced: true,
  async plan(obj, ctx) {
    const b = ctx.behaviour;
    const g = obj.metadata.generation;
    const now = ctx.now();
    const prev = Array.isArray(obj.status?.["conditions"]) ? (obj.status["conditions"] as Condition[]) : undefined;
    const issuing: Record<string, unknown> = {
      conditions: keepTransitionTimes(prev, [
        cond("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist", g, now),
        cond("Issuing", "True", "DoesNotExist", "Issuing certificate as Secret does not exist", g, now),
      ]),
    };
    const failed = (attempt: number): Record<string, unknown> => ({
      conditions: [
        cond("Ready", "False", b.reason ?? "CertificateRequestFailed", b.message ?? "The certificate request has failed to complete and will be retried", g, now),
        cond("Issuing", "False", "Failed", b.message ?? "The certificate request has failed to complete and will be retried: ACME challenge failed", g, now),
      ],
      failedIssuanceAttempts: attempt,
      lastFailureTime: now,
    });
    const ready = (): Record<string, unknown> => {
      const t = new Date();
      const notAfter = new Date(t.getTime() + 90 * 24 * 3600 * 1000);
      const renewal = new Date(t.getTime() + 60 * 24 * 3600 * 1000);
      const iso = (d: Date): string => new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace(".000Z", "Z");
      return {
        conditions: [cond("Ready", "True", "Ready", "Certificate is up to date and has not expired", g, iso(t))],
        notBefore: iso(t),
        notAfter: iso(notAfter),
        renewalTime: iso(renewal),
        revision: 1,
        failedIssuanceAttempts: null,
        lastFailureTime: null,
      };
    };
    const delay = b.delayMs || 200;
    switch (b.mode) {
      case "never":
      case "pending":
        return [{ afterMs: 0, status: issuing }];
      case "fail":
      case "invalid":
        return [
          { afterMs: 0, status: issuing },
          { afterMs: Math.min(delay, 200), status: failed(1) },
        ];
      case "fail-then-ready": {
        const steps: Step[] = [
          { afterMs: 0, status: issuing },
          { afterMs: 100, status: failed(1) },
          { afterMs: b.delayMs || 500, status: { ...issuing, failedIssuanceAttempts: 1 } },
          { afterMs: 100, status: ready(), before: () => ensureSecret(ctx.k, obj) },
        ];
        return steps;
      }
      default:
        return [
          { afterMs: 0, status: issuing },
          { afterMs: delay, status: ready(), before: () => ensureSecret(ctx.k, obj) },
        ];
    }
  },
};

function issuerActor(kind: "Issuer" | "ClusterIssuer"): ActorDefinition {
  return {
    name: `cm-${kind.toLowerCase()}`,
    apiVersion: CM,
    kind,
    namespaced: kind === "Issuer",
    async plan(obj, ctx) {
      const b = ctx.behaviour;
      if (b.mode === "never") return [];
      const g = obj.metadata.generation;
      const c =
        b.mode === "invalid" || b.mode === "fail"
          ? cond("Ready", "False", b.reason ?? "ErrRegisterACMEAccount", b.message ?? "Failed to register ACME account", g, ctx.now())
          : cond("Ready", "True", "ACMEAccountRegistered", "The ACME account was registered with the ACME server", g, ctx.now());
      return [{ afterMs: 0, status: { conditions: [c] } }];
    },
  };
}

export const issuerStatusActor = issuerActor("Issuer");
export const clusterIssuerStatusActor = issuerActor("ClusterIssuer");

export const certManagerActors: readonly ActorDefinition[] = [certificateActor, issuerStatusActor, clusterIssuerStatusActor];
