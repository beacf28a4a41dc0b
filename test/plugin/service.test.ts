// The gRPC mapping of the native plugin, driven over a real gRPC connection as the engine drives it.
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PartialFailureError } from "../../provider/lifecycle/types";
import { startPlugin, type RunningPlugin } from "../../provider/plugin/server";
import {
  checkRequest,
  configureRequest,
  failuresOf,
  isSecret,
  js,
  plainStrings,
  ROOT,
  rpc,
  rpcError,
  secret,
  startEngineLog,
  struct,
  UNKNOWN,
  type Props,
} from "./harness";
import { testEngine, validProxy, type Recorder, type Script } from "./test-engine";

const HTTPPROXY = "datum:networking:HTTPProxy";
const URN = `urn:pulumi:test::proj::${HTTPPROXY}::shop`;
const schemaText = readFileSync(join(ROOT, "schema.json"), "utf8");

interface Session {
  client: ResourceProviderClient;
  plugin: RunningPlugin;
  recorder: Recorder;
  logs: Awaited<ReturnType<typeof startEngineLog>>;
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of open.splice(0)) await stop();
});

async function session(script: Script = {}, configure: Props | false = {}): Promise<Session> {
  const logs = await startEngineLog();
  const recorder: Recorder = { settings: [], calls: [] };
  const plugin = await startPlugin({ version: "9.9.9", schema: () => schemaText, loadEngine: async () => testEngine(script, recorder), engineAddress: logs.address });
  const client = new ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
  open.push(async () => {
    client.close();
    await plugin.stop();
    await logs.stop();
  });
  if (configure !== false) await rpc(client, client.configure, configureRequest(configure));
  return { client, plugin, recorder, logs };
}

function proxyWithSecretHeader(token: string): Props {
  const p = validProxy();
  const spec = p["spec"] as { rules: Props[] };
  spec.rules[0] = {
    name: "web",
    // Not a credential header name: the value is secret only because the program said so.
    filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "X-Signature", value: secret(token) }] } }],
    backends: [{ endpoint: "https://api.example.com" }],
  };
  return p;
}

describe("plugin metadata", () => {
  it("reports the version and serves schema.json", async () => {
    const { client } = await session({}, false);
    const info = await rpc(client, client.getPluginInfo, new Empty());
    expect(info.getVersion()).toBe("9.9.9");
    const res = await rpc(client, client.getSchema, new providerPb.GetSchemaRequest());
    expect(res.getSchema()).toBe(schemaText);
    expect(Object.keys(JSON.parse(res.getSchema()).resources)).toContain(HTTPPROXY);
  });

  it("rejects schema versions and subpackages it does not have", async () => {
    const { client } = await session({}, false);
    const v1 = new providerPb.GetSchemaRequest();
    v1.setVersion(1);
    expect((await rpcError(client, client.getSchema, v1)).code).toBe(grpc.status.INVALID_ARGUMENT);
    const sub = new providerPb.GetSchemaRequest();
    sub.setSubpackageName("other");
    expect((await rpcError(client, client.getSchema, sub)).code).toBe(grpc.status.NOT_FOUND);
  });

  it("answers the handshake with the capabilities it implements", async () => {
    const { client } = await session({}, false);
    const req = new providerPb.ProviderHandshakeRequest();
    req.setEngineAddress("127.0.0.1:1");
    const res = await rpc(client, client.handshake, req);
    expect(res.getAcceptSecrets()).toBe(true);
    expect(res.getAcceptResources()).toBe(true);
    expect(res.getAcceptOutputs()).toBe(false);
  });
});

