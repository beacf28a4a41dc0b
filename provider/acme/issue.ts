import * as acme from "acme-client";
import { systemClock, type Clock } from "../kube/clock";
import { leafOf } from "./renewal";
import type { AcmeCertificatesSettings } from "./settings";
import type { ChallengeSolver, ChallengeTask } from "./solver";
import { trustDirectoryCa } from "./trust";

/**
 * Obtains one certificate for a listener's hostnames from an ACME CA: account (reused when the
 * state has its key), order, one challenge per authorization through the given solver, finalize,
 * download. Every wait runs on the injected clock and stops on the AbortSignal.
 *
 * Key material comes back only inside `secrets`, which the transports mark secret; nothing here
 * logs or embeds a key in an error.
 */

export interface AcmeAccountState {
  /** PEM; from Pulumi state (secret) so renewals reuse the account. */
  readonly keyPem: string;
  readonly url?: string;
}

export interface IssueRequest {
  readonly settings: Pick<AcmeCertificatesSettings, "directoryUrl" | "email" | "eab" | "challenge" | "caBundle">;
  readonly hostnames: readonly string[];
  readonly solver: ChallengeSolver;
  readonly account?: AcmeAccountState;
  readonly clock?: Clock;
  readonly signal?: AbortSignal;
  /** Overall limit for the issuance (Pulumi customTimeouts). */
  readonly timeoutMs?: number;
  /** Poll period for authorization/order status. */
  readonly pollIntervalMs?: number;
  readonly onProgress?: (message: string) => void;
}

export interface IssueTimings {
  readonly accountMs: number;
  readonly orderMs: number;
  readonly challengesMs: number;
  readonly finalizeMs: number;
  readonly totalMs: number;
}

export interface IssuedCertificate {
  /** Leaf first, then intermediates (what `tls.crt` holds). */
  readonly certificatePem: string;
  readonly hostnames: readonly string[];
  readonly notBefore: string;
  readonly notAfter: string;
  readonly issuer: string;
  readonly accountUrl: string;
  readonly timings: IssueTimings;
  /** Must be stored as Pulumi secrets. */
  readonly secrets: { readonly privateKeyPem: string; readonly accountKeyPem: string };
}

export type AcmeStep = "account" | "order" | "challenge" | "authorization" | "finalize" | "download";

export class AcmeIssueError extends Error {
  constructor(
    readonly step: AcmeStep,
    message: string,
    /** The identifier concerned, when the failure is about one hostname. */
    readonly hostname?: string,
  ) {
    super(message);
    this.name = "AcmeIssueError";
  }
}

function detailOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An ACME problem document's text: `type: detail`. */
function problemText(problem: unknown): string {
  if (typeof problem !== "object" || problem === null) return "no error detail from the CA";
  const p = problem as { type?: unknown; detail?: unknown };
  const type = typeof p.type === "string" ? p.type.replace("urn:ietf:params:acme:error:", "") : "";
  const detail = typeof p.detail === "string" ? p.detail : JSON.stringify(problem);
  return type === "" ? detail : `${type}: ${detail}`;
}

class Deadline {
  private readonly at: number;
  constructor(
    private readonly clock: Clock,
    timeoutMs: number | undefined,
  ) {
    this.at = timeoutMs === undefined ? Number.POSITIVE_INFINITY : clock.now() + timeoutMs;
  }
  check(step: AcmeStep, what: string): void {
    if (this.clock.now() >= this.at) throw new AcmeIssueError(step, `timed out ${what}`);
  }
}

