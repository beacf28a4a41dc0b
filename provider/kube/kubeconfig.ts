/**
 * Where the provider's cluster credentials come from. Loading and every auth kind (client
 * certificates, bearer tokens, token files, exec plugins, OIDC, basic auth, proxies,
 * in-cluster service accounts) are @kubernetes/client-node's; this module only picks the
 * source and fails early with a message that names what is wrong.
 */
import { KubeConfig } from "@kubernetes/client-node";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { describeKubeconfigError, looksLikeKubeconfigContents, parseKubeconfig } from "./kubeconfig-document";

export { looksLikeKubeconfigContents };

export interface KubeConfigSource {
  /**
   * Kubeconfig contents (YAML/JSON) or a path to a kubeconfig file. Like pulumi-kubernetes'
   * `kubeconfig` setting: multi-line text or text starting with `{`/`apiVersion` is contents.
   */
  readonly kubeconfig?: string;
  /** Explicit path (wins over `kubeconfig`). */
  readonly kubeconfigPath?: string;
  /** Context to use instead of the file's current-context. */
  readonly context?: string;
  /** With neither kubeconfig nor path: $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
}

export class KubeConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KubeConfigError";
  }
}

export interface LoadedKubeConfig {
  readonly kubeConfig: KubeConfig;
  /** https://host:port[/prefix] of the selected cluster, without a trailing slash. */
  readonly server: string;
  readonly contextName: string;
  /** The context's namespace, else "default"; used for namespaced objects that name none. */
  readonly defaultNamespace: string;
}

function describeSource(src: KubeConfigSource): string {
  if (src.kubeconfigPath !== undefined) return `kubeconfig file ${src.kubeconfigPath}`;
  if (src.kubeconfig !== undefined) return looksLikeKubeconfigContents(src.kubeconfig) ? "inline kubeconfig" : `kubeconfig file ${src.kubeconfig}`;
  return "default kubeconfig ($KUBECONFIG, ~/.kube/config or in-cluster)";
}

/**
 * Text is parsed here first, so that a syntax error is reported by position only; client-node's
 * own messages (and js-yaml's, which quote the offending lines) never reach the user.
 */
function loadText(kc: KubeConfig, text: string, where: string): void {
  const parsed = parseKubeconfig(text);
  if (!parsed.ok) throw new KubeConfigError(`cannot load ${where}: ${parsed.message}`);
  if (parsed.doc === null || typeof parsed.doc !== "object" || Array.isArray(parsed.doc)) throw new KubeConfigError(`cannot load ${where}: ${describeKubeconfigError(undefined)}`);
  kc.loadFromString(text);
}

export function loadKubeConfig(src: KubeConfigSource = {}): LoadedKubeConfig {
  const kc = new KubeConfig();
  const where = describeSource(src);
  try {
    const path = src.kubeconfigPath ?? (src.kubeconfig !== undefined && !looksLikeKubeconfigContents(src.kubeconfig) ? src.kubeconfig : undefined);
    if (path !== undefined) {
      if (!existsSync(path)) throw new KubeConfigError(`${where} does not exist`);
      loadText(kc, readFileSync(path, "utf8"), where);
      kc.makePathsAbsolute(dirname(path));
    } else if (src.kubeconfig !== undefined) {
      loadText(kc, src.kubeconfig, where);
    } else {
      kc.loadFromDefault();
    }
  } catch (e) {
    if (e instanceof KubeConfigError) throw e;
    throw new KubeConfigError(`cannot load ${where}: ${describeKubeconfigError(e)}`);
  }
  if (src.context !== undefined) {
    if (kc.getContextObject(src.context) === null) {
      const known = kc.getContexts().map((c) => c.name);
      throw new KubeConfigError(`${where} has no context "${src.context}" (contexts: ${known.length > 0 ? known.join(", ") : "none"})`);
    }
    kc.setCurrentContext(src.context);
  }
  const contextName = kc.getCurrentContext();
  const context = kc.getContextObject(contextName);
  if (context === null && contextName !== "inCluster") {
    throw new KubeConfigError(`${where} has no usable current context${contextName ? ` ("${contextName}" is not defined)` : ""}`);
  }
  const cluster = kc.getCurrentCluster();
  if (cluster === null || !cluster.server) {
    throw new KubeConfigError(`${where}: context "${contextName}" refers to cluster "${context?.cluster ?? "?"}", which is not defined or has no server`);
  }
  if (kc.getCurrentUser() === null && context !== null && context.user) {
    throw new KubeConfigError(`${where}: context "${contextName}" refers to user "${context.user}", which is not defined`);
  }
  return {
    kubeConfig: kc,
    server: cluster.server.replace(/\/+$/, ""),
    contextName,
    defaultNamespace: context?.namespace || "default",
  };
}
