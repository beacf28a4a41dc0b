// The test "cluster network": one Linux network namespace joined to the machine's own namespace by a
// veth pair. Everything that a real cluster would run on its pod network (the Envoy Gateway
// controller, Envoy, test backends, the data plane's DNS server) listens inside it, so nothing binds
// an address outside loopback in the machine's namespace; the machine reaches the namespace's side of
// the pair (`nsIp`) like a node reaches a load balancer address.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../procs.ts";

export interface NetNs {
  readonly name: string;
  /** Address of the machine's end of the veth pair (reachable from inside the namespace). */
  readonly hostIp: string;
  /** Address of the namespace's end (reachable from the machine): the load-balancer address. */
  readonly nsIp: string;
  /** argv prefix that runs a command inside the namespace. */
  exec(cmd: string, args: readonly string[]): { cmd: string; args: string[] };
  /** /etc/netns/<name>/<file> — bound over /etc/<file> for processes started with exec(). */
  setEtcFile(file: "resolv.conf" | "hosts", content: string): void;
  delete(): void;
}

const IFNAME_MAX = 15;

function usedSubnets(): Set<number> {
  const used = new Set<number>();
  for (const m of run("ip", ["-4", "-o", "addr"]).matchAll(/inet 10\.213\.(\d+)\./g)) used.add(Number(m[1]));
  return used;
}

/**
 * Creates namespace `dp-<tag>` with veth `<tag>h` (10.213.<n>.1/30, machine side) and `<tag>n`
 * (10.213.<n>.2/30, namespace side); `lo` is brought up inside. Root only.
 */
export function createNetNs(tag: string): NetNs {
  const name = `dp-${tag}`;
  const hostIf = `${tag}h`;
  const nsIf = `${tag}n`;
  if (hostIf.length > IFNAME_MAX) throw new Error(`network namespace tag too long: ${tag}`);
  const used = usedSubnets();
  const free = [...Array(250).keys()].map((i) => i + 1).filter((i) => !used.has(i));
  const n = free[Math.floor(Math.random() * free.length)];
  if (n === undefined) throw new Error("no free 10.213.<n>.0/30 subnet for the data-plane network namespace");
  const hostIp = `10.213.${n}.1`;
  const nsIp = `10.213.${n}.2`;
  run("ip", ["netns", "add", name]);
  const etcDir = join("/etc/netns", name);
  const ns: NetNs = {
    name,
    hostIp,
    nsIp,
    exec: (cmd, args) => ({ cmd: "ip", args: ["netns", "exec", name, cmd, ...args] }),
    setEtcFile: (file, content) => {
      mkdirSync(etcDir, { recursive: true });
      writeFileSync(join(etcDir, file), content);
    },
    delete: () => {
      // Deleting the namespace removes both ends of the veth pair.
      try {
        run("ip", ["netns", "delete", name]);
      } catch {
        /* already gone */
      }
      rmSync(etcDir, { recursive: true, force: true });
    },
  };
  try {
    run("ip", ["link", "add", hostIf, "type", "veth", "peer", "name", nsIf]);
    run("ip", ["link", "set", nsIf, "netns", name]);
    run("ip", ["addr", "add", `${hostIp}/30`, "dev", hostIf]);
    run("ip", ["link", "set", hostIf, "up"]);
    run("ip", ["-n", name, "addr", "add", `${nsIp}/30`, "dev", nsIf]);
    run("ip", ["-n", name, "link", "set", nsIf, "up"]);
    run("ip", ["-n", name, "link", "set", "lo", "up"]);
  } catch (e) {
    ns.delete();
    throw e;
  }
  return ns;
}
