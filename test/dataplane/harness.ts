// Shared set-up of the data-plane suites: one control plane, the real Envoy Gateway + Envoy data
// plane, and the provider's lifecycle for HTTPProxy and the policies, as `pulumi up` drives them.
import type { X509Certificate } from "node:crypto";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle } from "../../provider/lifecycle/index.ts";
import { createAcmeClusterIssuer, startCertManager, type CertManager } from "../infra/cert-manager.ts";
import { getControlPlane, type ControlPlane } from "../infra/controlplane.ts";
import { startDataPlane, type DataPlane, type DataPlaneOptions } from "../infra/dataplane/index.ts";
import { startPebble, type Pebble } from "../infra/pebble.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";

/** The zone of every hostname in the data-plane suites: canonical names (targetDomain) and custom ones. */
export const ZONE = "dp.example";
const ISSUER = "datum-acme";

export interface Harness {
  readonly cp: ControlPlane;
  readonly dp: DataPlane;
  readonly pdns: PowerDns;
  readonly pebble: Pebble;
  lifecycle(token: string): ResourceLifecycle;
  /** check + create as `pulumi up` does; throws with the check failures. */
  up(token: string, inputs: Record<string, unknown>, urnName: string): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** What a suite may ask of the data plane beyond the defaults (cluster DNS, a trusted root, EG options). */
export type HarnessDataPlane = Omit<DataPlaneOptions, "kc" | "kubeconfigPath" | "dir" | "detached">;

export async function startHarness(settings: Record<string, unknown> = {}, dataPlane: HarnessDataPlane = {}): Promise<Harness> {
  const cp = await getControlPlane();
  // Certificates for the HTTPS listeners come from the real cert-manager, from pebble, by DNS-01
  // (RFC2136) on PowerDNS: the same path as a cluster's ClusterIssuer for Let's Encrypt.
  const pdns = await startPowerDns({ dnsUpdate: true });
  await pdns.createZone(ZONE);
  const pebble = await startPebble({ dnsServer: pdns.dnsAddress });
  const cm: CertManager = await startCertManager({ kubeconfigPath: cp.kubeconfigPath, dns01Nameservers: [pdns.dnsAddress] });
  await createAcmeClusterIssuer(cp.kc, { name: ISSUER, pebble, pdns, zone: ZONE, secretNamespace: cm.clusterResourceNamespace, waitInsteadOfSelfCheck: "1s" });
  const dp = await startDataPlane({ kc: cp.kc, kubeconfigPath: cp.kubeconfigPath, ...dataPlane });
  const s = resolveEngineSettings({
    kubeconfig: cp.kubeconfig,
    timeoutSeconds: 120,
    targetDomain: ZONE,
    clusterIssuer: ISSUER,
    // create/update return only when Envoy routes each hostname (the Gateway address is reachable here).
    httpProbe: {},
    // The zone's authoritative server: where awaitDns looks when a suite turns it on.
    dnsServers: [pdns.dnsAddress],
    guardrails: { gateway: { disableHostnameVerification: true } },
    ...settings,
  });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const { byToken } = lifecycles(s.settings, {});
  const lifecycle = (token: string): ResourceLifecycle => {
    const l = byToken.get(token);
    if (!l) throw new Error(`no lifecycle for ${token}`);
    return l;
  };
  return {
    cp,
    dp,
    pdns,
    pebble,
    lifecycle,
    up: async (token, inputs, urnName) => {
      const l = lifecycle(token);
      const checked = await l.check(undefined, inputs, { urnName });
      if (checked.failures.length > 0) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
      const created = await l.create(checked.inputs, { preview: false });
      return created.outputs;
    },
    stop: async () => {
      await dp.stop();
      await cm.stop();
      await pebble.stop();
      await pdns.stop();
    },
  };
}

export interface EdgeResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  json<T = Record<string, unknown>>(): T;
}

/** One plain HTTP request to the Gateway address with a Host header — what `curl -H 'Host: …'` does. */
export function edgeRequest(
  address: string,
  host: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; port?: number; body?: string } = {},
): Promise<EdgeResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: address, port: opts.port ?? 80, path, method: opts.method ?? "GET", headers: { host, ...opts.headers }, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: <T>() => JSON.parse(body) as T });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`request to ${host}${path} timed out`)));
    req.on("error", reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/**
 * One WebSocket round trip through the Gateway: upgrade with a Host header, send `text` as one
 * masked text frame (< 126 bytes), resolve with the payload of the first frame the edge returns.
 */
export function edgeWebSocketEcho(address: string, host: string, path: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: address, port: 80 }, () => {
      s.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    s.setTimeout(15_000, () => s.destroy(new Error(`WebSocket to ${host}${path} timed out`)));
    let buf = Buffer.alloc(0);
    let upgraded = false;
    s.on("data", (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (!upgraded) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        const head = buf.subarray(0, end).toString("utf8");
        if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error(`no upgrade: ${head}`));
        upgraded = true;
        buf = buf.subarray(end + 4);
        const payload = Buffer.from(text);
        const mask = Buffer.from([1, 2, 3, 4]);
        const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] as number)));
        s.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
      }
      if (upgraded && buf.length >= 2 && buf.length >= 2 + ((buf[1] as number) & 0x7f)) {
        resolve(buf.subarray(2, 2 + ((buf[1] as number) & 0x7f)).toString("utf8"));
        s.destroy();
      }
    });
    s.on("error", reject);
  });
}

/**
 * A policy's effect, awaited: Envoy Gateway marks a policy Accepted once translated and gives no
 * signal when Envoy has the result (see README, "Readiness"), so policy tests wait for the effect
 * itself, at most `tries` requests. Returns the first matching response and how many it took.
 */
export async function untilEffect(send: () => Promise<EdgeResponse>, seen: (r: EdgeResponse) => boolean, tries = 50): Promise<{ response: EdgeResponse; attempts: number }> {
  let last: EdgeResponse | undefined;
  for (let i = 1; i <= tries; i++) {
    last = await send();
    if (seen(last)) return { response: last, attempts: i };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the policy's effect was not seen in ${tries} requests; last answer ${last?.status} ${last?.body.slice(0, 200)}`);
}

/** The leaf and chain the edge presents on 443 for `servername`. */
export function servedChain(address: string, servername: string, ca: string): Promise<{ authorized: boolean; error?: string; leaf: X509Certificate }> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: address, port: 443, servername, ca, rejectUnauthorized: false }, () => {
      const peer = s.getPeerX509Certificate();
      s.end();
      if (!peer) return reject(new Error("no peer certificate"));
      resolve({ authorized: s.authorized, ...(s.authorizationError ? { error: String(s.authorizationError) } : {}), leaf: peer });
    });
    s.on("error", reject);
  });
}
