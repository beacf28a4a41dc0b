// Shared by the example suites: the control plane they all use, and the checks every suite makes.
import type { KubeConfig } from "@kubernetes/client-node";
import { expect } from "vitest";
import type { Controllers } from "../infra/controllers.ts";
import type { ControlPlane } from "../infra/controlplane.ts";
import type { PowerDns } from "../infra/powerdns.ts";
import { recordWrites, type WriteEvent } from "./cluster.ts";
import type { PulumiResult } from "./workspace.ts";

export interface E2eContext {
  readonly cp: ControlPlane;
  /** The real Envoy Gateway data plane and cert-manager on `cp`. */
  readonly controllers: Controllers;
  /** ip:port of the PowerDNS where the DNS actor publishes Domain verification records. */
  readonly dnsServer: string;
  /** That PowerDNS, for suites that manage zones of their own through its API (examples/acme). */
  readonly powerDns: PowerDns;
}

/** The provider's default `hostnameClaimNamespace`: created once up front, so its creation is nobody's write. */
export const CLAIMS_NAMESPACE = "datum-downstream-gateway-hostnames";

/**
 * Runs `fn` while watching the cluster, and returns the writes that belong to the example: objects
 * in its namespace, and hostname claims for its domain.
 */
export async function writesDuring(kc: KubeConfig, scope: { namespace: string; domain?: string }, fn: () => Promise<unknown>): Promise<WriteEvent[]> {
  const rec = await recordWrites(
    kc,
    (e) =>
      e.namespace === scope.namespace ||
      (e.kind === "Namespace" && e.name === scope.namespace) ||
      (scope.domain !== undefined && e.namespace === CLAIMS_NAMESPACE && e.name.endsWith(scope.domain)),
  );
  try {
    await fn();
  } catch (e) {
    await rec.stop();
    throw e;
  }
  return rec.stop();
}

export function output(r: PulumiResult): string {
  return `${r.stdout}\n${r.stderr}`;
}

/** Asserts a failed run and returns its output. */
export function failed(r: PulumiResult): string {
  expect(r.code, `pulumi ${r.args.join(" ")} should have failed:\n${output(r)}`).not.toBe(0);
  return output(r);
}

export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Wall times of the basic example's operations, printed at the end of the run. */
export const timings: Record<string, number> = {};
