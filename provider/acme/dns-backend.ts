/**
 * Writes and removes the `_acme-challenge` TXT values. Several values may coexist on one name
 * (a wildcard and its base name share it), so backends add and remove single values.
 */
export interface DnsBackend {
  addTxt(fqdn: string, value: string, signal?: AbortSignal): Promise<void>;
  removeTxt(fqdn: string, value: string, signal?: AbortSignal): Promise<void>;
}

export function acmeChallengeName(hostname: string): string {
  return `_acme-challenge.${hostname.replace(/\.$/, "")}`;
}
