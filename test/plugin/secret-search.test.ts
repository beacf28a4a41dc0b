// Secrets are searched for everywhere the provider speaks: credential-bearing kubeconfigs (client
// keys, tokens, passwords, exec arguments and environment, auth-provider secrets; inline, as a file,
// malformed, with a failing exec plugin), credential headers that the program did NOT mark
// secret and a header value it did mark secret go through CheckConfig, Configure, Check, Diff, Create (preview and up), Read (refresh and
// import), Update and Delete of the plugin's gRPC service on a real kube-apiserver. Every message,
// warning, error, non-secret output and every object on the cluster is then searched for each
// secret string; none may be found (the HTTPRoute's header filters excepted: Envoy needs them).
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as providerPb from "@pulumi/pulumi/proto/provider_pb";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKubeClient, type KubeClient } from "../../provider/kube/index";
import { DOWNSTREAM_KINDS } from "../../provider/lifecycle/downstream";
import { loadEngineModule } from "../../provider/plugin/engine-module";
import { startPlugin, type RunningPlugin } from "../../provider/plugin/server";
import { getControlPlane, type ControlPlane } from "../infra/controlplane";
import { checkRequest, configureRequest, createRequest, js, plainStrings, ROOT, rpc, rpcError, secret, startEngineLog, struct, type Props } from "./harness";

const TYPE = "datum:networking:HTTPProxy";
const schemaText = readFileSync(join(ROOT, "schema.json"), "utf8");

// Credentials of kubeconfig users the context does not use: they must not surface anyway.
const K_TOKEN = "kctok-5d1f8a2b9c7e4063";
const K_PASSWORD = "kcpw-8e2a61c4f07b";
const K_ARG = "--kcarg=3b9f2e7a1c5d";
const K_ENV = "kcenv-a4c8e1f9b2d6";
const K_CLIENT_SECRET = "kccs-71e3b5d9a2f8";
// Credential headers written in plain text by the program (not marked secret).
const H_AUTH = "Bearer hdr-2c7e9a4f1b8d6053";
const H_KEY = "apikey-9d3b7f1e5a2c";
const H_EDITED = "Bearer edited-4f8a2d6c1e9b";
// A header value that is secret only because the program said so.
const P_SIGNATURE = "progsig-6b1d9f3a7e2c";

let cp: ControlPlane;
let admin: KubeClient;
let ns: string;
let dir: string;
let clientKey: string;
/** Everything the provider said: log lines, check failures, errors, non-secret outputs. */
const said: string[] = [];

/** The harness kubeconfig plus users and settings that carry every kind of credential. */
function loadedKubeconfig(base: string): string {
  return base.replace(
    "users:\n",
    [
      "users:",
      `- {name: tok, user: {token: ${K_TOKEN}}}`,
      `- {name: basic, user: {username: admin, password: ${K_PASSWORD}}}`,
      `- name: ex`,
      `  user:`,
      `    exec: {apiVersion: client.authentication.k8s.io/v1, command: aws, args: [eks, get-token, "${K_ARG}"], env: [{name: AWS_SECRET, value: ${K_ENV}}]}`,
      `- {name: oidc, user: {auth-provider: {name: oidc, config: {client-id: app, client-secret: ${K_CLIENT_SECRET}, idp-issuer-url: "https://idp.example.com"}}}}`,
      "",
    ].join("\n"),
  );
}

interface Session {
  client: ResourceProviderClient;
  logs: Awaited<ReturnType<typeof startEngineLog>>;
  stop(): Promise<void>;
}

