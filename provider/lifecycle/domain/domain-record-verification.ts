import type { DomainVerificationOutcome } from "../../await/dns";
import { verificationRecords, type DomainStatus, type DomainVerificationSettings } from "../../core/domain";
import type { KubeClient } from "../../kube";
import { writeDomainStatus } from "./domain-record";
import { writingKey } from "./domain-signature";
import { domainVerificationOf, type EngineSettings } from "../settings";

/**
 * The provider acting as NSO's Domain controller for one Domain record during an operation: the
 * Domain's own create/update, or an HTTPProxy that needs a pending Domain verified. Status goes
 * back into the record after every attempt, so every stack on the cluster sees the same state.
 */
export interface VerifyRecordRequest {
  readonly namespace: string;
  readonly name: string;
  readonly domainName: string;
  readonly token: string;
  readonly uid: string;
  readonly previousStatus: DomainStatus | undefined;
  /**
   * "none": publish the records, no attempt (`waitForVerification: false` on create);
   * "once": one attempt; "wait": attempts on NSO's schedule until verified or `timeoutMs`.
   */
  readonly mode: "none" | "once" | "wait";
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

export async function verifyDomainRecord(client: KubeClient, settings: EngineSettings, req: VerifyRecordRequest): Promise<DomainVerificationOutcome> {
  const dns = await import("../../await/dns/index.js");
  const resolver = dns.createResolver({ ...(settings.dnsServers ? { servers: settings.dnsServers } : {}) });
  // The HTTP token host is resolved through the same servers as the TXT record, so both methods
  // see the same DNS.
  const httpGet = dns.createHttpGet({ resolver });
  const verification = domainVerificationOf(settings);
  const previousStatus = currentStatus(req, verification);
  try {
    return await dns.runDomainVerification({
      domainName: req.domainName,
      token: req.token,
      uid: req.uid,
      ...(previousStatus ? { previousStatus } : {}),
      settings: verification,
      resolver,
      httpGet,
      wait: req.mode !== "none",
      // A zero timeout makes exactly one attempt, at the deadline.
      ...(req.mode === "once" ? { timeoutMs: 0 } : req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
      writeStatus: async (status) => writeDomainStatus(client, req, await writingKey(client, settings, req.signal), status, req.signal),
    });
  } finally {
    resolver.cancel();
  }
}

/**
 * Stored status whose published records no longer match (a recreated record has a new uid, or the
 * prefix/path settings changed) loses its verification block, so the records are published anew;
 * the conditions, and with them the retry schedule, are kept.
 */
function currentStatus(req: VerifyRecordRequest, settings: DomainVerificationSettings): DomainStatus | undefined {
  const prev = req.previousStatus;
  if (prev?.verification === undefined) return prev;
  const want = verificationRecords({ domainName: req.domainName, token: req.token, id: req.uid }, settings);
  const have = prev.verification;
  const same =
    have.dnsRecord.name === want.dnsRecord.name &&
    have.dnsRecord.content === want.dnsRecord.content &&
    have.httpToken.url === want.httpToken.url &&
    have.httpToken.body === want.httpToken.body;
  if (same) return prev;
  const { verification: _stale, ...rest } = prev;
  return rest;
}

/** What to tell a user about a Domain that is not verified yet: the records to publish. */
export function publishHint(outcome: DomainVerificationOutcome): string {
  if (outcome.state === "invalidApex") return outcome.message;
  const { dnsRecord, httpToken } = outcome.records;
  return `publish TXT ${dnsRecord.name} = "${dnsRecord.content}" (or serve "${httpToken.body}" at ${httpToken.url})`;
}

/** The last attempt's findings, when there was one. */
export function lastFindings(outcome: DomainVerificationOutcome): string | undefined {
  if (outcome.state === "invalidApex" || outcome.wait === undefined) return undefined;
  return outcome.wait.verified ? outcome.wait.attempt.progress : (outcome.wait.lastAttempt?.progress ?? outcome.wait.message);
}
