// Status actors against the real local API server: the shapes written and the failure modes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DELAY_ANNOTATION, EG_CONTROLLER, MODE_ANNOTATION, startActors, type ActorGroup } from "./actors/index.ts";
import { getControlPlane, type ControlPlane } from "./controlplane.ts";
import { conditionsOf, findCondition, kube, type Condition, type KObject, type Kube } from "./kube.ts";
import { waitFor } from "./procs.ts";

const GW = "gateway.networking.k8s.io/v1";
const EG = "gateway.envoyproxy.io/v1alpha1";
const CM = "cert-manager.io/v1";

let cp: ControlPlane; // shared with the other suites of k8s.test.ts (getControlPlane is memoized)
let k: Kube;

beforeAll(async () => {
  cp = await getControlPlane();
  k = kube(cp.kc);
});

function withMode<T extends KObject>(o: T, mode?: string, delayMs?: number): T {
  const annotations: Record<string, string> = { ...(o.metadata.annotations ?? {}) };
  if (mode) annotations[MODE_ANNOTATION] = mode;
  if (delayMs) annotations[DELAY_ANNOTATION] = String(delayMs);
  return { ...o, metadata: { ...o.metadata, annotations } };
}

async function until<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  return await waitFor(what, f, { timeoutMs, intervalMs: 50 });
}

const gateway = (ns: string, name: string): KObject => ({
  apiVersion: GW,
  kind: "Gateway",
  metadata: { name, namespace: ns },
  spec: { gatewayClassName: "eg", listeners: [{ name: "http", protocol: "HTTP", port: 80 }] },
});

const cond = (o: KObject | undefined, type: string): Condition | undefined => findCondition(conditionsOf(o), type);