async function session(config: Props): Promise<Session> {
  const logs = await startEngineLog();
  const plugin: RunningPlugin = await startPlugin({ version: "9.9.9", schema: () => schemaText, loadEngine: loadEngineModule, engineAddress: logs.address });
  const client = new ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
  const checked = await rpc(client, client.checkConfig, checkRequest("pulumi:providers:datum", config));
  said.push(...checked.getFailuresList().map((f) => f.getReason()), ...plainStrings(js(checked.getInputs())));
  const conf = configureRequest(js(checked.getInputs()));
  conf.setUrn("urn:pulumi:test::proj::pulumi:providers:datum::p");
  await rpc(client, client.configure, conf);
  return {
    client,
    logs,
    stop: async () => {
      await plugin.service.flush();
      said.push(...logs.lines.map((l) => l.message));
      client.close();
      await plugin.stop();
      await logs.stop();
    },
  };
}

const urn = (name: string) => `urn:pulumi:test::proj::${TYPE}::${name}`;

function proxy(name: string, auth = H_AUTH): Props {
  return {
    metadata: { name, namespace: ns },
    spec: {
      rules: [
        {
          name: "api",
          filters: [{ type: "RequestHeaderModifier", requestHeaderModifier: { set: [{ name: "Authorization", value: auth }, { name: "X-Api-Key", value: H_KEY }, { name: "X-Env", value: "prod" }, { name: "X-Signature", value: secret(P_SIGNATURE) }] } }],
          backends: [{ endpoint: "https://api.example.com" }],
        },
      ],
    },
  };
}

async function check(c: ResourceProviderClient, news: Props, olds?: Props): Promise<{ inputs: Props; failures: string[] }> {
  const res = await rpc(c, c.check, checkRequest(TYPE, news, olds, String((news["metadata"] as Props)["name"])));
  const failures = res.getFailuresList().map((f) => f.getReason());
  const inputs = js(res.getInputs());
  said.push(...failures, ...plainStrings(inputs));
  return { inputs, failures };
}

function createReq(name: string, inputs: Props, preview: boolean): providerPb.CreateRequest {
  return createRequest(TYPE, name, inputs, preview, 60);
}

function readReq(id: string, name: string, state?: Props, inputs?: Props): providerPb.ReadRequest {
  const r = new providerPb.ReadRequest();
  r.setId(id);
  r.setUrn(urn(name));
  r.setType(TYPE);
  if (state) r.setProperties(struct(state));
  if (inputs) r.setInputs(struct(inputs));
  return r;
}

