/**
 * Turning what a verification attempt observed into NSO's condition reason and message
 * (docs/spec/readiness.md §4), plus a one-line progress text that says what was expected and what was found.
 * Pure: the DNS and HTTP I/O lives in provider/await/dns.
 */

export type DomainReason =
  | "PendingVerification"
  | "VerificationRecordContentMismatch"
  | "RecordNotFound"
  | "UnexpectedResponse"
  | "InternalError"
  | "Verified";

export interface CheckOutcome {
  readonly passed: boolean;
  readonly reason: DomainReason;
  /** NSO's condition message. */
  readonly message: string;
  /** What a person watching `pulumi up` needs: the record, what was seen, what is wanted. */
  readonly progress: string;
}

/** What a TXT lookup returned. `values` are whole TXT records (multi-string records joined). */
export type TxtObservation =
  | { readonly kind: "records"; readonly values: readonly string[] }
  | { readonly kind: "notFound"; readonly detail: string }
  | { readonly kind: "temporary"; readonly detail: string }
  | { readonly kind: "internal"; readonly detail: string };

/** Go's %q for the strings NSO interpolates. JSON escaping matches it for printable text. */
const goQuote = (s: string): string => JSON.stringify(s);
const show = (s: string): string => `'${s}'`;

export function judgeTxt(recordName: string, observation: TxtObservation, expected: string): CheckOutcome {
  const where = `TXT ${recordName}`;
  const want = `want ${show(expected)}`;
  switch (observation.kind) {
    case "records": {
      const found = observation.values.length === 0 ? "no values" : `found ${observation.values.map(show).join(", ")}`;
      if (observation.values.includes(expected)) {
        return { passed: true, reason: "Verified", message: "TXT record verification successful", progress: `${where}: found ${show(expected)} (verified)` };
      }
      return {
        passed: false,
        reason: "VerificationRecordContentMismatch",
        message: `TXT record content mismatch. Expected ${goQuote(expected)}, got ${goQuote(observation.values.join(", "))}`,
        progress: `${where}: ${found}, ${want}`,
      };
    }
    case "notFound":
      return { passed: false, reason: "RecordNotFound", message: "TXT record not found", progress: `${where}: not found (${observation.detail}), ${want}` };
    case "temporary":
      return {
        passed: false,
        reason: "PendingVerification",
        message: "Temporary error or timeout encountered",
        progress: `${where}: lookup failed temporarily (${observation.detail}), ${want}`,
      };
    case "internal":
      return {
        passed: false,
        reason: "InternalError",
        message: "Internal error encountered during DNS lookup",
        progress: `${where}: lookup error (${observation.detail}), ${want}`,
      };
  }
}

/** What fetching the HTTP token returned. `body` is at most the first 1 KiB, undecoded beyond UTF-8. */
export type HttpObservation =
  | { readonly kind: "response"; readonly status: number; readonly body: string }
  | { readonly kind: "unreachable"; readonly detail: string }
  | { readonly kind: "timeout"; readonly detail: string }
  | { readonly kind: "internal"; readonly detail: string };

export function judgeHttp(url: string, observation: HttpObservation, expected: string): CheckOutcome {
  const where = `HTTP ${url}`;
  const want = `want 200 with body ${show(expected)}`;
  switch (observation.kind) {
    case "response": {
      if (observation.status === 404) {
        return { passed: false, reason: "RecordNotFound", message: "HTTP token endpoint not found", progress: `${where}: 404 Not Found, ${want}` };
      }
      if (observation.status !== 200) {
        return {
          passed: false,
          reason: "UnexpectedResponse",
          message: `unexpected status code from HTTP token endpoint. HTTP ${observation.status}`,
          progress: `${where}: HTTP ${observation.status}, ${want}`,
        };
      }
      // NSO trims surrounding whitespace so a trailing newline from `echo` still matches.
      const actual = observation.body.trim();
      if (actual === expected) {
        return { passed: true, reason: "Verified", message: "HTTP token verification successful", progress: `${where}: body ${show(expected)} (verified)` };
      }
      return {
        passed: false,
        reason: "VerificationRecordContentMismatch",
        message: `HTTP token content mismatch. Expected ${goQuote(expected)}, got ${goQuote(actual)}`,
        progress: `${where}: body ${show(actual)}, ${want}`,
      };
    }
    case "unreachable":
      return {
        passed: false,
        reason: "PendingVerification",
        message: "unable to establish connection with HTTP token endpoint",
        progress: `${where}: cannot connect (${observation.detail}), ${want}`,
      };
    case "timeout":
      return {
        passed: false,
        reason: "PendingVerification",
        message: "Timeout encountered while fetching HTTP token",
        progress: `${where}: timed out (${observation.detail}), ${want}`,
      };
    case "internal":
      return {
        passed: false,
        reason: "InternalError",
        message: "Internal error encountered during HTTP verification",
        progress: `${where}: error (${observation.detail}), ${want}`,
      };
  }
}
