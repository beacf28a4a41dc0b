import * as acme from "acme-client";
import { Agent } from "node:https";

/**
 * acme-client talks through one process-wide axios instance. Private CAs (pebble, step-ca) need
 * their own trust roots, and two provider instances may use two different CAs, so trust is
 * attached per directory origin instead of replacing the global https agent.
 */
const agents = new Map<string, Agent>();
let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  acme.axios.interceptors.request.use((config) => {
    if (typeof config.url === "string") {
      const agent = agents.get(originOf(config.url));
      if (agent !== undefined) config.httpsAgent = agent;
    }
    return config;
  });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}

/** Trust `caPem` for every ACME request to the directory's origin (idempotent per origin+CA). */
export function trustDirectoryCa(directoryUrl: string, caPem: string): void {
  install();
  const origin = originOf(directoryUrl);
  const existing = agents.get(origin);
  if (existing !== undefined && (existing.options.ca as string | undefined) === caPem) return;
  existing?.destroy();
  agents.set(origin, new Agent({ ca: caPem, keepAlive: false }));
}
