// The real local control plane: kube-apiserver + etcd built from Go modules, CRDs from the cache.
// Fails (never skips) with "run `make infra-tools`" when the binaries are missing.
import { beforeAll, describe, expect, it } from "vitest";
import { getControlPlane, type ControlPlane } from "./controlplane.ts";
import { findCondition, kube, conditionsOf, type KObject, type Kube, type WatchEvent } from "./kube.ts";
import { waitFor } from "./procs.ts";
import { VERSIONS } from "./tools.ts";

const GW = "gateway.networking.k8s.io/v1";
const EG = "gateway.envoyproxy.io/v1alpha1";
const CM = "cert-manager.io/v1";

let cp: ControlPlane; // shared with the other suites of k8s.test.ts (getControlPlane is memoized)
let k: Kube;

beforeAll(async () => {
  const t0 = Date.now();
  cp = await getControlPlane();
  k = kube(cp.kc);
  console.log(`[infra] control plane ${cp.server} ready in ${Date.now() - t0} ms: ${JSON.stringify(cp.timings)}`);
});


/** Collect watch events for one object name until `until` matches or the deadline passes. */
async function watchFor(
  apiVersion: string,
  kind: string,
  ns: string,
  name: string,
  action: () => Promise<void>,
  until: (events: readonly WatchEvent[]) => boolean,
  timeoutMs = 15_000,
): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  const stop = await k.watch(apiVersion, kind, ns, (e) => {
    if (e.object?.metadata?.name === name) events.push(e);
  });
  try {
    await action();
    await waitFor(`${kind} ${name} watch events`, async () => (until(events) ? true : undefined), {
      timeoutMs,
      intervalMs: 25,
      onFail: () => `events so far: ${JSON.stringify(types(events))}`,
    });
    return events;
  } finally {
    stop();
  }
}

const types = (evs: readonly WatchEvent[]): string[] => evs.map((e) => e.type);