describe("provider configuration", () => {
  const kubeconfig = (server: string, token: string): string =>
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters: [{name: c, cluster: {server: " + server + "}}]",
      "users: [{name: u, user: {token: " + token + "}}]",
      "contexts: [{name: ctx, context: {cluster: c, user: u}}]",
      "current-context: ctx",
      "",
    ].join("\n");

  it("CheckConfig accepts stack-config strings and keeps kubeconfig secret", async () => {
    const { client } = await session({}, false);
    const req = checkRequest("pulumi:providers:datum", { kubeconfig: kubeconfig("https://a:6443", "tok-123456"), skipAwait: "true", timeoutSeconds: "30", guardrails: '{"gateway.permittedTLSOptions": {}}', version: "0.1.0" });
    const res = await rpc(client, client.checkConfig, req);
    expect(failuresOf(res)).toEqual([]);
    const inputs = js(res.getInputs());
    expect(isSecret(inputs["kubeconfig"])).toBe(true);
    expect(inputs["skipAwait"]).toBe("true");
  });

  it("CheckConfig names the key that is wrong and never echoes the kubeconfig", async () => {
    const { client } = await session({}, false);
    const res = await rpc(client, client.checkConfig, checkRequest("pulumi:providers:datum", { kubeconifg: "x", skipAwait: "sometimes", kubeconfig: 42 }));
    const f = failuresOf(res);
    expect(f.map((x) => x.property).sort()).toEqual(["kubeconfig", "kubeconifg", "skipAwait"]);
    expect(f.find((x) => x.property === "kubeconifg")?.reason).toMatch(/unknown configuration key datum:kubeconifg; supported keys: .*datum:kubeconfig/);
    expect(f.find((x) => x.property === "skipAwait")?.reason).toMatch(/^datum:skipAwait: /);
  });

  it("DiffConfig replaces the provider only when the cluster or the default namespace changes", async () => {
    const { client } = await session({}, false);
    const diff = async (olds: Props, news: Props) => {
      const r = new providerPb.DiffRequest();
      r.setOlds(struct(olds));
      r.setNews(struct(news));
      const res = await rpc(client, client.diffConfig, r);
      return { changes: res.getChanges(), replaces: res.getReplacesList(), diffs: res.getDiffsList(), detailed: [...res.getDetaileddiffMap().entries()].map(([k, v]) => [k, v.getKind()]) };
    };
    const a = { kubeconfig: secret(kubeconfig("https://a:6443", "one")), fieldManager: "x" };
    expect(await diff(a, a)).toMatchObject({ changes: providerPb.DiffResponse.DiffChanges.DIFF_NONE, replaces: [] });
    // Rotated credentials, same API server: update in place.
    expect(await diff(a, { ...a, kubeconfig: secret(kubeconfig("https://a:6443", "two")) })).toMatchObject({ replaces: [], diffs: ["kubeconfig"] });
    // Another API server: every resource moves, so the provider is replaced.
    expect(await diff(a, { ...a, kubeconfig: kubeconfig("https://b:6443", "one") })).toMatchObject({
      replaces: ["kubeconfig"],
      detailed: [["kubeconfig", providerPb.PropertyDiff.Kind.UPDATE_REPLACE]],
    });
    expect(await diff(a, { ...a, namespace: "edge" })).toMatchObject({ replaces: ["namespace"] });
    expect(await diff(a, { ...a, fieldManager: "y" })).toMatchObject({ changes: providerPb.DiffResponse.DiffChanges.DIFF_SOME, replaces: [], diffs: ["fieldManager"] });
  });

  it("Configure announces secrets, preview and resource references, and builds lifecycles from the settings", async () => {
    const { client, recorder } = await session({}, false);
    const res = await rpc(client, client.configure, configureRequest({ gatewayClassName: "eg", dnsIntegration: "true", guardrails: '{"gateway": {"targetDomain": "x.dev"}}' }));
    expect(res.getAcceptsecrets()).toBe(true);
    expect(res.getSupportspreview()).toBe(true);
    expect(res.getAcceptresources()).toBe(true);
    expect(recorder.settings).toHaveLength(1);
    expect(recorder.settings[0]).toMatchObject({ gatewayClassName: "eg", dnsIntegration: true });
    expect(recorder.settings[0]?.guardrails.gateway.targetDomain).toBe("x.dev");
  });

  it("Configure gives the stack its owner id: datum:ownerId, else <project>/<stack> from the provider's URN", async () => {
    const { client, recorder } = await session({}, false);
    const fromUrn = configureRequest({ fieldManager: "team-a" });
    fromUrn.setUrn("urn:pulumi:prod::shop::pulumi:providers:datum::default_0_1_0");
    await rpc(client, client.configure, fromUrn);
    const explicit = configureRequest({ ownerId: "shop/legacy-name" });
    explicit.setUrn("urn:pulumi:prod::shop::pulumi:providers:datum::default_0_1_0");
    await rpc(client, client.configure, explicit);
    // No URN (an engine that sends none): the field manager, as earlier versions did.
    await rpc(client, client.configure, configureRequest({ fieldManager: "team-a" }));
    expect(recorder.settings.map((s) => s.ownerId)).toEqual(["shop/prod", "shop/legacy-name", undefined]);
  });

  it("Configure rejects invalid settings without printing secret values", async () => {
    const { client } = await session({}, false);
    const err = await rpcError(client, client.configure, configureRequest({ kubeconfig: secret("supersecret-kc"), timeoutSeconds: -5 }));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/datum:timeoutSeconds/);
    expect(err.details).not.toContain("supersecret-kc");
  });

  it("resource operations before Configure fail with a clear message", async () => {
    const { client } = await session({}, false);
    const err = await rpcError(client, client.check, checkRequest(HTTPPROXY, validProxy()));
    expect(err.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(err.details).toMatch(/not configured/);
  });
});

