import { re } from "./structural";

/** Regexes of the Gateway API CRDs (v1.5.1 and the copy embedded in NSO's HTTPProxy CRD). */

/** `Hostname`: optional `*.` wildcard prefix, lowercase DNS labels, no trailing dot, no port. */
export const HOSTNAME = re(
  "^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
  /^(?:\*\.)?[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/,
);

/** `PreciseHostname`: a Hostname without the wildcard; also the DNS-subdomain form of `SectionName`/rule names. */
export const PRECISE_HOSTNAME = re(
  "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
  /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/,
);

/** `Group`: empty (core) or a DNS subdomain. */
export const GROUP = re("^$|^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

export const KIND = re("^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$");

/** `Namespace`: a DNS label. */
export const NAMESPACE = re("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");

/** `HTTPHeaderName` (RFC 7230 token). */
export const HEADER_NAME = re("^[A-Za-z0-9!#$%&'*+\\-.^_\\x60|~]+$");

/**
 * v1.5 header values: printable ASCII runs separated by single tabs/spaces. The optional separator
 * makes the original ambiguous for a backtracking engine; a mandatory one matches the same strings.
 */
export const HEADER_VALUE = re("^[!-~]+([\\t ]?[!-~]+)*$", /^[!-~]+(?:[\t ][!-~]+)*$/);

/** Characters permitted in Exact / PathPrefix path values and external-auth paths. */
export const PATH_CHARS_SOURCE = "^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|[%][0-9a-fA-F]{2})+$";
export const PATH_CHARS = re(PATH_CHARS_SOURCE);

/** `CORSOrigin`. */
export const CORS_ORIGIN = re(
  "(^\\*$)|(^(http(s)?):\\/\\/(((\\*\\.)?([a-zA-Z0-9\\-]+\\.)*[a-zA-Z0-9-]+|\\*)(:([0-9]{1,5}))?)$)",
);

/** Gateway API `Duration` (timeouts, retry backoff, session timeouts). */
export const DURATION = re("^([0-9]{1,5}(h|m|s|ms)){1,4}$");
