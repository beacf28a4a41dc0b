import { getDomain } from "tldts";
import { isUnknown } from "../unknown";
import { parseIP } from "../validation/network";
import { makeObject, type Target } from "./object";
import type { RenderedObject } from "./types";

/**
 * external-dns records of one HTTPProxy (DNS integration on). NSO's shape for the platform name —
 * A/AAAA for `<canonical>`, A for `v4.<canonical>`, AAAA for `v6.<canonical>`, TTL 300 — plus,
 * as NSO does with DNSRecordSets, custom hostnames pointing at the canonical name: a CNAME, or
 * A/AAAA at a zone apex where a CNAME is not allowed.
 *
 * The Gateway's addresses are only known once Envoy Gateway has programmed it; until the engine
 * passes them in, only the CNAMEs are rendered.
 */

export const EXTERNAL_DNS_API = "externaldns.k8s.io/v1alpha1";
const TTL = 300;

function byFamily(addresses: readonly string[]): { v4: string[]; v6: string[] } {
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  for (const a of addresses) {
    if (typeof a !== "string" || !parseIP(a)) continue;
    (a.includes(":") ? v6 : v4).add(a);
  }
  return { v4: [...v4].sort(), v6: [...v6].sort() };
}

/** True for a registrable domain itself (`example.com`, `example.co.uk`). */
function isApex(hostname: string): boolean {
  return getDomain(hostname, { allowPrivateDomains: false }) === hostname;
}

export function renderDNSEndpoint(
  gateway: string,
  canonical: string,
  hostnames: readonly unknown[],
  addresses: readonly string[],
  target: Target,
): RenderedObject {
  const { v4, v6 } = byFamily(addresses);
  const endpoints: Record<string, unknown>[] = [];
  const address = (dnsName: string, families: "both" | "v4" | "v6"): void => {
    if (v4.length && families !== "v6") endpoints.push({ dnsName, recordType: "A", recordTTL: TTL, targets: v4 });
    if (v6.length && families !== "v4") endpoints.push({ dnsName, recordType: "AAAA", recordTTL: TTL, targets: v6 });
  };
  address(canonical, "both");
  address(`v4.${canonical}`, "v4");
  address(`v6.${canonical}`, "v6");
  const seen = new Set<string>([canonical]);
  for (const h of hostnames) {
    if (typeof h !== "string" || seen.has(h)) continue;
    seen.add(h);
    if (!isUnknown(h) && isApex(h)) address(h, "both");
    else endpoints.push({ dnsName: h, recordType: "CNAME", recordTTL: TTL, targets: [canonical] });
  }
  return makeObject(EXTERNAL_DNS_API, "DNSEndpoint", gateway, target, { spec: { endpoints } });
}
