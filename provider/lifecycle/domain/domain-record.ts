import { ownedLabels } from "../../core/render";
import { isVerificationToken, type Condition, type DomainStatus } from "../../core/domain";
import { SOURCE_ANNOTATION } from "../downstream";
import type { KubeClient, KubeObject } from "../../kube";
import { signDomainStatus, verifyDomainStatus, type DomainSigningKey } from "./domain-signature";
import { isObj, type Obj } from "../../core/json";

/**
 * Where a Domain lives in the cluster. NSO's Domain CRD is not installed in the clusters the
 * provider targets (and could not be obtained), so each Domain is a ConfigMap
 * `datum-domain-<name>` in the Domain's namespace: `data.domainName`, `data.token` (the UUIDv4)
 * and `data.status` (NSO's Domain status as JSON). HTTPProxies of every stack on the cluster read
 * these ConfigMaps to decide whether a hostname is verified, exactly as NSO's Gateway controller
 * reads Domain status. The ConfigMap's metadata.uid stands in for the Domain's uid in the HTTP
 * token URL.
 */

export const DOMAIN_RECORD_PREFIX = "datum-domain-";
/** Marks a ConfigMap as a Domain record; the label selector every Domain lookup uses. */
export const DOMAIN_RECORD_LABEL = "pulumi-datum.io/domain";
/**
 * `data.status` has its own server-side-apply field manager, always forced: status is written by
 * whoever verifies (the Domain's own stack, or an HTTPProxy of another stack checking a pending
 * Domain), while the rest of the ConfigMap belongs to the Domain's stack alone.
 */
export const DOMAIN_STATUS_FIELD_MANAGER = "pulumi-datum-domain-status";

/** A ConfigMap name is a DNS subdomain (≤ 253 characters). */
export const MAX_DOMAIN_NAME_LENGTH = 253 - DOMAIN_RECORD_PREFIX.length;

export function domainRecordName(name: string): string {
  return `${DOMAIN_RECORD_PREFIX}${name}`;
}

export interface DomainRecord {
  /** The Domain's metadata.name (not the ConfigMap's). */
  readonly name: string;
  readonly namespace: string;
  readonly domainName: string;
  /** Empty when the ConfigMap carries no valid token (hand-made or damaged). */
  readonly token: string;
  /** The ConfigMap's uid: the last segment of the HTTP token URL. */
  readonly uid: string;
  readonly status: DomainStatus | undefined;
  /** The inputs the Domain was created from (refresh/import), when annotated. */
  readonly source: Obj | undefined;
  readonly object: KubeObject;
}

