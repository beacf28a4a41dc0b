/**
 * Typed failures of API calls. Every error names the object (kind/namespace/name) it was about,
 * so a message stands on its own in a Pulumi log; API errors keep the server's message verbatim
 * because that is what users search for.
 */
import { describeRef, splitApiVersion } from "./types";

/** What an error is about: a single object, a kind, or (for discovery) a group-version. */
export interface ErrorSubject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export type Verb = "get" | "list" | "watch" | "apply" | "delete" | "discover";

/** One entry of Status.details.causes, e.g. a field error or an SSA field-manager conflict. */
export interface StatusCause {
  readonly field?: string;
  readonly reason?: string;
  readonly message?: string;
}

function subjectText(s: ErrorSubject): string {
  if (s.kind === undefined) return s.apiVersion ?? "request";
  return s.name === undefined ? (s.namespace ? `${s.kind} in ${s.namespace}` : s.kind) : describeRef({ kind: s.kind, name: s.name, namespace: s.namespace });
}

export abstract class KubeError extends Error {
  abstract readonly errorKind: "api" | "missingKind" | "transport" | "deadline" | "aborted";
  constructor(
    message: string,
    readonly verb: Verb,
    readonly subject: ErrorSubject,
  ) {
    super(message);
  }
}

/** The API server answered with a non-2xx status. */
export class KubeApiError extends KubeError {
  readonly errorKind = "api" as const;
  constructor(
    verb: Verb,
    subject: ErrorSubject,
    /** HTTP status code. */
    readonly code: number,
    /** Status.reason (`NotFound`, `Conflict`, `Invalid`, …) or the HTTP text when the body is not a Status. */
    readonly reason: string,
    /** The server's own message (Status.message or the raw body). */
    readonly serverMessage: string,
    readonly causes: readonly StatusCause[] = [],
    /** Seconds from a Retry-After header or Status.details.retryAfterSeconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(`${verb} ${subjectText(subject)}: ${serverMessage} (HTTP ${code}${reason ? ` ${reason}` : ""})`, verb, subject);
    this.name = "KubeApiError";
  }
}

/** The kind is not served: its CRD (or API group/version) is not installed. */
export class MissingKindError extends KubeError {
  readonly errorKind = "missingKind" as const;
  constructor(
    verb: Verb,
    subject: ErrorSubject,
    /** What to install, e.g. "install the Gateway API CRDs v1.5.1". */
    readonly installHint: string,
    /** Versions the group does serve, when the group exists but not this version. */
    readonly servedVersions: readonly string[] = [],
  ) {
    const gv = subject.apiVersion ?? "";
    const served = servedVersions.length > 0 ? ` (the group serves ${servedVersions.join(", ")})` : "";
    super(`${subject.kind ?? "?"} (${gv}) is not served by the cluster${served}: ${installHint}`, verb, subject);
    this.name = "MissingKindError";
  }
  get group(): string {
    return splitApiVersion(this.subject.apiVersion ?? "").group;
  }
}

/** No HTTP answer: connection refused/reset, TLS failure, per-request timeout. */
export class TransportError extends KubeError {
  readonly errorKind = "transport" as const;
  constructor(verb: Verb, subject: ErrorSubject, readonly detail: string, options?: { cause?: unknown }) {
    super(`${verb} ${subjectText(subject)}: ${detail}`, verb, subject);
    this.name = "TransportError";
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** Retries ran out of time: the operation deadline passed before a success. */
export class DeadlineExceededError extends KubeError {
  readonly errorKind = "deadline" as const;
  constructor(
    verb: Verb,
    subject: ErrorSubject,
    readonly attempts: number,
    readonly lastError: KubeError | undefined,
    /** What was being waited for, when it was not a request (e.g. finalizers during a delete). */
    readonly waitingFor?: string,
  ) {
    super(
      waitingFor !== undefined
        ? `${verb} ${subjectText(subject)}: deadline exceeded while waiting for ${waitingFor}`
        : `${verb} ${subjectText(subject)}: deadline exceeded after ${attempts} attempt(s)${lastError ? `; last error: ${lastError.message}` : ""}`,
      verb,
      subject,
    );
    this.name = "DeadlineExceededError";
  }
}

/** The caller's AbortSignal fired (cancellation, e.g. Pulumi Cancel). */
export class AbortedError extends KubeError {
  readonly errorKind = "aborted" as const;
  constructor(verb: Verb, subject: ErrorSubject, readonly why: string) {
    super(`${verb} ${subjectText(subject)}: aborted (${why})`, verb, subject);
    this.name = "AbortedError";
  }
}

export function isKubeError(e: unknown): e is KubeError {
  return e instanceof KubeError;
}

export function isNotFound(e: unknown): e is KubeApiError {
  return e instanceof KubeApiError && e.code === 404;
}

/** 403: the credentials may not do this (e.g. list a cluster-scoped kind with namespaced RBAC). */
export function isForbidden(e: unknown): e is KubeApiError {
  return e instanceof KubeApiError && e.code === 403;
}

/** 409 from server-side apply: fields this apply sets are owned by another field manager. */
export function isFieldManagerConflict(e: unknown): e is KubeApiError {
  return e instanceof KubeApiError && e.code === 409 && e.causes.some((c) => c.reason === "FieldManagerConflict");
}

/** 410: the requested resourceVersion is older than what the server keeps (watch must re-list). */
export function isExpired(e: unknown): e is KubeApiError {
  return e instanceof KubeApiError && e.code === 410;
}

/** HTTP statuses worth retrying: throttling and server-side trouble, not client mistakes. */
export function isRetryableStatus(code: number): boolean {
  return code === 429 || (code >= 500 && code !== 501 && code !== 505);
}

/**
 * 500s that say the request itself is wrong. Server-side apply reports a field the schema does
 * not declare as HTTP 500 "failed to create typed patch object … field not declared in schema";
 * retrying it only burns the deadline.
 */
export function isDeterministicServerError(e: KubeApiError): boolean {
  return e.code === 500 && /^failed to create typed patch object/.test(e.serverMessage);
}

export function isRetryable(e: unknown): boolean {
  if (e instanceof TransportError) return true;
  if (e instanceof KubeApiError) return isRetryableStatus(e.code) && !isDeterministicServerError(e);
  return false;
}
