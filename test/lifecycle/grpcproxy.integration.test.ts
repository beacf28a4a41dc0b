// GRPCProxy's lifecycle on a real kube-apiserver with the real Envoy Gateway and cert-manager
// (test/infra/controllers.ts) and a real authoritative DNS server (PowerDNS): off by default (check
// names the setting), and its hostnames follow HTTPProxy's rules — a verified Domain, an exclusive
// claim shared with HTTPProxies, NSO's partial programming, and D8 (a Domain in use stays).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { lifecycles, resolveEngineSettings, type ResourceLifecycle } from "../../provider/lifecycle/index.ts";
import { createKubeClient, type KubeClient } from "../../provider/kube/index.ts";
import { getControllers, type Controllers } from "../infra/controllers.ts";
import { startPowerDns, type PowerDns } from "../infra/powerdns.ts";

const ZONE = "grpc-hn.test";
const CLAIMS = "datum-downstream-gateway-hostnames";

let rc: Controllers;
let pdns: PowerDns;
let admin: KubeClient;

function engineFor(fieldManager: string, extra: Record<string, unknown> = {}) {
  const s = resolveEngineSettings({
    kubeconfig: rc.cp.kubeconfig,
    fieldManager,
    timeoutSeconds: 60,
    dnsServers: [pdns.dnsAddress],
    domainVerification: { retryIntervals: [{ interval: "500ms" }] },
    ...extra,
  });
  if (!s.ok) throw new Error(JSON.stringify(s.errors));
  const { engine, byToken } = lifecycles(s.settings);
  const get = (t: string) => byToken.get(t) as ResourceLifecycle;
  return { engine, grpc: get("datum:networking:GRPCProxy"), http: get("datum:networking:HTTPProxy"), domain: get("datum:networking:Domain") };
}

function grpcInputs(ns: string, name: string, hostnames: string[]) {
  return { metadata: { name, namespace: ns }, spec: { hostnames, rules: [{ matches: [{ method: { service: "shop.Catalog" } }], backends: [{ endpoint: "grpc://catalog.example.com:50051" }] }] } };
}

async function claimOwner(hostname: string): Promise<string | undefined> {
  const cm = await admin.get({ apiVersion: "v1", kind: "ConfigMap", namespace: CLAIMS, name: hostname });
  return cm ? String((cm["data"] as Record<string, unknown>)["owner"]) : undefined;
}

function listenerHostnames(gw: Record<string, unknown> | undefined): string[] {
  return ((gw?.["spec"] as { listeners?: { hostname: string }[] } | undefined)?.listeners ?? []).map((l) => l.hostname);
}

beforeAll(async () => {
  [rc, pdns] = await Promise.all([getControllers(), startPowerDns()]);
  await pdns.createZone(ZONE);
  admin = createKubeClient({ kubeconfig: rc.cp.kubeconfig });
}, 240_000);

afterAll(async () => {
  await admin?.close();
  await pdns?.stop();
  await rc?.stop();
});

describe("GRPCProxy lifecycle", () => {
  test("off by default: check fails naming the setting; nothing reaches the cluster", async () => {
    const off = engineFor("grpc-off");
    const checked = await off.grpc.check(undefined, grpcInputs("default", "api", []), { urnName: "api" });
    expect(checked.failures).toEqual([{ property: "kind", reason: expect.stringContaining("pulumi config set --path 'datum:extensions.grpcProxy' true") }]);
    // The same provider with the switch on admits it.
    const on = engineFor("grpc-on", { extensions: { grpcProxy: true } });
    expect((await on.grpc.check(undefined, grpcInputs("default", "api", []), { urnName: "api" })).failures).toEqual([]);
    await off.engine.close();
    await on.engine.close();
  });

  test("hostnames: verified Domain, partial programming, a claim an HTTPProxy cannot take, D8, release on delete", async () => {
    const ns = await rc.cp.newNamespace("grpchn");
    const e = engineFor("grpc-stack", { extensions: { grpcProxy: true } });
    const d = `d-${Date.now().toString(36)}.${ZONE}`;
    const host = `api.${d}`;
    const unverified = `api.elsewhere-${Date.now().toString(36)}.${ZONE}`;

    const domChecked = await e.domain.check(undefined, { metadata: { name: "dom", namespace: ns }, spec: { domainName: d }, waitForVerification: false }, { urnName: "dom" });
    const dom = await e.domain.create(domChecked.inputs, { preview: false });
    const record = (dom.outputs["verification"] as { dnsRecord: { name: string; content: string } }).dnsRecord;
    await pdns.setRecord(ZONE, record.name, "TXT", [`"${record.content}"`]);

    const checked = await e.grpc.check(undefined, grpcInputs(ns, "api", [host, unverified]), { urnName: "api" });
    expect(checked.failures).toEqual([]);
    const created = await e.grpc.create(checked.inputs, { preview: false });
    expect(created.outputs["ready"]).toBe(true);
    expect(created.outputs["hostnames"]).toEqual([created.outputs["canonicalHostname"], host]);
    const statuses = created.outputs["hostnameStatuses"] as { hostname: string; conditions: { type: string; status: string; reason: string }[] }[];
    expect(statuses.find((s) => s.hostname === unverified)?.conditions).toContainEqual(expect.objectContaining({ type: "Verified", status: "False" }));
    const gw = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "api" });
    expect(listenerHostnames(gw)).toContain(host);
    expect(listenerHostnames(gw)).not.toContain(unverified);
    expect(await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", namespace: ns, name: "api" })).toBeDefined();
    expect(await claimOwner(host)).toBe(`grpc-stack/${ns}/api`);

    // An HTTPProxy asking for the GRPCProxy's hostname (verified by the same Domain) does not get it (NSO's HostnameInUse).
    const httpChecked = await e.http.check(undefined, { metadata: { name: "web", namespace: ns }, spec: { hostnames: [host], rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] } }, { urnName: "web" });
    const web = await e.http.create(httpChecked.inputs, { preview: false });
    expect(web.outputs["hostnames"]).toEqual([web.outputs["canonicalHostname"]]);
    const inUse = (web.outputs["hostnameStatuses"] as { hostname: string; conditions: { type: string; reason: string }[] }[]).find((s) => s.hostname === host);
    expect(inUse?.conditions).toContainEqual(expect.objectContaining({ type: "Available", status: "False", reason: "InUse" }));
    expect(await claimOwner(host)).toBe(`grpc-stack/${ns}/api`);
    await e.http.delete(web.id, web.outputs, { preview: false });

    // D8: the Domain stays while the GRPCProxy serves a hostname under it.
    const refused = await e.domain.delete(dom.id, dom.outputs, { preview: false }).catch((err: unknown) => err);
    expect(String((refused as Error).message)).toContain(`used by GRPCProxy ${ns}/api (${host}); remove those hostnames or delete the GRPCProxy first`);

    // Delete removes every object and releases the claim; then the Domain may go.
    await e.grpc.delete(created.id, created.outputs, { preview: false });
    expect(await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", namespace: ns, name: "api" })).toBeUndefined();
    expect(await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: ns, name: "api" })).toBeUndefined();
    expect(await claimOwner(host)).toBeUndefined();
    await e.domain.delete(dom.id, dom.outputs, { preview: false });
    await e.engine.close();
  });
});
