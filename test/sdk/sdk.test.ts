// The generated TypeScript SDK: reproducible from schema.json, and its classes register what the
// plugin expects (token, inputs, provider settings as strings, secrets) under Pulumi's mock runtime.
// Constructing a dynamic resource really serializes its provider closure, so a closure that cannot
// be serialized (a zod schema captured at module scope) fails here.
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { generateSdk, readSchemaFile, sdkStaleness } from "../../scripts/gen-sdk";

const ROOT = join(__dirname, "..", "..");
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
}

const registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, ...(args.provider && { provider: args.provider }) });
        const state = { ...(args.inputs as Record<string, unknown>), ready: true, readiness: "ready", drift: [], downstream: [] };
        return { id: `default/${args.name}`, state };
      },
      call: () => ({}),
    },
    "proj",
    "test",
    false,
  );
});

function resolved<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

async function registration(name: string): Promise<Registered> {
  for (let i = 0; i < 100; i++) {
    const r = registered.find((x) => x.name === name);
    if (r) return r;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${name} was not registered`);
}

describe("sdk/ is generated", () => {
  it("matches what `npm run sdk` generates from schema.json (run it and commit when this fails)", () => {
    const s = sdkStaleness(join(ROOT, "sdk"), generateSdk(readSchemaFile(ROOT)));
    expect(s).toEqual({ changed: [], missing: [], orphaned: [] });
  });

  it("is a pure function of the schema", () => {
    const schema = readSchemaFile(ROOT);
    expect([...generateSdk(schema)]).toEqual([...generateSdk(JSON.parse(JSON.stringify(schema)) as typeof schema)]);
  });
});

describe("native resource classes", () => {
  it("register the plugin's token with metadata and spec, and expose outputs", async () => {
    const datum = await import("../../sdk");
    const proxy = new datum.networking.HTTPProxy("shop", {
      metadata: { namespace: "edge", labels: { team: "web" } },
      spec: { hostnames: ["shop.example.com"], rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] },
    });
    const r = await registration("shop");
    expect(r.type).toBe("datum:networking:HTTPProxy");
    expect(r.inputs).toEqual({
      metadata: { namespace: "edge", labels: { team: "web" } },
      spec: { hostnames: ["shop.example.com"], rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] },
    });
    expect(await resolved(proxy.readiness)).toBe("ready");
    expect(await resolved(proxy.ready)).toBe(true);
    expect(await resolved(proxy.id)).toBe("default/shop");
    expect(datum.networking.HTTPProxy.isInstance(proxy)).toBe(true);
    expect(datum.policy.SecurityPolicy.isInstance(proxy)).toBe(false);
  });

  it("refuse to construct without a spec", async () => {
    const datum = await import("../../sdk");
    expect(() => new datum.networking.Domain("nospec", undefined as unknown as Parameters<typeof datum.networking.Domain>[1])).toThrow(/Missing required property 'spec'/);
  });

  it("Provider sends non-string settings JSON-encoded, as the plugin reads stack config", async () => {
    const datum = await import("../../sdk");
    const p = new datum.Provider("cluster-a", { kubeconfig: "apiVersion: v1", skipAwait: true, timeoutSeconds: 30, guardrails: { "gateway.targetDomain": "a.dev" } });
    new datum.policy.TrafficProtectionPolicy("waf", { spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "shop" }] } }, { provider: p });
    const r = await registration("cluster-a");
    expect(r.type).toBe("pulumi:providers:datum");
    expect(r.inputs).toMatchObject({ skipAwait: "true", timeoutSeconds: "30", guardrails: '{"gateway.targetDomain":"a.dev"}' });
    // Secret even though the program passed it plain: schema.json marks kubeconfig secret.
    expect(r.inputs["kubeconfig"]).toEqual({ [SIG]: SECRET, value: "apiVersion: v1" });
    const waf = await registration("waf");
    expect(waf.type).toBe("datum:policy:TrafficProtectionPolicy");
    expect(waf.provider).toMatch(/^urn:pulumi:test::proj::pulumi:providers:datum::cluster-a::/);
  });
});

describe("dynamic resource classes", () => {
  it("serialize a small provider that loads the engine only when called", async () => {
    const dyn = await import("../../sdk/dynamic");
    new dyn.networking.HTTPProxy("dyn-shop", {
      spec: { rules: [{ backends: [{ endpoint: "https://api.example.com" }] }] },
      settings: { kubeconfig: "apiVersion: v1", namespace: "edge" },
    });
    const r = await registration("dyn-shop");
    expect(r.type).toBe("pulumi-nodejs:dynamic/networking:HTTPProxy");
    const text = r.inputs["__provider"];
    expect(typeof text).toBe("string");
    // Only strings and require() are captured: no zod, no guardrails, no Kubernetes client.
    expect((text as string).length).toBeLessThan(10_000);
    expect(text).toContain('"datum:networking:HTTPProxy"');
    expect(text).not.toMatch(/zod|safeParse|KubeClient/);
    expect(r.inputs["resourceName"]).toBe("dyn-shop");
    // Settings carry the kubeconfig into state: always a secret.
    expect(r.inputs["settings"]).toEqual({ [SIG]: SECRET, value: { kubeconfig: "apiVersion: v1", namespace: "edge" } });
  });
});
