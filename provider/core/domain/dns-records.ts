import { normalizeHostname } from "./coverage";
import { registrableDomain } from "./registrable";

/**
 * The DNS records a user must create so a custom hostname reaches its Gateway, for the outputs
 * of a program that manages DNS elsewhere (e.g. a Cloudflare record resource). A subdomain gets a
 * CNAME to the canonical hostname (it follows address changes); a zone apex cannot hold a CNAME,
 * so it gets the Gateway's addresses as A/AAAA (or an ALIAS where the DNS provider has one — NSO
 * programs ALIAS at apex, docs/spec/compile.md §3.8).
 */
export interface RequiredDnsRecord {
  readonly name: string;
  readonly type: "CNAME" | "A" | "AAAA";
  /** CNAME: target hostname without the trailing dot; A/AAAA: the addresses. */
  readonly values: readonly string[];
  readonly ttl: number;
}

/** NSO's TTL for the records it programs. */
export const RECORD_TTL = 300;

export interface GatewayEndpoints {
  readonly canonicalHostname?: string;
  readonly addresses: readonly string[];
}

export function requiredDnsRecords(hostname: string, gateway: GatewayEndpoints): RequiredDnsRecord[] {
  const name = normalizeHostname(hostname);
  const apex = registrableDomain(name);
  const isApex = apex.ok && apex.apex;
  if (!isApex && gateway.canonicalHostname !== undefined && gateway.canonicalHostname !== "") {
    return [{ name, type: "CNAME", values: [normalizeHostname(gateway.canonicalHostname)], ttl: RECORD_TTL }];
  }
  const v4 = gateway.addresses.filter((a) => !a.includes(":"));
  const v6 = gateway.addresses.filter((a) => a.includes(":"));
  const out: RequiredDnsRecord[] = [];
  if (v4.length > 0) out.push({ name, type: "A", values: v4, ttl: RECORD_TTL });
  if (v6.length > 0) out.push({ name, type: "AAAA", values: v6, ttl: RECORD_TTL });
  return out;
}