describe("Check", () => {
  it("passes a valid HTTPProxy and returns the checked inputs", async () => {
    const { client } = await session();
    const res = await rpc(client, client.check, checkRequest(HTTPPROXY, validProxy()));
    expect(failuresOf(res)).toEqual([]);
    expect(js(res.getInputs())).toMatchObject({ metadata: { name: "shop" }, spec: { hostnames: ["shop.example.com"] } });
  });

  it("reports NSO's message at the Kubernetes field path", async () => {
    const { client } = await session();
    const res = await rpc(client, client.check, checkRequest(HTTPPROXY, validProxy("https://api.example.com/v1")));
    const f = failuresOf(res);
    expect(f).toHaveLength(1);
    expect(f[0]?.property).toBe("spec.rules[0].backends[0].endpoint");
    expect(f[0]?.reason).toContain('Invalid value: "/v1"');
  });

  it("defers rules on values that are unknown at preview", async () => {
    const { client } = await session();
    const res = await rpc(client, client.check, checkRequest(HTTPPROXY, validProxy(UNKNOWN)));
    expect(failuresOf(res)).toEqual([]);
    expect(js(res.getInputs())["spec"]).toMatchObject({ rules: [{ backends: [{ endpoint: UNKNOWN }] }] });
  });

  it("uses the provider's guardrail overrides", async () => {
    const sp = { metadata: { name: "sp" }, spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "r" }], cors: { allowOrigins: ["https://a.example.com", "https://b.example.com", "https://c.example.com"] } } };
    const strict = await session({}, { guardrails: { "gateway.extensionAPIValidationOptions.securityPolicies.CORS.MaxFieldLength": 2 } });
    const f = failuresOf(await rpc(strict.client, strict.client.check, checkRequest("datum:policy:SecurityPolicy", sp)));
    expect(f.map((x) => x.property)).toEqual(["spec.cors.allowOrigins"]);
    const lenient = await session();
    expect(failuresOf(await rpc(lenient.client, lenient.client.check, checkRequest("datum:policy:SecurityPolicy", sp)))).toEqual([]);
  });

  it("keeps a secret input secret and redacts it from failure messages", async () => {
    const { client } = await session();
    const token = "Bearer s3cr3t-t0ken";
    const ok = await rpc(client, client.check, checkRequest(HTTPPROXY, proxyWithSecretHeader(token)));
    expect(failuresOf(ok)).toEqual([]);
    const inputs = js(ok.getInputs());
    const header = ((inputs["spec"] as { rules: { filters: { requestHeaderModifier: { set: { value: unknown }[] } }[] }[] }).rules[0]?.filters[0]?.requestHeaderModifier.set[0]?.value);
    expect(isSecret(header) && header.value).toBe(token);
    expect(plainStrings(inputs).some((s) => s.includes("s3cr3t"))).toBe(false);

    // A secret that is itself invalid: the message quotes the value, the provider must not.
    const bad = validProxy(secret("https://api.example.com/s3cr3t-path"));
    const res = await rpc(client, client.check, checkRequest(HTTPPROXY, bad));
    const f = failuresOf(res);
    expect(f.length).toBeGreaterThan(0);
    expect(JSON.stringify(f)).not.toContain("s3cr3t");
    expect(JSON.stringify(f)).toContain("[secret]");
  });

  it("treats credential headers as secret even when the program passed them plain", async () => {
    const { client } = await session();
    const p = validProxy();
    (p["spec"] as { rules: Props[] }).rules[0] = {
      name: "web",
      filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "Authorization", value: "Basic cGxhaW4tY3JlZA==" }, { name: "X-Env", value: "prod" }] } }],
      backends: [{ endpoint: "https://api.example.com" }],
    };
    const res = await rpc(client, client.check, checkRequest(HTTPPROXY, p));
    const set = ((js(res.getInputs())["spec"] as { rules: { filters: { requestHeaderModifier: { set: { value: unknown }[] } }[] }[] }).rules[0]?.filters[0]?.requestHeaderModifier.set) ?? [];
    expect(isSecret(set[0]?.value)).toBe(true);
    expect(set[1]?.value).toBe("prod");
  });

  it("resolves resource references to the referenced id", async () => {
    const { client } = await session();
    const ref = { [`4dabf18193072939515e22adb298388d`]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:test::proj::datum:networking:Domain::d", id: "default/shop-domain", packageVersion: "" };
    const p = validProxy();
    (p["metadata"] as Props)["labels"] = { domain: ref };
    const res = await rpc(client, client.check, checkRequest(HTTPPROXY, p));
    expect((js(res.getInputs())["metadata"] as Props)["labels"]).toEqual({ domain: "default/shop-domain" });
  });

  it("rejects a type token it does not manage", async () => {
    const { client } = await session();
    const err = await rpcError(client, client.check, checkRequest("datum:networking:Nope", validProxy()));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toContain("datum:networking:HTTPProxy");
  });
});

