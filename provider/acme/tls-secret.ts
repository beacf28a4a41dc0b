/**
 * The Secret a Gateway listener references: `kubernetes.io/tls` with `tls.crt` (full chain) and
 * `tls.key`. Built as a plain object; provider/kube applies it.
 */
export interface TlsSecret {
  readonly apiVersion: "v1";
  readonly kind: "Secret";
  readonly type: "kubernetes.io/tls";
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
  };
  readonly data: { readonly "tls.crt": string; readonly "tls.key": string };
}

export const ANNOTATION_NOT_AFTER = "networking.datumapis.com/acme-not-after";
export const ANNOTATION_ISSUER = "networking.datumapis.com/acme-directory";

export interface TlsSecretInput {
  readonly name: string;
  readonly namespace: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly labels?: Record<string, string>;
  /** Recorded on the Secret so `kubectl get` shows when and from where it came. */
  readonly notAfter?: string;
  readonly directoryUrl?: string;
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

export function tlsSecretObject(input: TlsSecretInput): TlsSecret {
  const annotations: Record<string, string> = {};
  if (input.notAfter !== undefined) annotations[ANNOTATION_NOT_AFTER] = input.notAfter;
  if (input.directoryUrl !== undefined) annotations[ANNOTATION_ISSUER] = input.directoryUrl;
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/tls",
    metadata: {
      name: input.name,
      namespace: input.namespace,
      ...(input.labels !== undefined && { labels: input.labels }),
      ...(Object.keys(annotations).length > 0 && { annotations }),
    },
    data: { "tls.crt": b64(input.certificatePem), "tls.key": b64(input.privateKeyPem) },
  };
}
