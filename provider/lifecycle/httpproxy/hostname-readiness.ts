import { requiredDnsRecords } from "../../core/domain";
import type { KubeObject } from "../../kube";
import { customHostnames } from "./hostnames";
import type { EngineSettings } from "../settings";
import { isObj, type Obj } from "../../core/json";

/**
 * The optional last steps of "ready" for an HTTPProxy, after its objects are ready: DNS sends each
 * custom hostname to the Gateway (`awaitDns`), and the Gateway serves a good certificate for each
 * hostname (`tlsProbe`), and Envoy routes each hostname (`httpProbe`). All are off by default: they
 * need a data plane reachable from where the provider runs (and public DNS for `awaitDns`).
 */

export interface HostnameReadinessContext {
  readonly canonicalHostname: string;
  readonly deadlineMs: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

export type HostnameReadiness = { readonly ready: true } | { readonly ready: false; readonly message: string; readonly reasons: readonly string[] };

function gatewayStatus(live: readonly KubeObject[]): Obj | undefined {
  const gw = live.find((o) => o.kind === "Gateway");
  return gw && isObj(gw["status"]) ? gw["status"] : undefined;
}

function remaining(ctx: HostnameReadinessContext): number {
  return Math.max(0, ctx.deadlineMs - Date.now());
}

export async function awaitHostnameReadiness(settings: EngineSettings, source: Obj, live: readonly KubeObject[], ctx: HostnameReadinessContext): Promise<HostnameReadiness> {
  const custom = customHostnames(source).map((h) => h.hostname);
  const status = gatewayStatus(live);
  if (settings.awaitDns && custom.length > 0) {
    const dns = await import("../../await/dns/index.js");
    const target = dns.gatewayTarget(status, ctx.canonicalHostname);
    const resolver = dns.createResolver({ ...(settings.dnsServers ? { servers: settings.dnsServers } : {}) });
    try {
      const result = await dns.waitForDns(custom, target, {
        resolver,
        timeoutMs: remaining(ctx),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
      });
      if (!result.ready) {
        const pending = result.hostnames.filter((h) => !h.ready);
        const records = pending.flatMap((h) =>
          requiredDnsRecords(h.hostname, { canonicalHostname: ctx.canonicalHostname, addresses: target.addresses }).map(
            (r) => `${r.name} ${r.type} ${r.values.join(" ")}`,
          ),
        );
        const reasons = pending.map((h) => h.message);
        const why = result.reason === "aborted" ? "DNS wait cancelled" : "DNS does not point at the Gateway yet";
        return { ready: false, message: `${why}: ${reasons.join("; ")}${records.length ? `; create: ${records.join(", ")}` : ""}`, reasons };
      }
    } finally {
      resolver.cancel();
    }
  }
  const hostnames = [ctx.canonicalHostname, ...custom];
  const addresses = (Array.isArray(status?.["addresses"]) ? status["addresses"] : []).filter(isObj).map((a) => a["value"]);
  const gatewayAddress = addresses.find((a): a is string => typeof a === "string" && a !== "");
  const http = settings.httpProbe;
  if (http) {
    const address = http.address ?? gatewayAddress;
    if (address === undefined) return { ready: false, message: "HTTP probe: the Gateway has no address yet", reasons: ["HTTP probe: the Gateway has no address yet"] };
    const { grpcProbeRequest, probeRequest, waitForRoute } = await import("../../await/edge/route-probe.js");
    const rules = isObj(source["spec"]) ? source["spec"]["rules"] : undefined;
    const request = source["kind"] === "GRPCProxy" ? grpcProbeRequest(rules) : probeRequest(rules);
    if (request) {
      const reasons: string[] = [];
      for (const hostname of hostnames) {
        const r = await waitForRoute({ address, port: http.port, hostname, request, deadlineMs: ctx.deadlineMs, ...(ctx.signal ? { signal: ctx.signal } : {}) });
        if (!r.routed) reasons.push(r.message);
      }
      if (reasons.length > 0) return { ready: false, message: `Envoy does not route the proxy's hostnames yet: ${reasons.join("; ")}`, reasons };
    } else {
      ctx.onProgress?.("HTTP probe skipped: every rule needs a regular-expression match");
    }
  }
  const probe = settings.tlsProbe;
  if (probe) {
    const address = probe.address ?? gatewayAddress;
    if (address === undefined) return { ready: false, message: "TLS probe: the Gateway has no address yet", reasons: ["TLS probe: the Gateway has no address yet"] };
    const { waitForTls } = await import("../../await/tls/index.js");
    const reasons: string[] = [];
    for (const hostname of hostnames) {
      const r = await waitForTls({
        address,
        port: probe.port,
        hostname,
        minValidityDays: probe.minValidityDays,
        ...(probe.ca !== undefined ? { ca: probe.ca } : {}),
        waitTimeoutMs: remaining(ctx),
        timeoutMs: Math.max(1, Math.min(10_000, remaining(ctx))),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
        ...(ctx.onProgress ? { onProgress: ctx.onProgress } : {}),
      });
      if (!r.ok) reasons.push(r.message);
    }
    if (reasons.length > 0) return { ready: false, message: `the Gateway does not serve a valid certificate yet: ${reasons.join("; ")}`, reasons };
  }
  return { ready: true };
}
