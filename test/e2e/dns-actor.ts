// Plays the user's DNS provider for Domain verification: watches the Domain records the provider
// keeps in the cluster (ConfigMaps labelled pulumi-datum.io/domain=true, see
// provider/lifecycle/domain/domain-record.ts) and, once a record's status asks for a TXT record, publishes
// it in a local PowerDNS — what a user does by hand with the `domainVerification` output. The
// provider, configured with `dnsServers: [<PowerDNS>]`, then verifies the Domain for real.
import { Watch, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import type { PowerDns } from "../infra/powerdns.ts";

/** Same value as DOMAIN_RECORD_LABEL in provider/lifecycle/domain/domain-record.ts (the e2e suite checks). */
export const DOMAIN_RECORD_LABEL = "pulumi-datum.io/domain";

export interface DnsActor {
  /** `name TXT content` of every record published so far. */
  published(): readonly string[];
  errors(): readonly string[];
  stop(): void;
}

interface DnsRecordRequest {
  readonly zone: string;
  readonly name: string;
  readonly content: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** The TXT record a Domain record's status asks for, if any. */
export function requestedRecord(cm: KubernetesObject & { data?: Record<string, string> }): DnsRecordRequest | undefined {
  const zone = cm.data?.["domainName"];
  const statusText = cm.data?.["status"];
  if (zone === undefined || statusText === undefined) return undefined;
  let status: unknown;
  try {
    status = JSON.parse(statusText);
  } catch {
    return undefined;
  }
  const record = isObj(status) && isObj(status["verification"]) ? status["verification"]["dnsRecord"] : undefined;
  if (!isObj(record) || typeof record["name"] !== "string" || typeof record["content"] !== "string") return undefined;
  return { zone, name: record["name"], content: record["content"] };
}

export async function startDnsActor(kc: KubeConfig, dns: PowerDns): Promise<DnsActor> {
  const zones = new Set<string>();
  const done = new Set<string>();
  const published: string[] = [];
  const errors: string[] = [];
  let chain = Promise.resolve();

  const publish = async (r: DnsRecordRequest): Promise<void> => {
    const key = `${r.name} TXT ${r.content}`;
    if (done.has(key)) return;
    if (!zones.has(r.zone)) {
      await dns.createZone(r.zone);
      zones.add(r.zone);
    }
    await dns.setRecord(r.zone, r.name, "TXT", [`"${r.content}"`], 5);
    done.add(key);
    published.push(key);
  };

  const watch = new Watch(kc);
  let stopped = false;
  let controller: AbortController | undefined;
  const start = async (): Promise<void> => {
    controller = await watch.watch(
      "/api/v1/configmaps",
      { labelSelector: `${DOMAIN_RECORD_LABEL}=true` },
      (type: string, obj: KubernetesObject) => {
        if (type !== "ADDED" && type !== "MODIFIED") return;
        const r = requestedRecord(obj);
        if (r === undefined) return;
        // One PowerDNS API call at a time: zone creation must precede the record.
        chain = chain.then(() => publish(r)).catch((e: unknown) => void errors.push(`${r.name}: ${String(e)}`));
      },
      (err: unknown) => {
        // Watches end (timeouts, apiserver restarts); resume unless stopped.
        if (stopped) return;
        if (err) errors.push(`watch: ${String(err)}`);
        setTimeout(() => void start().catch((e: unknown) => errors.push(`watch restart: ${String(e)}`)), 500);
      },
    );
  };
  await start();
  return {
    published: () => [...published],
    errors: () => [...errors],
    stop() {
      stopped = true;
      controller?.abort();
    },
  };
}
