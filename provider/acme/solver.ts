/**
 * A way to answer one ACME challenge. `present` returns once the answer is visible to the CA as
 * far as we can tell (DNS propagated, route serving), so the CA is asked to validate only then.
 */
export type ChallengeType = "http-01" | "dns-01";

export interface ChallengeTask {
  /** The authorization's identifier (`*.` already stripped for wildcards). */
  readonly hostname: string;
  readonly wildcard: boolean;
  readonly token: string;
  /**
   * What must be served: for http-01 the key authorization itself, for dns-01 its SHA-256 digest
   * in base64url (RFC 8555 §8.3, §8.4) — acme-client computes both.
   */
  readonly keyAuthorization: string;
}

export interface SolverContext {
  readonly signal?: AbortSignal;
  readonly onProgress?: (message: string) => void;
}

export interface ChallengeSolver {
  readonly type: ChallengeType;
  present(task: ChallengeTask, ctx: SolverContext): Promise<void>;
  /** Best effort; errors are reported, never mask the issuance result. */
  cleanup(task: ChallengeTask, ctx: SolverContext): Promise<void>;
}
