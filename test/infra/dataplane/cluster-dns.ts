// The data plane's DNS, as a cluster's DNS would be for its Pods: a PowerDNS inside the network
// namespace on port 53, named by the namespace's resolv.conf, so Envoy (its c-ares resolver) resolves
// the FQDN endpoints of HTTPProxy backends there. Tests publish their backends' names in ZONE.
import { startPowerDns, type PowerDns } from "../powerdns.ts";
import type { NetNs } from "./netns.ts";

/** The zone of the backend hostnames the data plane resolves. */
export const BACKEND_ZONE = "backends.example";

export interface ClusterDns {
  readonly zone: string;
  readonly server: PowerDns;
  /** Publishes `<label>.<zone>` → address; returns the name. */
  publish(label: string, address: string): Promise<string>;
  stop(): Promise<void>;
}

/** Must run before the namespace's Envoy starts: `ip netns exec` binds resolv.conf when a process starts. */
export async function startClusterDns(ns: NetNs): Promise<ClusterDns> {
  const server = await startPowerDns({ netns: ns, dnsPort: 53 });
  try {
    await server.createZone(BACKEND_ZONE);
  } catch (e) {
    await server.stop();
    throw e;
  }
  ns.setEtcFile("resolv.conf", "nameserver 127.0.0.1\noptions attempts:2 timeout:1\n");
  return {
    zone: BACKEND_ZONE,
    server,
    publish: async (label, address) => {
      const name = `${label}.${BACKEND_ZONE}`;
      await server.setRecord(BACKEND_ZONE, name, "A", [address]);
      return name;
    },
    stop: () => server.stop(),
  };
}
