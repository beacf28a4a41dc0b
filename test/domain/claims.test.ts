// Exclusive hostname claims between two provider instances on a real kube-apiserver (+ etcd).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimFieldManager, releaseHostnameClaims, syncHostnameClaims, type ClaimApi } from "../../provider/claims/hostname-claims.ts";
import type { ClaimOwner } from "../../provider/core/domain/index.ts";
import { createKubeClient, type KubeClient } from "../../provider/kube/index.ts";
import { startControlPlane, type ControlPlane } from "../infra/controlplane.ts";

let cp: ControlPlane;
// Two provider instances (two stacks), each with its own client, both using the default
// field manager — the claim's per-owner field manager is what must keep them apart.
let prod: KubeClient;
let staging: KubeClient;
const A: ClaimOwner = { instance: "acme/web/prod", namespace: "default", name: "shop" };
const B: ClaimOwner = { instance: "acme/web/staging", namespace: "default", name: "shop" };

beforeAll(async () => {
  cp = await startControlPlane({ installCrds: false });
  prod = createKubeClient({ kubeconfigPath: cp.kubeconfigPath });
  staging = createKubeClient({ kubeconfigPath: cp.kubeconfigPath });
});

afterAll(async () => {
  await prod?.close();
  await staging?.close();
  await cp?.stop();
});

async function holders(client: KubeClient, namespace: string): Promise<Record<string, string>> {
  const list = await client.list({ apiVersion: "v1", kind: "ConfigMap", namespace });
  return Object.fromEntries(
    list.items.filter((o) => o.metadata.name !== "kube-root-ca.crt").map((o) => [o.metadata.name, String((o["data"] as Record<string, unknown>)["owner"])]),
  );
}

describe("hostname claims on a real API server", () => {
  it("satisfies the ClaimApi surface with provider/kube's client", () => {
    const api: ClaimApi = prod;
    expect(typeof api.apply).toBe("function");
  });

  it("first owner wins; the second gets an error naming the owner", async () => {
    const namespace = "hostname-claims-1";
    const a = await syncHostnameClaims(prod, A, ["shop.example.com"], { namespace });
    expect(a).toEqual({ claimed: ["shop.example.com"], conflicts: [], released: [] });
    const b = await syncHostnameClaims(staging, B, ["shop.example.com", "staging.example.com"], { namespace });
    expect(b.claimed).toEqual(["staging.example.com"]);
    expect(b.conflicts).toEqual([
      {
        hostname: "shop.example.com",
        holder: "acme/web/prod/default/shop",
        message: `The hostname "shop.example.com" is already attached to a resource: it is claimed by "acme/web/prod/default/shop" (ConfigMap ${namespace}/shop.example.com)`,
      },
    ]);
    const stored = await prod.get({ apiVersion: "v1", kind: "ConfigMap", namespace, name: "shop.example.com" });
    expect(stored?.metadata.labels).toEqual({
      "meta.datumapis.com/upstream-cluster-name": "cluster-acme_web_prod",
      "meta.datumapis.com/upstream-namespace": "default",
      "meta.datumapis.com/upstream-name": "shop",
    });
    expect(stored?.["data"]).toEqual({ owner: "acme/web/prod/default/shop" });
    // Claiming again is idempotent for the holder.
    expect((await syncHostnameClaims(prod, A, ["shop.example.com"], { namespace })).claimed).toEqual(["shop.example.com"]);
  });

  it("the API server itself refuses a takeover (SSA conflict), even without the read", async () => {
    const namespace = "hostname-claims-2";
    await syncHostnameClaims(prod, A, ["x.example.com"], { namespace });
    const takeover = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x.example.com", namespace },
      data: { owner: "acme/web/staging/default/shop" },
    };
    await expect(staging.apply(takeover, { fieldManager: claimFieldManager(B), force: false })).rejects.toMatchObject({ code: 409 });
    expect(await holders(prod, namespace)).toEqual({ "x.example.com": "acme/web/prod/default/shop" });
  });

  it("concurrent claims on overlapping hostnames end with exactly one holder each", async () => {
    const namespace = "hostname-claims-3";
    const hosts = Array.from({ length: 8 }, (_, i) => `h${i}.example.com`);
    const t0 = performance.now();
    const [a, b] = await Promise.all([
      syncHostnameClaims(prod, A, hosts, { namespace }),
      syncHostnameClaims(staging, B, [...hosts].reverse(), { namespace }),
    ]);
    console.log(`[domain] 2×8 concurrent hostname claims: ${(performance.now() - t0).toFixed(0)} ms`);
    expect([...a.claimed, ...b.claimed].sort()).toEqual(hosts);
    expect(a.conflicts.map((c) => c.hostname).sort()).toEqual([...b.claimed].sort());
    expect(b.conflicts.map((c) => c.hostname).sort()).toEqual([...a.claimed].sort());
    const stored = await holders(prod, namespace);
    for (const h of a.claimed) expect(stored[h]).toBe("acme/web/prod/default/shop");
    for (const h of b.claimed) expect(stored[h]).toBe("acme/web/staging/default/shop");
  });

  it("releases dropped hostnames on update and everything on delete, never others' claims", async () => {
    const namespace = "hostname-claims-4";
    await syncHostnameClaims(prod, A, ["one.example.com", "two.example.com"], { namespace });
    await syncHostnameClaims(staging, B, ["three.example.com"], { namespace });
    const updated = await syncHostnameClaims(prod, A, ["two.example.com"], { namespace });
    expect(updated.released).toEqual(["one.example.com"]);
    // The hostname is free again: the other stack can take it now.
    expect((await syncHostnameClaims(staging, B, ["three.example.com", "one.example.com"], { namespace })).claimed).toEqual(["three.example.com", "one.example.com"]);
    expect(await releaseHostnameClaims(prod, A, { namespace })).toEqual(["two.example.com"]);
    expect(await holders(prod, namespace)).toEqual({ "one.example.com": "acme/web/staging/default/shop", "three.example.com": "acme/web/staging/default/shop" });
  });

  it("treats a claim written by NSO (plain create, other manager) as held by its owner", async () => {
    const namespace = "hostname-claims-5";
    await syncHostnameClaims(prod, A, ["seed.example.com"], { namespace });
    await staging.apply(
      {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "nso.example.com", namespace, labels: { "meta.datumapis.com/upstream-cluster-name": "cluster-nso" } },
        data: { owner: "nso/default/app" },
      },
      { fieldManager: "network-services-operator" },
    );
    const r = await syncHostnameClaims(prod, A, ["nso.example.com"], { namespace });
    expect(r.conflicts[0]?.holder).toBe("nso/default/app");
    // Releasing never touches it, even if its labels were to match.
    await releaseHostnameClaims(prod, A, { namespace });
    expect(await holders(prod, namespace)).toEqual({ "nso.example.com": "nso/default/app" });
  });
});
