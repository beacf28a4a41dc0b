import type { HttpGet } from "../await/dns/http-get";
import { createResolver } from "../await/dns/resolver";
import type { Clock } from "../kube/clock";
import { createDns01Solver } from "./dns01-solver";
import { createHttp01Solver, type GatewayRef, type ObjectWriter } from "./http01-solver";
import { PowerDnsBackend } from "./powerdns";
import type { AcmeCertificatesSettings } from "./settings";
import type { ChallengeSolver } from "./solver";

/** What only the caller knows: the proxy's Gateway and how to write objects to its cluster. */
export interface SolverEnvironment {
  readonly gateway?: GatewayRef;
  readonly writer?: ObjectWriter;
  /** http-01 self-check through the data plane (e.g. createHttpGet with the Gateway address). */
  readonly selfCheck?: HttpGet;
  readonly clock?: Clock;
}

export type SolverResult = { ok: true; solver: ChallengeSolver } | { ok: false; error: string };

/** Builds the challenge solver the `certificates` settings ask for. */
export function solverFromSettings(settings: AcmeCertificatesSettings, env: SolverEnvironment): SolverResult {
  const clock = env.clock !== undefined ? { clock: env.clock } : {};
  if (settings.challenge === "dns-01") {
    const pdns = settings.dns01?.powerdns;
    if (pdns === undefined) return { ok: false, error: "certificates.dns01.powerdns: required for challenge dns-01" };
    const backend = new PowerDnsBackend({ apiUrl: pdns.apiUrl, apiKey: pdns.apiKey, serverId: pdns.serverId });
    const servers = settings.propagationResolvers;
    return {
      ok: true,
      solver: createDns01Solver({
        backend,
        // No resolvers configured: the CA's own retries cover propagation.
        ...(servers !== undefined && servers.length > 0 && { resolver: createResolver({ servers }) }),
        ...clock,
      }),
    };
  }
  if (env.gateway === undefined || env.writer === undefined) {
    return { ok: false, error: "challenge http-01 needs the proxy's Gateway and a cluster client to write the solver route" };
  }
  return {
    ok: true,
    solver: createHttp01Solver({
      gateway: env.gateway,
      writer: env.writer,
      ...(env.selfCheck !== undefined &&
        settings.http01.selfCheck && {
          selfCheck: { httpGet: env.selfCheck, port: settings.http01.port, timeoutMs: settings.http01.selfCheckTimeoutSeconds * 1000 },
        }),
      ...clock,
    }),
  };
}