function parseJson(text: unknown): unknown {
  if (typeof text !== "string") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const CONDITION_STATUSES = new Set(["True", "False", "Unknown"]);

function conditionOf(v: unknown): Condition | undefined {
  if (!isObj(v)) return undefined;
  const { type, status, reason, message, lastTransitionTime, observedGeneration } = v;
  if (typeof type !== "string" || typeof status !== "string" || !CONDITION_STATUSES.has(status)) return undefined;
  return {
    type,
    status: status as Condition["status"],
    reason: typeof reason === "string" ? reason : "",
    message: typeof message === "string" ? message : "",
    lastTransitionTime: typeof lastTransitionTime === "string" ? lastTransitionTime : "",
    ...(typeof observedGeneration === "number" ? { observedGeneration } : {}),
  };
}

/** NSO's Domain status as stored; anything malformed is dropped rather than trusted. */
export function parseDomainStatus(text: unknown): DomainStatus | undefined {
  const raw = parseJson(text);
  if (!isObj(raw) || !Array.isArray(raw["conditions"])) return undefined;
  const conditions = raw["conditions"].map(conditionOf).filter((c): c is Condition => c !== undefined);
  const status: { -readonly [K in keyof DomainStatus]: DomainStatus[K] } = { conditions };
  const v = raw["verification"];
  if (isObj(v) && isObj(v["dnsRecord"]) && isObj(v["httpToken"])) {
    const d = v["dnsRecord"];
    const h = v["httpToken"];
    if (typeof d["name"] === "string" && typeof d["content"] === "string" && typeof h["url"] === "string" && typeof h["body"] === "string") {
      status.verification = {
        dnsRecord: { name: d["name"], type: "TXT", content: d["content"] },
        httpToken: { url: h["url"], body: h["body"] },
        ...(typeof v["nextVerificationAttempt"] === "string" ? { nextVerificationAttempt: v["nextVerificationAttempt"] } : {}),
        ...(typeof v["lastVerificationAttempt"] === "string" ? { lastVerificationAttempt: v["lastVerificationAttempt"] } : {}),
      };
    }
  }
  if (typeof raw["apex"] === "boolean") status.apex = raw["apex"];
  return status;
}

/** Key of the status signature in the record (written with `data.status`, by the same field manager). */
export const STATUS_SIGNATURE_KEY = "statusSignature";

/**
 * Reads a listed ConfigMap as a Domain record; undefined when it is not one. `data.status` counts
 * only with a valid signature (domain-signature.ts): a hand-written "verified" is no status.
 */
export function readDomainRecord(obj: KubeObject, key: DomainSigningKey | undefined): DomainRecord | undefined {
  if (obj.metadata.labels?.[DOMAIN_RECORD_LABEL] !== "true" || !obj.metadata.name.startsWith(DOMAIN_RECORD_PREFIX)) return undefined;
  const data = isObj(obj["data"]) ? obj["data"] : {};
  const domainName = data["domainName"];
  if (typeof domainName !== "string" || domainName === "") return undefined;
  const source = parseJson(obj.metadata.annotations?.[SOURCE_ANNOTATION]);
  const name = obj.metadata.name.slice(DOMAIN_RECORD_PREFIX.length);
  const namespace = obj.metadata.namespace ?? "default";
  const token = isVerificationToken(data["token"]) ? data["token"] : "";
  const uid = obj.metadata.uid ?? "";
  const statusText = data["status"];
  const signed = key !== undefined && typeof statusText === "string" && verifyDomainStatus(key, { namespace, name, uid, domainName, token, status: statusText }, data[STATUS_SIGNATURE_KEY]);
  return {
    name,
    namespace,
    domainName,
    token,
    uid,
    status: signed ? parseDomainStatus(statusText) : undefined,
    source: isObj(source) ? source : undefined,
    object: obj,
  };
}

export interface DomainRecordContent {
  readonly namespace: string;
  readonly name: string;
  readonly domainName: string;
  readonly token: string;
  /** The Domain's inputs (metadata + spec), kept for refresh and import. */
  readonly source: Obj;
}

function stringMap(v: unknown): Record<string, string> {
  if (!isObj(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === "string"));
}

/**
 * The ConfigMap without `data.status` (that key has its own field manager). The Domain's own
 * labels and annotations are carried over so selectors and tooling written for the Domain work on
 * its record; the provider's labels win on a clash.
 */
export function domainRecordObject(c: DomainRecordContent): KubeObject {
  const meta = isObj(c.source["metadata"]) ? c.source["metadata"] : {};
  const { "pulumi.com/autonamed": _autonamed, ...annotations } = stringMap(meta["annotations"]);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: domainRecordName(c.name),
      namespace: c.namespace,
      labels: {
        ...stringMap(meta["labels"]),
        ...ownedLabels({ kind: "Domain", namespace: c.namespace, name: c.name }),
        [DOMAIN_RECORD_LABEL]: "true",
      },
      annotations: { ...annotations, [SOURCE_ANNOTATION]: JSON.stringify(c.source) },
    },
    data: { domainName: c.domainName, token: c.token },
  };
}

export function domainRecordRef(namespace: string, name: string): { apiVersion: string; kind: string; namespace: string; name: string } {
  return { apiVersion: "v1", kind: "ConfigMap", namespace, name: domainRecordName(name) };
}

/** The record a status is written for: what its signature covers. */
export interface StatusTarget {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly domainName: string;
  readonly token: string;
}

/** Writes NSO-shaped status into the record (the `/status` subresource NSO would write), signed. */
export async function writeDomainStatus(client: KubeClient, target: StatusTarget, key: DomainSigningKey, status: DomainStatus, signal?: AbortSignal): Promise<void> {
  const text = JSON.stringify(status);
  const signature = signDomainStatus(key, { ...target, status: text });
  await client.apply(
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: domainRecordName(target.name), namespace: target.namespace }, data: { status: text, [STATUS_SIGNATURE_KEY]: signature } },
    { fieldManager: DOMAIN_STATUS_FIELD_MANAGER, force: true, ...(signal ? { signal } : {}) },
  );
}

/** Every Domain record in a namespace (any stack's). */
export async function listDomainRecords(client: KubeClient, namespace: string, key: DomainSigningKey | undefined, signal?: AbortSignal): Promise<DomainRecord[]> {
  const list = await client.list({ apiVersion: "v1", kind: "ConfigMap", namespace, labelSelector: `${DOMAIN_RECORD_LABEL}=true` }, signal ? { signal } : {});
  return list.items.map((o) => readDomainRecord(o, key)).filter((r): r is DomainRecord => r !== undefined);
}
