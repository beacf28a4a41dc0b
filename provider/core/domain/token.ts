import { createHash, randomBytes } from "node:crypto";

/**
 * The verification token NSO puts in both the TXT record and the HTTP token body: a UUIDv4,
 * generated once per Domain and kept (the provider keeps it in state; it must never be
 * regenerated on update or the user's DNS record would stop matching).
 */

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isVerificationToken(value: unknown): value is string {
  return typeof value === "string" && UUID_PATTERN.test(value);
}

/** RFC 4122 §4.4: 122 random bits with the version (4) and variant (10xx) bits forced. */
function uuidV4FromBytes(bytes: Uint8Array): string {
  const b = Uint8Array.from(bytes.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(b).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface TokenSource {
  /**
   * Pulumi's per-resource random seed (CheckRequest.randomSeed). With a seed the token is a pure
   * function of it, so `preview` and `up` of the same program show the same record.
   */
  readonly seed?: Uint8Array;
  /** Entropy source for the unseeded case (tests inject a fixed one). */
  readonly randomBytes?: (size: number) => Uint8Array;
}

export function newVerificationToken(source: TokenSource = {}): string {
  if (source.seed !== undefined && source.seed.length > 0) {
    // Domain-separated so the same seed used for other purposes never yields this token.
    const digest = createHash("sha256").update("pulumi-datum/domain-verification-token\0").update(source.seed).digest();
    return uuidV4FromBytes(digest);
  }
  const bytes = (source.randomBytes ?? randomBytes)(16);
  if (bytes.length < 16) throw new RangeError(`token entropy source returned ${bytes.length} bytes, want 16`);
  return uuidV4FromBytes(bytes);
}