describe("local control plane", () => {
  it("reports the built Kubernetes version", async () => {
    const r = await cp.rawGet("/version");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ gitVersion: VERSIONS.kube, major: "1", minor: VERSIONS.kube.split(".")[1] });
  });

  it("has the CRDs installed and Established", async () => {
    for (const crd of [
      "gateways.gateway.networking.k8s.io",
      "gatewayclasses.gateway.networking.k8s.io",
      "httproutes.gateway.networking.k8s.io",
      "referencegrants.gateway.networking.k8s.io",
      "backendtlspolicies.gateway.networking.k8s.io",
      "securitypolicies.gateway.envoyproxy.io",
      "backendtrafficpolicies.gateway.envoyproxy.io",
      "clienttrafficpolicies.gateway.envoyproxy.io",
      "httproutefilters.gateway.envoyproxy.io",
      "backends.gateway.envoyproxy.io",
      "envoypatchpolicies.gateway.envoyproxy.io",
      "certificates.cert-manager.io",
      "issuers.cert-manager.io",
      "dnsendpoints.externaldns.k8s.io",
    ]) {
      expect(cp.crds).toContain(crd);
    }
    const r = await cp.rawGet("/apis/gateway.networking.k8s.io/v1");
    expect(r.status).toBe(200);
  });

  it("creates, patches status of, watches and deletes a Gateway", async () => {
    const ns = await cp.newNamespace("gateway");
    const gw: KObject = {
      apiVersion: GW,
      kind: "Gateway",
      metadata: { name: "gw", namespace: ns },
      spec: { gatewayClassName: "eg", listeners: [{ name: "http", protocol: "HTTP", port: 80 }] },
    };
    const now = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    const events = await watchFor(GW, "Gateway", ns, "gw", async () => {
      const created = await k.create(gw);
      expect(created.metadata.generation).toBe(1);
      await k.patchStatus(GW, "Gateway", ns, "gw", {
        conditions: [
          { type: "Accepted", status: "True", reason: "Accepted", message: "ok", observedGeneration: 1, lastTransitionTime: now },
          { type: "Programmed", status: "True", reason: "Programmed", message: "ok", observedGeneration: 1, lastTransitionTime: now },
        ],
      });
      await k.patch(GW, "Gateway", ns, "gw", { spec: { listeners: [{ name: "http", protocol: "HTTP", port: 8080 }] } });
      expect(await k.delete(GW, "Gateway", ns, "gw")).toBe(true);
    }, (e) => types(e).includes("DELETED"));
    expect(types(events)).toEqual(["ADDED", "MODIFIED", "MODIFIED", "DELETED"]);
    const afterStatus = events[1]!.object;
    expect(afterStatus.metadata.generation).toBe(1); // status writes don't bump generation
    expect(findCondition(conditionsOf(afterStatus), "Programmed")?.status).toBe("True");
    expect(events[2]!.object.metadata.generation).toBe(2);
    expect(await k.get(GW, "Gateway", ns, "gw")).toBeUndefined();
  });

  it("creates, patches status of, watches and deletes an HTTPRoute", async () => {
    const ns = await cp.newNamespace("route");
    const route: KObject = {
      apiVersion: GW,
      kind: "HTTPRoute",
      metadata: { name: "r", namespace: ns },
      spec: {
        parentRefs: [{ name: "gw" }],
        hostnames: ["app.example.test"],
        rules: [{ matches: [{ path: { type: "PathPrefix", value: "/" } }], backendRefs: [{ name: "svc", port: 8080 }] }],
      },
    };
    const events = await watchFor(GW, "HTTPRoute", ns, "r", async () => {
      await k.create(route);
      await k.patchStatus(GW, "HTTPRoute", ns, "r", {
        parents: [
          {
            parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw" },
            controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
            conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "Route is accepted", observedGeneration: 1, lastTransitionTime: "2026-01-01T00:00:00Z" }],
          },
        ],
      });
      await k.delete(GW, "HTTPRoute", ns, "r");
    }, (e) => types(e).includes("DELETED"));
    expect(types(events)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    const parents = events[1]!.object.status?.["parents"] as { controllerName: string }[];
    expect(parents[0]?.controllerName).toBe("gateway.envoyproxy.io/gatewayclass-controller");
  });

  it("rejects a CEL-invalid HTTPRoute", async () => {
    const ns = await cp.newNamespace("cel");
    const bad: KObject = {
      apiVersion: GW,
      kind: "HTTPRoute",
      metadata: { name: "bad", namespace: ns },
      spec: { parentRefs: [{ name: "gw" }], rules: [{ matches: [{ path: { type: "PathPrefix", value: "no-leading-slash" } }] }] },
    };
    const err = await k.create(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeDefined();
    expect((err as { code?: number }).code).toBe(422);
    expect(String((err as { body?: unknown }).body)).toMatch(/must be an absolute path and start with '\/'/);
    // and a RequestRedirect together with backendRefs
    const bad2: KObject = {
      ...bad,
      metadata: { name: "bad2", namespace: ns },
      spec: {
        parentRefs: [{ name: "gw" }],
        rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https" } }], backendRefs: [{ name: "svc", port: 80 }] }],
      },
    };
    await expect(k.create(bad2)).rejects.toMatchObject({ code: 422 });
  });

  it("creates, updates, watches and deletes an EndpointSlice (built-in validation applies)", async () => {
    const ns = await cp.newNamespace("eps");
    const eps: KObject = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: { name: "backend-1", namespace: ns, labels: { "kubernetes.io/service-name": "backend" } },
      addressType: "IPv4",
      endpoints: [{ addresses: ["10.0.0.5"], conditions: { ready: false } }],
      ports: [{ name: "http", port: 8080, protocol: "TCP" }],
    };
    const events = await watchFor("discovery.k8s.io/v1", "EndpointSlice", ns, "backend-1", async () => {
      await k.create(eps);
      // EndpointSlice has no /status: readiness lives in endpoints[].conditions
      await k.patch("discovery.k8s.io/v1", "EndpointSlice", ns, "backend-1", {
        endpoints: [{ addresses: ["10.0.0.5"], conditions: { ready: true, serving: true } }],
      });
      await k.delete("discovery.k8s.io/v1", "EndpointSlice", ns, "backend-1");
    }, (e) => types(e).includes("DELETED"));
    expect(types(events)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    const eps2 = events[1]!.object["endpoints"] as { conditions: { ready: boolean } }[];
    expect(eps2[0]?.conditions.ready).toBe(true);
    await expect(
      k.create({ ...eps, metadata: { name: "bad", namespace: ns }, endpoints: [{ addresses: ["not-an-ip"] }] }),
    ).rejects.toMatchObject({ code: 422 });
  });

  it("creates, patches status of, watches and deletes a Certificate", async () => {
    const ns = await cp.newNamespace("cert");
    const cert: KObject = {
      apiVersion: CM,
      kind: "Certificate",
      metadata: { name: "c", namespace: ns },
      spec: { secretName: "c-tls", dnsNames: ["app.example.test"], issuerRef: { name: "pebble", kind: "Issuer" } },
    };
    const events = await watchFor(CM, "Certificate", ns, "c", async () => {
      await k.create(cert);
      await k.patchStatus(CM, "Certificate", ns, "c", {
        conditions: [{ type: "Ready", status: "True", reason: "Ready", message: "Certificate is up to date and has not expired", observedGeneration: 1, lastTransitionTime: "2026-01-01T00:00:00Z" }],
        notAfter: "2027-01-01T00:00:00Z",
      });
      await k.delete(CM, "Certificate", ns, "c");
    }, (e) => types(e).includes("DELETED"));
    expect(types(events)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    expect(findCondition(conditionsOf(events[1]!.object), "Ready")?.status).toBe("True");
  });

  it("creates, patches status of, watches and deletes a SecurityPolicy (and enforces its CEL)", async () => {
    const ns = await cp.newNamespace("secpol");
    const sp: KObject = {
      apiVersion: EG,
      kind: "SecurityPolicy",
      metadata: { name: "sp", namespace: ns },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "r" }],
        cors: { allowOrigins: ["https://app.example.test"] },
      },
    };
    const events = await watchFor(EG, "SecurityPolicy", ns, "sp", async () => {
      await k.create(sp);
      await k.patchStatus(EG, "SecurityPolicy", ns, "sp", {
        ancestors: [
          {
            ancestorRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", namespace: ns },
            controllerName: "gateway.envoyproxy.io/gatewayclass-controller",
            conditions: [{ type: "Accepted", status: "True", reason: "Accepted", message: "Policy has been accepted.", observedGeneration: 1, lastTransitionTime: "2026-01-01T00:00:00Z" }],
          },
        ],
      });
      await k.delete(EG, "SecurityPolicy", ns, "sp");
    }, (e) => types(e).includes("DELETED"));
    expect(types(events)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    await expect(
      k.create({ ...sp, metadata: { name: "bad", namespace: ns }, spec: { cors: { allowOrigins: ["https://x.test"] } } }),
    ).rejects.toMatchObject({ code: 422 });
  });
});
