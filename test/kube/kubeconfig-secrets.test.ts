// Kubeconfig errors never quote a credential: a malformed file is reported by path, line, column
// and kind of problem; an exec credential plugin that fails is named without its arguments,
// environment or output. Real files, a real exec plugin (a shell script), real client requests.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createKubeClient, loadKubeConfig } from "../../provider/kube/index.ts";
import { insecureClusters, kubeconfigCredentials, parseKubeconfig } from "../../provider/kube/kubeconfig-document.ts";

const TOKEN = "tok-7f3a9c1e5b2d4068ae91";
const dir = mkdtempSync(join(tmpdir(), "datum-kubeconfig-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  throw new Error("no error");
}

/** A kubeconfig whose user runs `command args…` with `env` for its credentials. */
function execKubeconfig(command: string, args: string[], env: { name: string; value: string }[]): string {
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "c", cluster: { server: "https://127.0.0.1:1" } }],
    users: [{ name: "u", user: { exec: { apiVersion: "client.authentication.k8s.io/v1", command, args, env } } }],
    contexts: [{ name: "x", context: { cluster: "c", user: "u" } }],
    "current-context": "x",
  });
}

describe("a malformed kubeconfig", () => {
  const malformed = ["apiVersion: v1", "users:", "- name: u", "  user:", `    token: ${TOKEN}`, "   bad: [", ""].join("\n");

  it("in a file: the message names the file, line and column, never the text", () => {
    const path = file("bad.yaml", malformed);
    const msg = errorOf(() => loadKubeConfig({ kubeconfigPath: path }));
    expect(msg).toBe(`cannot load kubeconfig file ${path}: line 6, column 4: bad indentation of a mapping entry (the text is not shown: it may hold credentials)`);
    expect(msg).not.toContain(TOKEN);
  });

  it("inline, or with a reason that would quote it (an alias, a tag), or as a bare token", () => {
    for (const text of [malformed, `users:\n- user: {token: *${TOKEN}}\n`, `users: !<tag:${TOKEN}> x\n`, `{"users": [{"user": {"token": "${TOKEN}"}}]`]) {
      const msg = errorOf(() => loadKubeConfig({ kubeconfig: text }));
      expect(msg).toMatch(/^cannot load inline kubeconfig: line \d+, column \d+: [a-z ]+ \(the text is not shown/);
      expect(msg).not.toContain(TOKEN);
    }
    const bare = file("bare", TOKEN);
    expect(errorOf(() => loadKubeConfig({ kubeconfigPath: bare }))).toBe(`cannot load kubeconfig file ${bare}: is not a kubeconfig (a YAML or JSON document with clusters, users and contexts)`);
  });

  it("through $KUBECONFIG (the default chain): the same, by position", () => {
    const path = file("env.yaml", malformed);
    const before = process.env["KUBECONFIG"];
    process.env["KUBECONFIG"] = path;
    try {
      const msg = errorOf(() => loadKubeConfig({}));
      expect(msg).toMatch(/line 6, column 4: bad indentation/);
      expect(msg).not.toContain(TOKEN);
    } finally {
      if (before === undefined) delete process.env["KUBECONFIG"];
      else process.env["KUBECONFIG"] = before;
    }
  });
});

describe("an exec credential plugin", () => {
  const ARG = "--secret-arg=arg-2b8e6d0c4a1f";
  const ENV = "env-91c3e7a5f2b8";

  async function failure(script: string): Promise<string> {
    const cmd = file(`plugin-${Math.random().toString(36).slice(2)}.sh`, `#!/bin/sh\n${script}\n`);
    chmodSync(cmd, 0o755);
    const client = createKubeClient({ kubeconfig: execKubeconfig(cmd, [ARG], [{ name: "PLUGIN_SECRET", value: ENV }]) });
    try {
      await client.resolve("v1", "Namespace");
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      await client.close();
    }
    throw new Error("no error");
  }

  it("that fails with its arguments, environment and a token on stderr is named, nothing more", async () => {
    const msg = await failure(`echo "failed: $1 $PLUGIN_SECRET ${TOKEN}" >&2; exit 1`);
    expect(msg).toMatch(/cannot obtain cluster credentials: the exec credential plugin plugin-[a-z0-9]+\.sh failed; its output is not shown: it may hold credentials/);
    for (const s of [ARG, ENV, TOKEN]) expect(msg).not.toContain(s);
  });

  it("that prints a token that is not ExecCredential JSON: not quoted by the JSON error", async () => {
    const msg = await failure(`echo "${TOKEN} $PLUGIN_SECRET"; exit 0`);
    expect(msg).toMatch(/the exec credential plugin plugin-[a-z0-9]+\.sh failed/);
    for (const s of [ENV, TOKEN]) expect(msg).not.toContain(s);
  });

  it("that does not exist: the error code says so", async () => {
    const client = createKubeClient({ kubeconfig: execKubeconfig(join(dir, "missing-plugin"), [ARG], []) });
    const msg = await client.resolve("v1", "Namespace").then(
      () => "",
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    await client.close();
    expect(msg).toMatch(/the exec credential plugin missing-plugin failed \(ENOENT\)/);
    expect(msg).not.toContain(ARG);
  });
});

describe("what a kubeconfig holds", () => {
  it("credentials: tokens, passwords, keys, exec arguments (but words too short to search for) and environment, auth-provider settings, proxy passwords", () => {
    const doc = {
      clusters: [{ name: "c", cluster: { server: "https://k", "proxy-url": "http://me:proxy-pass-1@proxy:3128" } }],
      users: [
        { name: "a", user: { token: "tok-aaaa", "client-key-data": "S0VZLURBVEE=" } },
        { name: "b", user: { username: "admin", password: "pw-bbbb" } },
        { name: "c", user: { exec: { command: "aws", args: ["eks", "get-token", "--role", "role-cccc"], env: [{ name: "AWS_SECRET", value: "env-cccc" }] } } },
        { name: "d", user: { "auth-provider": { name: "oidc", config: { "client-secret": "cs-dddd", "id-token": "id-dddd", "refresh-token": "rt-dddd" } } } },
      ],
    };
    expect(kubeconfigCredentials(doc).sort()).toEqual(
      ["tok-aaaa", "S0VZLURBVEE=", "pw-bbbb", "get-token", "--role", "role-cccc", "env-cccc", "cs-dddd", "id-dddd", "rt-dddd", "proxy-pass-1"].sort(),
    );
    expect(kubeconfigCredentials(doc)).not.toContain("admin");
  });

  it("an alias bomb in an exec plugin's arguments is walked once per node, not expanded", () => {
    const levels = "abcdefghi".split("");
    let bomb = `l0: &l0 ["arg-0001", "arg-0002", "arg-0003", "arg-0004", "arg-0005", "arg-0006", "arg-0007", "arg-0008", "arg-0009"]\n`;
    for (let i = 1; i < levels.length; i++) bomb += `l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(", ")}]\n`;
    const parsed = parseKubeconfig(`${bomb}users:\n- {name: u, user: {exec: {command: x, args: *l8}}}\n`);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(kubeconfigCredentials(parsed.doc).sort()).toEqual(["arg-0001", "arg-0002", "arg-0003", "arg-0004", "arg-0005", "arg-0006", "arg-0007", "arg-0008", "arg-0009"]);
  });

  it("insecure-skip-tls-verify on the cluster of the selected context", () => {
    const parsed = parseKubeconfig(
      [
        "clusters:",
        "- {name: lax, cluster: {server: 'https://a', insecure-skip-tls-verify: true}}",
        "- {name: strict, cluster: {server: 'https://b'}}",
        "contexts:",
        "- {name: one, context: {cluster: lax}}",
        "- {name: two, context: {cluster: strict}}",
        "current-context: one",
      ].join("\n"),
    );
    if (!parsed.ok) throw new Error(parsed.message);
    expect(insecureClusters([parsed.doc])).toEqual(["lax"]);
    expect(insecureClusters([parsed.doc], "two")).toEqual([]);
  });
});
