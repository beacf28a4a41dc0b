import { DEFAULT_DOMAIN_VERIFICATION, type DomainVerificationSettings } from "./settings";

/**
 * What the user must publish to prove ownership — NSO's `status.verification.dnsRecord` and
 * `status.verification.httpToken`, field for field, so outputs can feed DNS-provider resources.
 */
export interface DnsVerificationRecord {
  /** `<prefix>.<domainName>`, no trailing dot (as NSO writes it). */
  readonly name: string;
  readonly type: "TXT";
  readonly content: string;
}

export interface HttpVerificationToken {
  /** `http://<domainName>/<path>/<id>`. */
  readonly url: string;
  readonly body: string;
}

export interface VerificationRecords {
  readonly dnsRecord: DnsVerificationRecord;
  readonly httpToken: HttpVerificationToken;
}

export interface VerificationRecordsInput {
  readonly domainName: string;
  /** The UUIDv4 from token.ts, kept for the life of the Domain. */
  readonly token: string;
  /**
   * Last path segment of the HTTP token URL. NSO uses the Domain's metadata.uid; the provider
   * passes the uid of the Domain object it created.
   */
  readonly id: string;
}

export function verificationRecords(
  input: VerificationRecordsInput,
  settings: Pick<DomainVerificationSettings, "dnsRecordPrefix" | "httpTokenPath"> = DEFAULT_DOMAIN_VERIFICATION,
): VerificationRecords {
  return {
    dnsRecord: { name: `${settings.dnsRecordPrefix}.${input.domainName}`, type: "TXT", content: input.token },
    httpToken: { url: `http://${input.domainName}/${settings.httpTokenPath}/${input.id}`, body: input.token },
  };
}

/** The absolute name NSO looks up (a trailing dot keeps resolvers from applying search domains). */
export function txtLookupName(record: DnsVerificationRecord): string {
  return record.name.endsWith(".") ? record.name : `${record.name}.`;
}