export async function issueCertificate(req: IssueRequest): Promise<IssuedCertificate> {
  const clock = req.clock ?? systemClock;
  const poll = req.pollIntervalMs ?? 1_000;
  const deadline = new Deadline(clock, req.timeoutMs);
  const hostnames = [...new Set(req.hostnames.map((h) => h.toLowerCase()))];
  const first = hostnames[0];
  if (first === undefined) throw new AcmeIssueError("order", "no hostnames to certify");
  if (req.solver.type !== req.settings.challenge) {
    throw new AcmeIssueError("challenge", `solver answers ${req.solver.type} but settings ask for ${req.settings.challenge}`);
  }
  if (req.settings.caBundle !== undefined) trustDirectoryCa(req.settings.directoryUrl, req.settings.caBundle);
  const progress = (m: string): void => req.onProgress?.(m);
  const aborted = (): void => req.signal?.throwIfAborted();
  const t0 = clock.now();

  // Account: reuse the stored key; the CA returns the same account URL for the same key.
  const accountKeyPem = req.account?.keyPem ?? (await acme.crypto.createPrivateEcdsaKey("P-256")).toString();
  const client = new acme.Client({
    directoryUrl: req.settings.directoryUrl,
    accountKey: accountKeyPem,
    ...(req.account?.url !== undefined && { accountUrl: req.account.url }),
    ...(req.settings.eab !== undefined && { externalAccountBinding: { kid: req.settings.eab.kid, hmacKey: req.settings.eab.hmacKey } }),
  });
  try {
    await client.createAccount({ termsOfServiceAgreed: true, contact: [`mailto:${req.settings.email}`] });
  } catch (e) {
    throw new AcmeIssueError("account", `ACME account at ${req.settings.directoryUrl}: ${detailOf(e)}`);
  }
  const accountUrl = client.getAccountUrl();
  const tAccount = clock.now();
  aborted();

  let order: acme.Order;
  let authorizations: acme.Authorization[];
  try {
    order = await client.createOrder({ identifiers: hostnames.map((value) => ({ type: "dns", value })) });
    authorizations = await client.getAuthorizations(order);
  } catch (e) {
    throw new AcmeIssueError("order", `ACME order for ${hostnames.join(", ")}: ${detailOf(e)}`);
  }
  progress(`ACME order for ${hostnames.join(", ")}: ${authorizations.length} authorization(s) via ${req.solver.type}`);
  const tOrder = clock.now();

  const presented: ChallengeTask[] = [];
  const ctx = { ...(req.signal && { signal: req.signal }), ...(req.onProgress && { onProgress: req.onProgress }) };
  try {
    // Present every answer first, then ask the CA to validate them all: validations run in parallel.
    const pending: { authz: acme.Authorization; challenge: acme.Authorization["challenges"][number]; hostname: string }[] = [];
    for (const authz of authorizations) {
      const hostname = authz.identifier.value;
      if (authz.status === "valid") continue;
      const challenge = authz.challenges.find((c) => c.type === req.solver.type);
      if (challenge === undefined || !("token" in challenge)) {
        const offered = authz.challenges.map((c) => c.type).join(", ");
        throw new AcmeIssueError("challenge", `the CA offers no ${req.solver.type} challenge for ${hostname} (offered: ${offered})`, hostname);
      }
      const keyAuthorization = await client.getChallengeKeyAuthorization(challenge);
      const task: ChallengeTask = { hostname, wildcard: authz.wildcard === true, token: challenge.token, keyAuthorization };
      try {
        await req.solver.present(task, ctx);
      } catch (e) {
        aborted();
        throw new AcmeIssueError("challenge", `${req.solver.type} for ${hostname}: ${detailOf(e)}`, hostname);
      }
      presented.push(task);
      pending.push({ authz, challenge, hostname });
    }
    for (const p of pending) {
      try {
        await client.completeChallenge(p.challenge);
      } catch (e) {
        throw new AcmeIssueError("challenge", `asking the CA to validate ${p.hostname}: ${detailOf(e)}`, p.hostname);
      }
      progress(`${req.solver.type} for ${p.hostname}: answer published, CA validating`);
    }
    for (const p of pending) await waitAuthorization(client, p.authz, p.hostname, req.solver.type, { clock, poll, deadline, ...(req.signal && { signal: req.signal }) });
  } finally {
    for (const task of presented) {
      try {
        await req.solver.cleanup(task, ctx);
      } catch (e) {
        progress(`cleanup of ${req.solver.type} answer for ${task.hostname} failed (left in place): ${detailOf(e)}`);
      }
    }
  }
  const tChallenges = clock.now();
  aborted();

  const [privateKey, csr] = await acme.crypto.createCsr({ commonName: first, altNames: hostnames }, await acme.crypto.createPrivateEcdsaKey("P-256"));
  let certificatePem: string;
  try {
    const finalized = await client.finalizeOrder(order, csr);
    const valid = await waitOrder(client, finalized, { clock, poll, deadline, ...(req.signal && { signal: req.signal }) });
    certificatePem = await client.getCertificate(valid);
  } catch (e) {
    if (e instanceof AcmeIssueError) throw e;
    throw new AcmeIssueError("finalize", `finalizing the order for ${hostnames.join(", ")}: ${detailOf(e)}`);
  }
  const tDone = clock.now();
  const leaf = leafOf(certificatePem);
  progress(`certificate for ${hostnames.join(", ")} issued by ${leaf.issuer.replace(/\n/g, ", ")}, valid until ${new Date(leaf.validTo).toISOString()}`);
  return {
    certificatePem,
    hostnames,
    notBefore: new Date(leaf.validFrom).toISOString(),
    notAfter: new Date(leaf.validTo).toISOString(),
    issuer: leaf.issuer,
    accountUrl,
    timings: {
      accountMs: tAccount - t0,
      orderMs: tOrder - tAccount,
      challengesMs: tChallenges - tOrder,
      finalizeMs: tDone - tChallenges,
      totalMs: tDone - t0,
    },
    secrets: { privateKeyPem: privateKey.toString(), accountKeyPem },
  };
}

interface PollContext {
  readonly clock: Clock;
  readonly poll: number;
  readonly deadline: Deadline;
  readonly signal?: AbortSignal;
}

async function waitAuthorization(client: acme.Client, authz: acme.Authorization, hostname: string, type: string, ctx: PollContext): Promise<void> {
  for (;;) {
    ctx.signal?.throwIfAborted();
    const [current] = await client.getAuthorizations({ authorizations: [authz.url] } as acme.Order);
    if (current === undefined) throw new AcmeIssueError("authorization", `authorization for ${hostname} disappeared`, hostname);
    if (current.status === "valid") return;
    if (current.status !== "pending") {
      const challenge = current.challenges.find((c) => c.type === type);
      throw new AcmeIssueError("authorization", `authorization for ${hostname} is ${current.status}: ${problemText(challenge?.error)}`, hostname);
    }
    ctx.deadline.check("authorization", `waiting for the CA to validate ${hostname}`);
    await ctx.clock.sleep(ctx.poll, ctx.signal);
  }
}

async function waitOrder(client: acme.Client, order: acme.Order, ctx: PollContext): Promise<acme.Order> {
  let current = order;
  for (;;) {
    ctx.signal?.throwIfAborted();
    if (current.status === "valid") return current;
    if (current.status === "invalid") throw new AcmeIssueError("finalize", `order is invalid: ${problemText(current.error)}`);
    ctx.deadline.check("finalize", "waiting for the CA to issue the certificate");
    await ctx.clock.sleep(ctx.poll, ctx.signal);
    current = await client.getOrder(current);
  }
}