/** Runs an RPC that may fail; its error text is something the provider said. */
async function attempt<Req, Res>(c: ResourceProviderClient, method: (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => unknown, req: Req): Promise<Res | undefined> {
  try {
    return await rpc(c, method, req);
  } catch (e) {
    said.push(e instanceof Error ? e.message : String(e));
    return undefined;
  }
}

/** Check, preview and create of proxy `name` with a provider configured with `kubeconfig` (both may fail). */
async function previewAndCreate(kubeconfig: string, name: string): Promise<void> {
  const s = await session({ kubeconfig, namespace: ns });
  try {
    const { inputs } = await check(s.client, proxy(name));
    await attempt(s.client, s.client.create, createReq(name, inputs, true));
    await attempt(s.client, s.client.create, createReq(name, inputs, false));
  } finally {
    await s.stop();
  }
}

/** Every object of a rendered kind, ConfigMaps and Secrets in the namespace, as JSON (HTTPRoute filters cut out). */
async function clusterText(): Promise<string> {
  const parts: string[] = [];
  for (const k of [...DOWNSTREAM_KINDS, { apiVersion: "v1", kind: "ConfigMap" }, { apiVersion: "v1", kind: "Secret" }]) {
    const items = (await admin.list({ apiVersion: k.apiVersion, kind: k.kind, namespace: ns }).catch(() => ({ items: [] }))).items;
    for (const o of items) {
      if (o.kind === "HTTPRoute") {
        const spec = (o as unknown as { spec: { rules: { filters?: unknown }[] } }).spec;
        parts.push(JSON.stringify({ ...o, spec: { ...spec, rules: spec.rules.map((r) => ({ ...r, filters: "(cut)" })) } }));
      } else parts.push(JSON.stringify(o));
    }
  }
  return parts.join("\n");
}

beforeAll(async () => {
  cp = await getControlPlane();
  admin = createKubeClient({ kubeconfig: cp.kubeconfig });
  ns = await cp.newNamespace("secrets");
  dir = mkdtempSync(join(tmpdir(), "datum-secret-search-"));
  clientKey = /client-key-data: (\S+)/.exec(cp.kubeconfig)?.[1] ?? "";
  expect(clientKey.length).toBeGreaterThan(100);
});

afterAll(async () => {
  await admin?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("credentials never leave the provider", () => {
  it("a working kubeconfig with every kind of credential, and credential headers, through the whole lifecycle", async () => {
    const s = await session({ kubeconfig: secret(loadedKubeconfig(cp.kubeconfig)), namespace: ns, skipAwait: "true" });
    const c = s.client;
    try {
      const { inputs, failures } = await check(c, proxy("shop"));
      expect(failures).toEqual([]);
      // A rejected credential (too long): its failure must not quote it.
      const bad = await check(c, proxy("bad", `${H_AUTH}${"x".repeat(5000)}`));
      expect(bad.failures.length).toBeGreaterThan(0);

      await attempt(c, c.create, createReq("shop", inputs, true));
      const created = await rpc(c, c.create, createReq("shop", inputs, false));
      const id = created.getId();
      const state = js(created.getProperties());
      said.push(...plainStrings(state));
      expect(id).toBe(`${ns}/shop`);

      // The HTTPRoute carries the value Envoy needs; the Gateway's source annotation does not.
      const route = await admin.get({ apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", namespace: ns, name: "shop" });
      expect(JSON.stringify(route)).toContain(H_AUTH);

      const changed = await check(c, proxy("shop", H_EDITED), inputs);
      const diff = new providerPb.DiffRequest();
      diff.setId(id);
      diff.setUrn(urn("shop"));
      diff.setType(TYPE);
      diff.setOlds(struct(state));
      diff.setNews(struct(changed.inputs));
      await attempt(c, c.diff, diff);

      const refreshed = await rpc(c, c.read, readReq(id, "shop", state, inputs));
      said.push(...plainStrings(js(refreshed.getProperties())), ...plainStrings(js(refreshed.getInputs())));
      expect(js(refreshed.getProperties())["drift"]).toEqual([]);

      // A hand edit of the credential: drift says where, never what.
      const r = route as unknown as { spec: { rules: { filters: { requestHeaderModifier?: { set: { name: string; value: string }[] } }[] }[] } };
      r.spec.rules[0]!.filters[0]!.requestHeaderModifier!.set[0]!.value = H_EDITED;
      const kubectl = createKubeClient({ kubeconfig: cp.kubeconfig }, { fieldManager: "kubectl-edit" });
      await kubectl.apply({ apiVersion: route!.apiVersion, kind: "HTTPRoute", metadata: { name: "shop", namespace: ns }, spec: r.spec } as never, { force: true });
      await kubectl.close();
      const drifted = js((await rpc(c, c.read, readReq(id, "shop", state, inputs))).getProperties());
      said.push(...plainStrings(drifted));
      expect(drifted["drift"]).toEqual([expect.stringMatching(/requestHeaderModifier\.set\[0\]\.value: differs \(the value of credential header Authorization is not shown\)/)]);

      const imported = await rpc(c, c.read, readReq(id, "imported"));
      said.push(...plainStrings(js(imported.getProperties())), ...plainStrings(js(imported.getInputs())));

      const up = new providerPb.UpdateRequest();
      up.setId(id);
      up.setUrn(urn("shop"));
      up.setType(TYPE);
      up.setOlds(struct(state));
      up.setNews(struct(changed.inputs));
      up.setTimeout(60);
      said.push(...plainStrings(js((await rpc(c, c.update, up)).getProperties())));

      said.push(await clusterText());
      const del = new providerPb.DeleteRequest();
      del.setId(id);
      del.setUrn(urn("shop"));
      del.setType(TYPE);
      del.setProperties(struct(state));
      await rpc(c, c.delete, del);
    } finally {
      await s.stop();
    }
    expect(said.join("\n")).toContain("supply them in your program: spec.rules[0].filters[0].requestHeaderModifier.set[0].value (header Authorization)");
  });

  it("a kubeconfig file (given by path, not secret) that is malformed around a token", async () => {
    const path = join(dir, "malformed.yaml");
    writeFileSync(path, ["apiVersion: v1", "users:", "- name: u", "  user:", `    token: ${K_TOKEN}`, `    password: ${K_PASSWORD}`, "   bad: [", ""].join("\n"));
    await previewAndCreate(path, "broken");
    // The setting (here the path) is a secret setting, so the plugin redacts it too; line and column remain.
    expect(said.join("\n")).toContain("cannot load kubeconfig file [secret]: line 7, column 4: bad indentation of a mapping entry (the text is not shown: it may hold credentials)");
  });

  it("a kubeconfig whose exec plugin fails, echoing its arguments, environment and a token", async () => {
    const plugin = join(dir, "cred-plugin.sh");
    writeFileSync(plugin, `#!/bin/sh\necho "denied: $* $AWS_SECRET ${K_TOKEN}" >&2\nexit 1\n`);
    chmodSync(plugin, 0o755);
    const kubeconfig = JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "c", cluster: { server: cp.server, "insecure-skip-tls-verify": true } }],
      users: [{ name: "u", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command: plugin, args: [K_ARG], env: [{ name: "AWS_SECRET", value: K_ENV }] } } }],
      contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
      "current-context": "x",
    });
    const path = join(dir, "exec.json");
    writeFileSync(path, kubeconfig);
    await previewAndCreate(path, "exec");
    const text = said.join("\n");
    expect(text).toContain("cannot obtain cluster credentials: the exec credential plugin cred-plugin.sh failed; its output is not shown: it may hold credentials");
    expect(text).toContain(`the kubeconfig's cluster "c" sets insecure-skip-tls-verify`);
  });

  it("an invalid provider configuration next to a kubeconfig: the failure never quotes it", async () => {
    const logs = await startEngineLog();
    const plugin = await startPlugin({ version: "9.9.9", schema: () => schemaText, loadEngine: loadEngineModule, engineAddress: logs.address });
    const c = new ResourceProviderClient(`127.0.0.1:${plugin.port}`, grpc.credentials.createInsecure());
    try {
      const config = { kubeconfig: loadedKubeconfig(cp.kubeconfig), namespace: ns, timeoutSeconds: "soon" };
      const checked = await rpc(c, c.checkConfig, checkRequest("pulumi:providers:datum", config));
      said.push(...checked.getFailuresList().map((f) => f.getReason()), ...plainStrings(js(checked.getInputs())));
      expect(checked.getFailuresList().length).toBeGreaterThan(0);
      said.push((await rpcError(c, c.configure, configureRequest(config))).details);
    } finally {
      c.close();
      await plugin.stop();
      said.push(...logs.lines.map((l) => l.message));
      await logs.stop();
    }
  });

  it("none of the secrets appears in anything the provider said or wrote to the cluster", async () => {
    const text = said.join("\n") + "\n" + (await clusterText());
    expect(text.length).toBeGreaterThan(1000);
    for (const secretText of [clientKey, K_TOKEN, K_PASSWORD, K_ARG, K_ENV, K_CLIENT_SECRET, H_AUTH, H_KEY, H_EDITED, "hdr-2c7e9a4f1b8d6053", "edited-4f8a2d6c1e9b", P_SIGNATURE]) {
      expect(text.includes(secretText), `${secretText.slice(0, 12)}… was found`).toBe(false);
    }
  });
});