describe("status actors", () => {
  let ns: string;
  let actors: ActorGroup;

  beforeAll(async () => {
    ns = await cp.newNamespace("actors");
    actors = startActors(cp.kc, { namespace: ns });
  });
  afterAll(() => {
    actors?.stop();
    expect(actors?.errors() ?? []).toEqual([]);
  });

  it("accepts an Envoy Gateway GatewayClass", async () => {
    const name = `eg-${ns}`;
    await k.create({ apiVersion: GW, kind: "GatewayClass", metadata: { name }, spec: { controllerName: EG_CONTROLLER } });
    const gc = await until("GatewayClass Accepted", async () => {
      const o = await k.get(GW, "GatewayClass", undefined, name);
      return cond(o, "Accepted")?.status === "True" ? o : undefined;
    });
    expect(cond(gc, "Accepted")).toMatchObject({ reason: "Accepted", observedGeneration: 1 });
    await k.delete(GW, "GatewayClass", undefined, name);
  });

  it("programs a Gateway (after a delay) and tracks generation", async () => {
    await k.create(withMode(gateway(ns, "gw"), "ready", 300));
    const pending = await until("Gateway pending", async () => {
      const o = await k.get(GW, "Gateway", ns, "gw");
      const c = cond(o, "Accepted"); // the CRD default is Unknown/Pending; the actor writes False/Pending
      return c?.reason === "Pending" && c.status === "False" ? o : undefined;
    });
    expect(cond(pending, "Programmed")?.status).toBe("False");
    const ready = await until("Gateway programmed", async () => {
      const o = await k.get(GW, "Gateway", ns, "gw");
      return cond(o, "Programmed")?.status === "True" ? o : undefined;
    });
    expect(cond(ready, "Accepted")).toMatchObject({ status: "True", reason: "Accepted", observedGeneration: 1 });
    const listeners = ready.status?.["listeners"] as { name: string; conditions: Condition[]; supportedKinds: unknown[] }[];
    expect(listeners[0]?.name).toBe("http");
    expect(findCondition(listeners[0]?.conditions, "Programmed")?.status).toBe("True");
    expect(ready.status?.["addresses"]).toEqual([{ type: "IPAddress", value: "192.0.2.10" }]);

    await k.patch(GW, "Gateway", ns, "gw", { spec: { listeners: [{ name: "http", protocol: "HTTP", port: 8080 }] } });
    const gen2 = await until("Gateway generation 2 observed", async () => {
      const o = await k.get(GW, "Gateway", ns, "gw");
      const c = cond(o, "Programmed");
      return c?.status === "True" && c.observedGeneration === 2 ? o : undefined;
    });
    expect(gen2.metadata.generation).toBe(2);
  });

  it("reports Accepted=False for an invalid Gateway and Programmed=False when not programmed", async () => {
    await k.create(withMode(gateway(ns, "gw-invalid"), "invalid"));
    await k.create(withMode(gateway(ns, "gw-unprogrammed"), "not-programmed"));
    const inv = await until("invalid", async () => {
      const o = await k.get(GW, "Gateway", ns, "gw-invalid");
      return cond(o, "Accepted")?.status === "False" ? o : undefined;
    });
    expect(cond(inv, "Accepted")?.reason).toBe("ListenersNotValid");
    const unp = await until("not programmed", async () => {
      const o = await k.get(GW, "Gateway", ns, "gw-unprogrammed");
      return cond(o, "Programmed")?.status === "False" ? o : undefined;
    });
    expect(cond(unp, "Accepted")?.status).toBe("True");
    expect(cond(unp, "Programmed")?.reason).toBe("AddressNotAssigned");
  });

  it("never writes status in mode never", async () => {
    await k.create(withMode(gateway(ns, "gw-never"), "never"));
    await k.create(withMode(gateway(ns, "gw-marker"), "ready"));
    await until("marker ready", async () => (cond(await k.get(GW, "Gateway", ns, "gw-marker"), "Programmed")?.status === "True" ? true : undefined));
    // only the CRD defaults (Unknown / Pending, observedGeneration unset) remain
    const never = conditionsOf(await k.get(GW, "Gateway", ns, "gw-never"));
    expect(never.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Accepted", "Unknown", "Pending"],
      ["Programmed", "Unknown", "Pending"],
    ]);
  });

  it("writes HTTPRoute parents for the EG controller, including failures", async () => {
    const route = (name: string, mode?: string): KObject =>
      withMode(
        {
          apiVersion: GW,
          kind: "HTTPRoute",
          metadata: { name, namespace: ns },
          spec: { parentRefs: [{ name: "gw", sectionName: "http" }], rules: [{ backendRefs: [{ name: "svc", port: 80 }] }] },
        },
        mode,
      );
    await k.create(route("r-ok"));
    await k.create(route("r-bad", "invalid"));
    await k.create(route("r-unresolved", "unresolved"));
    const parentsOf = async (n: string): Promise<{ parentRef: Record<string, unknown>; controllerName: string; conditions: Condition[] }[] | undefined> => {
      const o = await k.get(GW, "HTTPRoute", ns, n);
      const p = o?.status?.["parents"];
      return Array.isArray(p) && p.length > 0 ? (p as never) : undefined;
    };
    const ok = await until("route ok", () => parentsOf("r-ok"));
    expect(ok[0]).toMatchObject({
      parentRef: { group: "gateway.networking.k8s.io", kind: "Gateway", name: "gw", sectionName: "http" },
      controllerName: EG_CONTROLLER,
    });
    expect(findCondition(ok[0]?.conditions, "Accepted")).toMatchObject({ status: "True", observedGeneration: 1 });
    const bad = await until("route bad", () => parentsOf("r-bad"));
    expect(findCondition(bad[0]?.conditions, "Accepted")).toMatchObject({ status: "False", reason: "NotAllowedByListeners" });
    const unres = await until("route unresolved", () => parentsOf("r-unresolved"));
    expect(findCondition(unres[0]?.conditions, "ResolvedRefs")).toMatchObject({ status: "False", reason: "BackendNotFound" });
  });

  it("writes policy ancestors (route-targeted → parent Gateway) and Invalid failures", async () => {
    const sp = (name: string, mode?: string): KObject =>
      withMode(
        {
          apiVersion: EG,
          kind: "SecurityPolicy",
          metadata: { name, namespace: ns },
          spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "r-ok" }], cors: { allowOrigins: ["https://a.example.test"] } },
        },
        mode,
      );
    await k.create(sp("sp-ok"));
    await k.create(sp("sp-bad", "invalid"));
    const ancestorsOf = async (n: string): Promise<{ ancestorRef: Record<string, unknown>; controllerName: string; conditions: Condition[] }[] | undefined> => {
      const o = await k.get(EG, "SecurityPolicy", ns, n);
      const a = o?.status?.["ancestors"];
      return Array.isArray(a) && a.length > 0 ? (a as never) : undefined;
    };
    const ok = await until("sp ok", () => ancestorsOf("sp-ok"));
    expect(ok[0]).toMatchObject({ ancestorRef: { kind: "Gateway", name: "gw", namespace: ns }, controllerName: EG_CONTROLLER });
    expect(findCondition(ok[0]?.conditions, "Accepted")).toMatchObject({ status: "True", reason: "Accepted", message: "Policy has been accepted." });
    const bad = await until("sp bad", () => ancestorsOf("sp-bad"));
    expect(findCondition(bad[0]?.conditions, "Accepted")).toMatchObject({ status: "False", reason: "Invalid" });
  });

  it("issues a Certificate with its Secret, and recovers a failing one", async () => {
    const cert = (name: string, mode?: string, delay?: number): KObject =>
      withMode(
        {
          apiVersion: CM,
          kind: "Certificate",
          metadata: { name, namespace: ns },
          spec: { secretName: `${name}-tls`, dnsNames: [`${name}.example.test`], issuerRef: { name: "pebble", kind: "Issuer" } },
        },
        mode,
        delay,
      );
    await k.create(cert("c-ok"));
    await k.create(cert("c-flaky", "fail-then-ready", 500));
    await k.create(cert("c-never", "never"));
    const ready = await until("cert ready", async () => {
      const o = await k.get(CM, "Certificate", ns, "c-ok");
      return cond(o, "Ready")?.status === "True" ? o : undefined;
    });
    expect(ready.status?.["notAfter"]).toBeTypeOf("string");
    const secret = await k.get("v1", "Secret", ns, "c-ok-tls");
    expect(secret?.["type"]).toBe("kubernetes.io/tls");

    const failed = await until("cert failed", async () => {
      const o = await k.get(CM, "Certificate", ns, "c-flaky");
      return cond(o, "Issuing")?.reason === "Failed" ? o : undefined;
    });
    expect(cond(failed, "Ready")).toMatchObject({ status: "False", reason: "CertificateRequestFailed" });
    expect(failed.status?.["failedIssuanceAttempts"]).toBe(1);
    expect(failed.status?.["lastFailureTime"]).toBeTypeOf("string");
    const recovered = await until("cert recovered", async () => {
      const o = await k.get(CM, "Certificate", ns, "c-flaky");
      return cond(o, "Ready")?.status === "True" ? o : undefined;
    });
    expect(recovered.status?.["lastFailureTime"]).toBeUndefined();

    const never = await k.get(CM, "Certificate", ns, "c-never");
    expect(cond(never, "Ready")).toMatchObject({ status: "False", reason: "DoesNotExist" });
    expect(cond(never, "Issuing")?.status).toBe("True");
  });
});
