import { isUnknown, UNKNOWN } from "../unknown";
import { parseGoURL, parseIP, urlHostname, urlPort } from "../validation/network";

/**
 * What an HTTPProxy backend endpoint URL means for the data plane (docs/spec/compile.md §2.3): the address
 * an EndpointSlice carries, its address type, port and app protocol, and the hostnames used for
 * the Host rewrite and the backend certificate check.
 */

export type AddressType = "FQDN" | "IPv4" | "IPv6";

/** The placeholder address of connector backends: traffic never resolves it, the tunnel replaces the cluster. */
export const CONNECTOR_PLACEHOLDER_ADDRESS = "connector.local";

export interface EndpointTarget {
  scheme: string;
  /** `url.Hostname()`: as written, without brackets or port. */
  host: string;
  port: number | typeof UNKNOWN;
  appProtocol: "http" | "https" | typeof UNKNOWN;
  addressType: AddressType | typeof UNKNOWN;
  /** The EndpointSlice address. */
  address: string;
  isIP: boolean;
  connector: boolean;
}

const DEFAULT_PORT: Record<string, number> = { http: 80, https: 443 };

/** An IPv4-mapped IPv6 literal is an IPv4 address for Go's To4(); we write its dotted form so the slice stays valid. */
function ipAddress(host: string): { type: AddressType; address: string } | undefined {
  const ip = parseIP(host);
  if (!ip) return undefined;
  const mapped = ip.subarray(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff;
  if (mapped) return { type: "IPv4", address: host.includes(":") ? Array.from(ip.subarray(12)).join(".") : host };
  return { type: "IPv6", address: host };
}

/**
 * Undefined for endpoints validation would have rejected (no host); rendering then leaves the
 * backend out rather than guessing.
 */
export function endpointTarget(endpoint: unknown, viaConnector: boolean): EndpointTarget | undefined {
  if (isUnknown(endpoint)) {
    return {
      scheme: UNKNOWN,
      host: UNKNOWN,
      port: UNKNOWN,
      appProtocol: UNKNOWN,
      addressType: viaConnector ? "FQDN" : UNKNOWN,
      address: viaConnector ? CONNECTOR_PLACEHOLDER_ADDRESS : UNKNOWN,
      isIP: false,
      connector: viaConnector,
    };
  }
  if (typeof endpoint !== "string") return undefined;
  const parsed = parseGoURL(endpoint);
  if (!parsed.ok) return undefined;
  const u = parsed.url;
  const host = urlHostname(u);
  if (host === "" || (u.scheme !== "http" && u.scheme !== "https")) return undefined;
  const portText = urlPort(u);
  const port = portText === "" ? (DEFAULT_PORT[u.scheme] as number) : Number(portText);
  const appProtocol = u.scheme === "https" ? "https" : "http";
  if (viaConnector) {
    return { scheme: u.scheme, host, port, appProtocol, addressType: "FQDN", address: CONNECTOR_PLACEHOLDER_ADDRESS, isIP: false, connector: true };
  }
  const ip = ipAddress(host);
  if (ip) return { scheme: u.scheme, host, port, appProtocol, addressType: ip.type, address: ip.address, isIP: true, connector: false };
  return { scheme: u.scheme, host, port, appProtocol, addressType: "FQDN", address: host, isIP: false, connector: false };
}

/**
 * The name the backend's certificate must carry (BackendTLSPolicy hostname), independent of any
 * Host override: the endpoint's FQDN, or `tls.hostname` for HTTPS to an IP. None for HTTP to an
 * IP and for connector backends.
 */
export function certHostname(t: EndpointTarget, tlsHostname: unknown): string | undefined {
  if (t.connector) return undefined;
  if (!t.isIP) return isUnknown(t.host) ? UNKNOWN : t.host.toLowerCase();
  if (t.scheme === "https" && typeof tlsHostname === "string" && tlsHostname !== "") return tlsHostname.toLowerCase();
  return undefined;
}

/**
 * The Host the backend receives: the certificate hostname, replaced by the user's override when
 * there is one. HTTP-to-IP and connector backends get no rewrite — NSO drops the override there
 * too (the Host entry is still stripped from the header modifiers).
 */
export function rewriteHostname(t: EndpointTarget, tlsHostname: unknown, override: string | undefined): string | undefined {
  const cert = certHostname(t, tlsHostname);
  if (cert === undefined) return undefined;
  return override === undefined ? cert : override.toLowerCase();
}
