import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { ensureNamespace } from "../../claims/hostname-claims";
import { isFieldManagerConflict, type KubeClient, type KubeObject } from "../../kube";
import type { EngineSettings } from "../settings";

/**
 * Who may say a Domain is verified. The Domain record is a ConfigMap in the Domain's namespace,
 * which anyone allowed to write ConfigMaps there can edit; so the verified status the provider
 * writes is signed (HMAC-SHA256) with a key only the provider's identity has, over the record's
 * namespace, name, uid, domain name and token, and a status whose signature does not check out is
 * read as no status at all: the provider checks DNS itself before admitting a hostname.
 *
 * The key is `datum:domainSigningKey` when set (a Pulumi secret; every stack that shares Domains
 * on the cluster sets the same), else a random key the provider keeps in a Secret in the
 * hostname-claim namespace — the provider's own namespace, which tenants must not be able to read.
 */

export const DOMAIN_KEY_SECRET = "pulumi-datum-domain-signing-key";
const KEY_FIELD = "key";

/** What a signature covers: moving or copying a signed status to another record breaks it. */
export interface SignedStatusFields {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly domainName: string;
  readonly token: string;
  /** data.status exactly as stored. */
  readonly status: string;
}

export type DomainSigningKey = Buffer;

function mac(key: DomainSigningKey, f: SignedStatusFields): Buffer {
  return createHmac("sha256", key).update(JSON.stringify([f.namespace, f.name, f.uid, f.domainName, f.token, f.status])).digest();
}

export function signDomainStatus(key: DomainSigningKey, f: SignedStatusFields): string {
  return mac(key, f).toString("base64");
}

export function verifyDomainStatus(key: DomainSigningKey, f: SignedStatusFields, signature: unknown): boolean {
  if (typeof signature !== "string") return false;
  const got = Buffer.from(signature, "base64");
  const want = mac(key, f);
  return got.length === want.length && timingSafeEqual(got, want);
}

const cached = new WeakMap<KubeClient, DomainSigningKey>();

function configured(settings: EngineSettings): DomainSigningKey | undefined {
  return settings.domainSigningKey !== undefined ? Buffer.from(settings.domainSigningKey, "utf8") : undefined;
}

/**
 * The key to check signatures with; undefined while the cluster has none yet (then no status is
 * signed, and reading creates nothing: a refused operation writes nothing).
 */
export async function readingKey(client: KubeClient, settings: EngineSettings, signal?: AbortSignal): Promise<DomainSigningKey | undefined> {
  const key = configured(settings) ?? cached.get(client) ?? keyOf(await client.get(keyRef(settings.hostnameClaimNamespace), signal ? { signal } : {}));
  if (key !== undefined && settings.domainSigningKey === undefined) cached.set(client, key);
  return key;
}

/** The key to sign a status with: created in the cluster on first use when none is configured. */
export async function writingKey(client: KubeClient, settings: EngineSettings, signal?: AbortSignal): Promise<DomainSigningKey> {
  const key = (await readingKey(client, settings, signal)) ?? (await createClusterKey(client, settings.hostnameClaimNamespace, signal));
  if (settings.domainSigningKey === undefined) cached.set(client, key);
  return key;
}

function keyRef(namespace: string) {
  return { apiVersion: "v1", kind: "Secret", namespace, name: DOMAIN_KEY_SECRET };
}

function keyOf(secret: KubeObject | undefined): DomainSigningKey | undefined {
  const data = secret?.["data"];
  const v = data !== null && typeof data === "object" ? (data as Record<string, unknown>)[KEY_FIELD] : undefined;
  return typeof v === "string" && v !== "" ? Buffer.from(v, "base64") : undefined;
}

async function createClusterKey(client: KubeClient, namespace: string, signal?: AbortSignal): Promise<DomainSigningKey> {
  const opts = signal ? { signal } : {};
  await ensureNamespace(client, namespace, signal);
  const fresh = randomBytes(32);
  try {
    // A field manager of its own: two stacks racing to create the key conflict instead of overwriting each other.
    await client.apply(
      { apiVersion: "v1", kind: "Secret", metadata: { name: DOMAIN_KEY_SECRET, namespace }, type: "Opaque", data: { [KEY_FIELD]: fresh.toString("base64") } },
      { fieldManager: `pulumi-datum-key-${randomBytes(6).toString("hex")}`, force: false, ...opts },
    );
    return fresh;
  } catch (e) {
    if (!isFieldManagerConflict(e)) throw e;
    const won = keyOf(await client.get(keyRef(namespace), opts));
    if (won === undefined) throw e;
    return won;
  }
}
