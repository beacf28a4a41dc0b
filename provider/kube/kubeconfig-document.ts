/**
 * What may be said about a kubeconfig, and what must not. A kubeconfig is a credential as a whole:
 * errors about it name the file, a line and column and the kind of problem, never its text (a YAML
 * parser's message quotes the offending lines, token included). The credentials inside it (tokens,
 * passwords, client keys, exec arguments and environment, auth-provider settings) are listed so
 * that every message can be redacted by value, and the failure of an exec plugin is described
 * without its output (stderr often echoes its arguments or a token).
 *
 * Pure but for reading files; js-yaml is loaded on first use (the plugin's start-up needs none).
 */
import { readFileSync, existsSync } from "node:fs";
import { homedir } from "node:os";
import { basename, delimiter, join } from "node:path";
import { isObj, type Obj } from "../core/json";

function yaml(): { load(s: string): unknown } {
  return require("js-yaml") as { load(s: string): unknown };
}

/** Multi-line text or text starting with `{`/`apiVersion` is contents (as pulumi-kubernetes decides). */
export function looksLikeKubeconfigContents(s: string): boolean {
  const t = s.trimStart();
  return s.includes("\n") || t.startsWith("{") || t.startsWith("apiVersion") || t.startsWith("clusters:") || t.startsWith("kind:");
}

