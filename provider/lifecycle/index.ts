import { DomainLifecycle } from "./domain/domain";
import { Engine } from "./engine";
import { RESOURCE_KINDS } from "./kinds";
import { RenderedResourceLifecycle } from "./resource";
import type { EngineSettings } from "./settings";
import type { ResourceLifecycle } from "./types";
import type { RequestCounter } from "../kube";

export * from "./types";
export { Engine } from "./engine";
export { RESOURCE_KINDS, kindByToken } from "./kinds";
export { engineSettingsSchema, resolveEngineSettings, renderSettingsOf } from "./settings";
export { HostnameRuleError } from "./httpproxy/hostnames";
export { OwnershipError } from "./ownership";
export { ACME_STATE_SECRET_PATHS } from "./httpproxy/acme-certificates";
export type { StoredCertificate, StoredAcmeAccount } from "./httpproxy/acme-certificates";
export type { EngineSettings } from "./settings";

/** The lifecycles of one provider instance (one target cluster), keyed by type token. */
export function lifecycles(settings: EngineSettings, deps: { metrics?: RequestCounter; now?: () => number } = {}): { engine: Engine; byToken: Map<string, ResourceLifecycle> } {
  const engine = new Engine(settings, deps);
  const byToken = new Map<string, ResourceLifecycle>();
  for (const k of RESOURCE_KINDS) {
    // A Domain renders nothing: it is recorded and verified (domain.ts).
    byToken.set(k.token, k.kind === "Domain" ? new DomainLifecycle(k, engine) : new RenderedResourceLifecycle(k, engine));
  }
  return { engine, byToken };
}
