// The end of `make demo`: what a client of the proxy sees, with only the cluster's DNS and Envoy in
// the way.
//   node test/e2e/demo-edge.ts <kubeconfig> <namespace> <dns ip:port> <hostname>
// 1. DNS: asks the local PowerDNS for <hostname>: the CNAME to the canonical hostname and that
//    name's A record, both written by external-dns from the proxy's DNSEndpoint;
// 2. HTTPS: GET https://<hostname>/ at the address DNS gave, the certificate verified against the CA
//    of ClusterIssuer datum-acme (read from the cluster), through Envoy to the local backend; prints
//    the answer and the served certificate's subject and issuer;
// 3. the proxy's Certificates with their issuer and Ready condition.
// Exits non-zero when a step fails (each waits, bounded, for what external-dns and Envoy do last).
import { KubeConfig } from "@kubernetes/client-node";
import { promises as dnsPromises } from "node:dns";
import { request, type RequestOptions } from "node:https";
import type { TLSSocket } from "node:tls";
import { CLUSTER_ISSUER } from "../infra/controllers.ts";
import { conditionsOf, findCondition, kube } from "../infra/kube.ts";
import { waitFor } from "../infra/procs.ts";

const [kubeconfigPath, namespace, dnsServer, hostname] = process.argv.slice(2);
if (kubeconfigPath === undefined || namespace === undefined || dnsServer === undefined || hostname === undefined) {
  console.error("usage: demo-edge.ts <kubeconfig> <namespace> <dns ip:port> <hostname>");
  process.exit(2);
}
const kc = new KubeConfig();
kc.loadFromFile(kubeconfigPath);
const k = kube(kc);

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly subject: string;
  readonly issuer: string;
  readonly validTo: string;
}

function httpsGet(opts: RequestOptions): Promise<Answer> {
  return new Promise((done, fail) => {
    const req = request({ ...opts, timeout: 10_000 }, (res) => {
      const cert = (res.socket as TLSSocket).getPeerCertificate();
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        done({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
          subject: cert.subjectaltname ?? `CN=${cert.subject.CN ?? ""}`,
          issuer: `CN=${cert.issuer.CN ?? ""}`,
          validTo: cert.valid_to,
        }),
      );
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", fail);
    req.end();
  });
}

async function main(host: string): Promise<void> {
  const resolver = new dnsPromises.Resolver({ timeout: 1_000, tries: 1 });
  resolver.setServers([dnsServer ?? ""]);
  const { canonical, addresses } = await waitFor(
    `${host} in DNS (external-dns)`,
    async () => {
      const [cname] = await resolver.resolveCname(host);
      const a = cname === undefined ? [] : await resolver.resolve4(cname);
      return cname !== undefined && a.length > 0 ? { canonical: cname, addresses: a } : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 500 },
  );
  console.log(`DNS at ${dnsServer} (records written by external-dns):`);
  console.log(`  ${host}. CNAME ${canonical}.`);
  for (const a of addresses) console.log(`  ${canonical}. A ${a}`);

  const issuer = await k.get("cert-manager.io/v1", "ClusterIssuer", undefined, CLUSTER_ISSUER);
  const caSecret = (issuer?.spec?.["ca"] as { secretName?: string } | undefined)?.secretName;
  if (caSecret === undefined) throw new Error(`ClusterIssuer ${CLUSTER_ISSUER} is not a CA issuer`);
  const secret = await k.get("v1", "Secret", "cert-manager", caSecret);
  const caPem = (secret?.["data"] as Record<string, string> | undefined)?.["tls.crt"];
  if (caPem === undefined) throw new Error(`Secret cert-manager/${caSecret} has no tls.crt`);
  const ca = Buffer.from(caPem, "base64").toString("utf8");

  const address = addresses[0] ?? "";
  const answer = await waitFor(`an answer from the backend through Envoy (https://${host}/ at ${address})`, async () => {
    const r = await httpsGet({ host: address, port: 443, servername: host, path: "/", headers: { host }, ca });
    return r.status === 200 ? r : undefined;
  }, { timeoutMs: 30_000, intervalMs: 500 });
  console.log(`\nGET https://${host}/ at ${address}:443 (certificate verified against ClusterIssuer ${CLUSTER_ISSUER}'s CA):`);
  console.log(`  HTTP ${answer.status}, x-backend: ${String(answer.headers["x-backend"])}`);
  console.log(`  body: ${answer.body.length > 600 ? `${answer.body.slice(0, 600)}…` : answer.body}`);
  console.log(`  certificate: ${answer.subject}, issuer ${answer.issuer}, valid until ${answer.validTo}`);

  console.log(`\nCertificates in ${namespace} (cert-manager):`);
  for (const c of await k.list("cert-manager.io/v1", "Certificate", namespace)) {
    const ref = c.spec?.["issuerRef"] as { kind?: string; name?: string } | undefined;
    const dnsNames = (c.spec?.["dnsNames"] as string[] | undefined) ?? [];
    console.log(`  ${c.metadata?.name}: ${dnsNames.join(", ")} — issuer ${ref?.kind}/${ref?.name}, Ready=${findCondition(conditionsOf(c), "Ready")?.status ?? "unknown"}`);
  }
}

main(hostname).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