/** The leading words of a parser's reason: `unidentified alias "tok"` → `unidentified alias`. */
function safeReason(reason: unknown): string {
  const words = typeof reason === "string" ? (/^[A-Za-z][A-Za-z ,()-]*/.exec(reason)?.[0] ?? "") : "";
  return words.trim().replace(/[ ,(-]+$/, "") || "invalid YAML";
}

interface Mark {
  line: number;
  column: number;
}

function markOf(e: unknown): Mark | undefined {
  const m = isObj(e) ? e["mark"] : undefined;
  return isObj(m) && typeof m["line"] === "number" && typeof m["column"] === "number" ? { line: m["line"], column: m["column"] } : undefined;
}

/** Messages of @kubernetes/client-node's own checks that name structure only (`users[0].name is missing`). */
const STRUCTURAL = /^((clusters|users|contexts)\[\d+\](\.[a-z-]+)* is missing|Duplicate (cluster|user|context): [\w.@:/-]{1,253}|No active cluster!)$/;

/**
 * Describes why a kubeconfig could not be read or parsed without quoting it: a system error's
 * code (`ENOENT`), a YAML error's position and kind, a structural message of the loader.
 */
export function describeKubeconfigError(e: unknown): string {
  const mark = markOf(e);
  if (mark) return `line ${mark.line + 1}, column ${mark.column + 1}: ${safeReason(isObj(e) ? e["reason"] : undefined)} (the text is not shown: it may hold credentials)`;
  const code = isObj(e) && typeof e["code"] === "string" && /^E[A-Z]+$/.test(e["code"]) ? e["code"] : undefined;
  if (code) return `cannot be read (${code})`;
  const message = e instanceof Error ? e.message : "";
  if (STRUCTURAL.test(message)) return message;
  return "is not a kubeconfig (a YAML or JSON document with clusters, users and contexts)";
}

export type ParsedKubeconfig = { ok: true; doc: unknown } | { ok: false; message: string };

/** Parses kubeconfig text; a failure says where and what, never the text. */
export function parseKubeconfig(text: string): ParsedKubeconfig {
  try {
    return { ok: true, doc: yaml().load(text) };
  } catch (e) {
    return { ok: false, message: describeKubeconfigError(e) };
  }
}

/** The strings in `v`; a node shared through YAML aliases is walked once (an alias bomb stays linear). */
function strings(v: unknown, out: string[], seen = new Set<object>()): void {
  if (typeof v === "string") out.push(v);
  else if (v !== null && typeof v === "object" && !seen.has(v)) {
    seen.add(v);
    for (const e of Array.isArray(v) ? v : Object.values(v)) strings(e, out, seen);
  }
}

/** Credentials shorter than this are not searched for in messages (they would match ordinary words). */
const MIN_CREDENTIAL = 4;

/** Fields of `users[].user` that are credentials. */
const USER_SECRETS = ["token", "password", "client-key-data", "client-key", "id-token", "refresh-token", "access-token"];

/**
 * Every credential string of a parsed kubeconfig: user tokens, passwords and keys, every exec
 * argument and environment value, every auth-provider setting, proxy passwords.
 */
export function kubeconfigCredentials(doc: unknown): string[] {
  const out: string[] = [];
  const users = isObj(doc) && Array.isArray(doc["users"]) ? doc["users"] : [];
  for (const u of users) {
    const user = isObj(u) && isObj(u["user"]) ? u["user"] : undefined;
    if (!user) continue;
    for (const k of USER_SECRETS) strings(user[k], out);
    const exec = isObj(user["exec"]) ? user["exec"] : undefined;
    if (exec) {
      strings(exec["args"], out);
      if (Array.isArray(exec["env"])) for (const e of exec["env"]) if (isObj(e)) strings(e["value"], out);
    }
    const provider = isObj(user["auth-provider"]) ? user["auth-provider"] : undefined;
    if (provider) strings(provider["config"], out);
  }
  const clusters = isObj(doc) && Array.isArray(doc["clusters"]) ? doc["clusters"] : [];
  for (const c of clusters) {
    const proxy = isObj(c) && isObj(c["cluster"]) ? c["cluster"]["proxy-url"] : undefined;
    if (typeof proxy === "string") {
      try {
        const u = new URL(proxy);
        if (u.password) out.push(decodeURIComponent(u.password), u.password);
      } catch {
        // Not a URL: client-node refuses it; nothing in it to hide.
      }
    }
  }
  return [...new Set(out.filter((s) => s.length >= MIN_CREDENTIAL))];
}

/**
 * The kubeconfig texts the provider will read: inline contents, the named file, else (as
 * client-node) every file of $KUBECONFIG, else ~/.kube/config. Unreadable files are skipped: the
 * engine reports them when it loads them.
 */
export function kubeconfigTexts(kubeconfig: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const read = (p: string): string[] => {
    try {
      return [readFileSync(p, "utf8")];
    } catch {
      return [];
    }
  };
  if (kubeconfig !== undefined) return looksLikeKubeconfigContents(kubeconfig) ? [kubeconfig] : read(kubeconfig);
  const listed = (env["KUBECONFIG"] ?? "").split(delimiter).filter((p) => p !== "");
  if (listed.length) return listed.flatMap(read);
  const home = join(homedir(), ".kube", "config");
  return existsSync(home) ? read(home) : [];
}

/**
 * Names of the clusters the selected context uses with `insecure-skip-tls-verify: true` (any
 * server can then impersonate the API server and receive the credentials).
 */
export function insecureClusters(docs: readonly unknown[], context?: string): string[] {
  const all = (key: string): Obj[] => docs.flatMap((d) => (isObj(d) && Array.isArray(d[key]) ? d[key].filter(isObj) : []));
  const current = context ?? docs.map((d) => (isObj(d) ? d["current-context"] : undefined)).find((c) => typeof c === "string");
  const ctx = all("contexts").find((c) => c["name"] === current)?.["context"];
  const clusterName = isObj(ctx) ? ctx["cluster"] : undefined;
  const cluster = all("clusters").find((c) => c["name"] === clusterName)?.["cluster"];
  return isObj(cluster) && cluster["insecure-skip-tls-verify"] === true && typeof clusterName === "string" ? [clusterName] : [];
}

export function insecureSkipTlsVerifyWarning(cluster: string): string {
  return `the kubeconfig's cluster "${cluster}" sets insecure-skip-tls-verify: the API server's certificate is not checked, so anyone on the network path can impersonate it and receive the provider's credentials; set certificate-authority-data instead`;
}

/** The parts of a kubeconfig user that say how credentials are obtained (never their values). */
export interface CredentialSource {
  readonly exec?: { readonly command?: string };
  readonly authProvider?: { readonly name?: string };
}

/**
 * Why credentials could not be obtained, without the exec plugin's output, arguments or the
 * auth provider's error text (which quote tokens and secrets).
 */
export function describeCredentialFailure(user: CredentialSource | null | undefined, e: unknown): string {
  const code = isObj(e) && typeof e["code"] === "string" && /^E[A-Z]+$/.test(e["code"]) ? ` (${e["code"]})` : "";
  const hidden = "its output is not shown: it may hold credentials";
  if (user?.exec?.command !== undefined) return `the exec credential plugin ${basename(user.exec.command)} failed${code}; ${hidden}`;
  if (user?.authProvider?.name !== undefined) return `the ${user.authProvider.name} auth provider failed${code}; ${hidden}`;
  return `the kubeconfig's credentials could not be used${code}`;
}