describe("Diff", () => {
  it("maps the lifecycle's detailed diff, replacements and delete-before-replace", async () => {
    const { client, recorder } = await session({
      diff: async () => ({
        changes: true,
        replaces: ["metadata.name"],
        deleteBeforeReplace: true,
        detailedDiff: {
          "metadata.name": { kind: "UPDATE_REPLACE", inputDiff: true },
          "spec.rules[0].backends[0].endpoint": { kind: "UPDATE", inputDiff: true },
        },
        downstream: { create: [], update: [{ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: "default", name: "shop" }], delete: [] },
      }),
    });
    const req = new providerPb.DiffRequest();
    req.setId("default/shop");
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setOlds(struct(validProxy()));
    req.setNews(struct(validProxy("https://other.example.com")));
    const res = await rpc(client, client.diff, req);
    expect(res.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(res.getReplacesList()).toEqual(["metadata.name"]);
    expect(res.getDeletebeforereplace()).toBe(true);
    expect(res.getHasdetaileddiff()).toBe(true);
    expect(res.getDiffsList()).toEqual(["metadata", "spec"]);
    const detailed = Object.fromEntries([...res.getDetaileddiffMap().entries()].map(([k, v]) => [k, [v.getKind(), v.getInputdiff()]]));
    expect(detailed).toEqual({
      "metadata.name": [providerPb.PropertyDiff.Kind.UPDATE_REPLACE, true],
      "spec.rules[0].backends[0].endpoint": [providerPb.PropertyDiff.Kind.UPDATE, true],
    });
    const call = recorder.calls.find((c) => c.op === "diff");
    expect(call?.args[0]).toBe("default/shop");
    expect((call?.args[3] as { preview: boolean }).preview).toBe(true);
  });

  it("reports no changes as DIFF_NONE", async () => {
    const { client } = await session({
      diff: async () => ({ changes: false, replaces: [], deleteBeforeReplace: false, detailedDiff: {}, downstream: { create: [], update: [], delete: [] } }),
    });
    const req = new providerPb.DiffRequest();
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setOlds(struct(validProxy()));
    req.setNews(struct(validProxy()));
    const res = await rpc(client, client.diff, req);
    expect(res.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_NONE);
    expect(res.getDiffsList()).toEqual([]);
  });
});

describe("Create, Update, Read, Delete mapping", () => {
  const outputs = { downstream: [{ apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", namespace: "default", name: "shop" }], ready: true, readiness: "ready", drift: [], canonicalHostname: "a-b-c1234.datum.local" };

  it("Create returns the id and outputs; secret inputs stay secret in state, also where copied", async () => {
    const token = "Bearer s3cr3t-t0ken";
    const { client, recorder } = await session({
      create: async (inputs, ctx) => {
        ctx.onProgress?.(`waiting for Gateway default/shop (header ${token})`);
        // A lifecycle may copy input values into outputs (e.g. a rendered object); they must stay secret.
        return { id: "default/shop", outputs: { ...inputs, ...outputs, rendered: `Authorization: ${token}` } };
      },
    });
    const req = new providerPb.CreateRequest();
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setProperties(struct(proxyWithSecretHeader(token)));
    req.setTimeout(90);
    const res = await rpc(client, client.create, req);
    expect(res.getId()).toBe("default/shop");
    const props = js(res.getProperties());
    expect(props["canonicalHostname"]).toBe("a-b-c1234.datum.local");
    expect(isSecret(props["rendered"])).toBe(true);
    expect(plainStrings(props).some((s) => s.includes("s3cr3t"))).toBe(false);
    const ctx = recorder.calls.find((c) => c.op === "create")?.args[1] as { preview: boolean; timeoutMs: number; signal: AbortSignal };
    expect(ctx.preview).toBe(false);
    expect(ctx.timeoutMs).toBe(90_000);
  });

  it("progress reaches the engine's log, ephemeral and with the secret redacted", async () => {
    const token = "Bearer s3cr3t-t0ken";
    const { client, plugin, logs } = await session({
      create: async (inputs, ctx) => {
        ctx.onProgress?.(`Gateway default/shop: Programmed=False (header ${token})`);
        ctx.onWarning?.("cluster slow");
        return { id: "default/shop", outputs: { ...inputs, ...outputs } };
      },
    });
    const req = new providerPb.CreateRequest();
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setProperties(struct(proxyWithSecretHeader(token)));
    await rpc(client, client.create, req);
    await plugin.service.flush();
    expect(logs.lines).toEqual([
      { severity: 1, message: "Gateway default/shop: Programmed=False (header [secret])", urn: URN, ephemeral: true },
      { severity: 2, message: "cluster slow", urn: URN, ephemeral: false },
    ]);
  });

  it("Create at preview runs the lifecycle as a preview, returns no id and marks missing outputs unknown", async () => {
    const { client, recorder } = await session({ create: async (inputs) => ({ id: "default/shop", outputs: { ...inputs, downstream: [] } }) });
    const req = new providerPb.CreateRequest();
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setProperties(struct(validProxy()));
    req.setPreview(true);
    const res = await rpc(client, client.create, req);
    expect(res.getId()).toBe("");
    const props = js(res.getProperties());
    expect(props["downstream"]).toEqual([]);
    expect(props["canonicalHostname"]).toBe(UNKNOWN);
    expect(props["readiness"]).toBe(UNKNOWN);
    expect((recorder.calls[0]?.args[1] as { preview: boolean }).preview).toBe(true);
  });

  it("a partial failure becomes ErrorResourceInitFailed with id, state and reasons", async () => {
    const token = "Bearer s3cr3t-t0ken";
    const { client } = await session({
      create: async (inputs) => {
        throw new PartialFailureError(`HTTPProxy default/shop is not ready (${token})`, "default/shop", { ...inputs, ...outputs, ready: false, readiness: "Programmed=False" }, [
          "Gateway default/shop: Programmed=False (AddressNotAssigned)",
          `header ${token}`,
        ]);
      },
    });
    const req = new providerPb.CreateRequest();
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setProperties(struct(proxyWithSecretHeader(token)));
    const err = await rpcError(client, client.create, req);
    expect(err.details).toBe("HTTPProxy default/shop is not ready ([secret])");
    const raw = err.metadata.get("grpc-status-details-bin")[0];
    expect(raw).toBeInstanceOf(Buffer);
    const statusPb = require("@pulumi/pulumi/proto/status_pb") as { Status: { deserializeBinary(b: Uint8Array): { getDetailsList(): { getTypeName(): string; getValue_asU8(): Uint8Array }[] } } };
    const detail = statusPb.Status.deserializeBinary(raw as Buffer).getDetailsList()[0];
    expect(detail?.getTypeName()).toBe("pulumirpc.ErrorResourceInitFailed");
    const failed = providerPb.ErrorResourceInitFailed.deserializeBinary(detail!.getValue_asU8());
    expect(failed.getId()).toBe("default/shop");
    expect(failed.getReasonsList()).toEqual(["Gateway default/shop: Programmed=False (AddressNotAssigned)", "header [secret]"]);
    const props = js(failed.getProperties());
    expect(props["readiness"]).toBe("Programmed=False");
    expect(plainStrings(props).some((s) => s.includes("s3cr3t"))).toBe(false);
    expect(js(failed.getInputs())["spec"]).toBeDefined();
  });

  it("Update passes olds, news and the preview flag; Read returns inputs for refresh and import; Delete gets the state", async () => {
    const { client, recorder } = await session({
      update: async (_id, _olds, news) => ({ outputs: { ...news, ...outputs } }),
      read: async (id, state) => (id === "default/gone" ? undefined : { id, outputs: { ...(state ?? validProxy()), ...outputs }, inputs: validProxy() }),
      delete: async () => undefined,
    });
    const up = new providerPb.UpdateRequest();
    up.setId("default/shop");
    up.setUrn(URN);
    up.setType(HTTPPROXY);
    up.setOlds(struct({ ...validProxy(), ...outputs }));
    up.setNews(struct(validProxy("https://other.example.com")));
    up.setPreview(true);
    const upRes = await rpc(client, client.update, up);
    expect((js(upRes.getProperties())["spec"] as Props)["rules"]).toEqual([{ name: "web", backends: [{ endpoint: "https://other.example.com" }] }]);
    expect((recorder.calls.find((c) => c.op === "update")?.args[3] as { preview: boolean }).preview).toBe(true);

    // Import: no state, no inputs — only the id the user gave.
    const imp = new providerPb.ReadRequest();
    imp.setId("default/shop");
    imp.setUrn(URN);
    imp.setType(HTTPPROXY);
    const readRes = await rpc(client, client.read, imp);
    expect(readRes.getId()).toBe("default/shop");
    expect(js(readRes.getInputs())).toEqual(validProxy());
    const readCall = recorder.calls.find((c) => c.op === "read");
    expect(readCall?.args[1]).toBeUndefined();
    expect(readCall?.args[2]).toBeUndefined();

    const gone = new providerPb.ReadRequest();
    gone.setId("default/gone");
    gone.setUrn(URN);
    gone.setType(HTTPPROXY);
    gone.setProperties(struct(validProxy()));
    expect((await rpc(client, client.read, gone)).getId()).toBe("");

    const del = new providerPb.DeleteRequest();
    del.setId("default/shop");
    del.setUrn(URN);
    del.setType(HTTPPROXY);
    del.setProperties(struct({ ...validProxy(), ...outputs }));
    await rpc(client, client.delete, del);
    const delCall = recorder.calls.find((c) => c.op === "delete");
    expect(delCall?.args[0]).toBe("default/shop");
    expect(delCall?.args[1]).toMatchObject({ downstream: outputs.downstream });
  });

  it("with a cluster that is not known yet, preview shows inputs and unknown outputs and never calls the engine", async () => {
    const { client, recorder } = await session({}, { kubeconfig: UNKNOWN });
    const req = new providerPb.CreateRequest();
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setProperties(struct(validProxy()));
    req.setPreview(true);
    const res = await rpc(client, client.create, req);
    expect(js(res.getProperties())).toMatchObject({ ...validProxy(), downstream: UNKNOWN, readiness: UNKNOWN });
    expect(recorder.calls).toEqual([]);
    req.setPreview(false);
    expect((await rpcError(client, client.create, req)).code).toBe(grpc.status.FAILED_PRECONDITION);
  });
});

describe("Cancel", () => {
  it("aborts in-flight waits and cancels what starts afterwards", async () => {
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const { client } = await session({
      create: (_inputs, ctx) =>
        new Promise((_resolve, reject) => {
          started();
          ctx.signal?.addEventListener("abort", () => reject(new Error("wait for Gateway default/shop aborted")));
        }),
    });
    const req = new providerPb.CreateRequest();
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setProperties(struct(validProxy()));
    const pending = rpcError(client, client.create, req);
    await running;
    const t0 = performance.now();
    await rpc(client, client.cancel, new Empty());
    const err = await pending;
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(err.code).toBe(grpc.status.CANCELLED);
    expect(err.details).toContain("aborted");
  });
});

describe("ACME mode secrets", () => {
  const API_KEY = "pdns-api-key-7f3a9c";
  const acmeConfig = {
    mode: "acme",
    directoryUrl: "https://127.0.0.1:14000/dir",
    email: "ops@example.com",
    challenge: "dns-01",
    dns01: { powerdns: { apiUrl: "http://127.0.0.1:8081", apiKey: API_KEY } },
  };
  const KEY = "-----BEGIN PRIVATE KEY-----\nMIGH-listener-key\n-----END PRIVATE KEY-----\n";
  const ACCOUNT_KEY = "-----BEGIN PRIVATE KEY-----\nMIGH-account-key\n-----END PRIVATE KEY-----\n";
  const CERT = "-----BEGIN CERTIFICATE-----\nMIIB-cert\n-----END CERTIFICATE-----\n";
  const certificate = (listener: string, privateKeyPem: string) => ({
    listener,
    hostname: "shop.example.com",
    secretName: `shop-${listener}-acme`,
    directoryUrl: acmeConfig.directoryUrl,
    issuer: "CN=Pebble Intermediate CA",
    notBefore: "2026-11-27T00:00:00.000Z",
    notAfter: "2027-02-25T00:00:00.000Z",
    certificatePem: CERT,
    privateKeyPem,
  });

  it("CheckConfig stores a certificates setting holding an API key as a secret; its other words stay readable in messages", async () => {
    const { client } = await session({}, false);
    const res = await rpc(client, client.checkConfig, checkRequest("pulumi:providers:datum", { certificates: JSON.stringify(acmeConfig) }));
    expect(failuresOf(res)).toEqual([]);
    expect(isSecret(js(res.getInputs())["certificates"])).toBe(true);
    const bad = await rpc(client, client.checkConfig, checkRequest("pulumi:providers:datum", { certificates: JSON.stringify({ ...acmeConfig, directoryUrl: undefined }) }));
    expect(failuresOf(bad)).toEqual([
      { property: "certificates", reason: 'datum:certificates.directoryUrl: required with mode: "acme" (the CA\'s ACME directory URL, e.g. https://acme-v02.api.letsencrypt.org/directory)' },
    ]);
  });

  it("private and account keys in state are secret wherever they appear; the certificate and names stay plain", async () => {
    const { client } = await session(
      {
        create: async (inputs) => ({
          id: "default/shop",
          outputs: {
            ...inputs,
            ready: true,
            readiness: "ready",
            drift: [],
            downstream: [],
            certificates: [certificate("default-https", KEY), certificate("https-hostname-0", `${KEY}2`)],
            acmeAccount: { directoryUrl: acmeConfig.directoryUrl, url: "https://127.0.0.1:14000/my-account/1", keyPem: ACCOUNT_KEY },
            // A progress or readiness text that quotes the DNS API key is secret too.
            note: `PowerDNS ${API_KEY} answered`,
          },
        }),
      },
      { certificates: JSON.stringify(acmeConfig) },
    );
    const req = new providerPb.CreateRequest();
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setProperties(struct(validProxy()));
    const props = js((await rpc(client, client.create, req)).getProperties());
    const certs = props["certificates"] as Props[];
    expect(certs.map((c) => isSecret(c["privateKeyPem"]))).toEqual([true, true]);
    expect(certs.map((c) => c["certificatePem"])).toEqual([CERT, CERT]);
    expect(certs.map((c) => c["secretName"])).toEqual(["shop-default-https-acme", "shop-https-hostname-0-acme"]);
    const account = props["acmeAccount"] as Props;
    expect(isSecret(account["keyPem"])).toBe(true);
    expect(account["url"]).toBe("https://127.0.0.1:14000/my-account/1");
    expect(isSecret(props["note"])).toBe(true);
    expect(plainStrings(props).filter((s) => s.includes("PRIVATE KEY") || s.includes(API_KEY))).toEqual([]);
  });

  it("Diff reports 'renewal due' notes in the engine's log", async () => {
    const { client, plugin, logs } = await session({
      diff: async () => ({
        changes: true,
        replaces: [],
        deleteBeforeReplace: false,
        detailedDiff: { certificates: { kind: "UPDATE", inputDiff: false } },
        downstream: { create: [], update: [], delete: [] },
        notes: ["listener default-https: renewal due: certificate for a-b-c1234.datum.local expires in 12 days (< 30)"],
      }),
    });
    const req = new providerPb.DiffRequest();
    req.setId("default/shop");
    req.setUrn(URN);
    req.setType(HTTPPROXY);
    req.setOlds(struct(validProxy()));
    req.setNews(struct(validProxy()));
    const res = await rpc(client, client.diff, req);
    expect(res.getChanges()).toBe(providerPb.DiffResponse.DiffChanges.DIFF_SOME);
    expect(res.getDiffsList()).toEqual(["certificates"]);
    await plugin.service.flush();
    expect(logs.lines).toEqual([{ severity: 1, message: "listener default-https: renewal due: certificate for a-b-c1234.datum.local expires in 12 days (< 30)", urn: URN, ephemeral: false }]);
  });
});
