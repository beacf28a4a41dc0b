import { normalizeHostname } from "../../core/domain";
import { parseIP } from "../../core/validation/network";

/**
 * Where a hostname must point to reach a Gateway: its canonical hostname (by CNAME) or its
 * addresses (by A/AAAA), both taken from the Gateway's status.
 */
export interface GatewayTarget {
  /** Names a CNAME chain may end at (the canonical hostname and any Hostname-type address). */
  readonly hostnames: readonly string[];
  /** IPAddress-type addresses of the Gateway. */
  readonly addresses: readonly string[];
}

interface StatusAddress {
  readonly type?: unknown;
  readonly value?: unknown;
}

/** Reads Gateway `status.addresses` (type defaults to IPAddress, as in Gateway API). */
export function gatewayTarget(status: { addresses?: unknown } | undefined, canonicalHostname?: string): GatewayTarget {
  const hostnames = canonicalHostname !== undefined && canonicalHostname !== "" ? [normalizeHostname(canonicalHostname)] : [];
  const addresses: string[] = [];
  const list = Array.isArray(status?.addresses) ? (status.addresses as StatusAddress[]) : [];
  for (const a of list) {
    if (typeof a !== "object" || a === null || typeof a.value !== "string") continue;
    const type = typeof a.type === "string" ? a.type : "IPAddress";
    if (type === "IPAddress") addresses.push(a.value);
    else if (type === "Hostname") hostnames.push(normalizeHostname(a.value));
  }
  return { hostnames: [...new Set(hostnames)], addresses };
}

/** Same-address test that ignores spelling (`::ffff:192.0.2.1` vs `192.0.2.1`, zero compression). */
export function ipKey(address: string): string {
  const ip = parseIP(address);
  return ip === undefined ? address.toLowerCase() : Buffer.from(ip).toString("hex");
}
