// Test PKI generated with the openssl CLI (ECDSA P-256: fast to generate).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "./procs.ts";

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

export interface TestCA extends CertFiles {
  readonly dir: string;
  /** Issue a leaf certificate signed by this CA. */
  issue(name: string, opts: { cn: string; org?: string; dnsNames?: readonly string[]; ips?: readonly string[]; client?: boolean; server?: boolean }): CertFiles;
}

function genKey(path: string): void {
  run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]);
}

export function createCA(dir: string, cn = "pulumi-datum-test-ca"): TestCA {
  const key = join(dir, "ca.key");
  const cert = join(dir, "ca.crt");
  genKey(key);
  run("openssl", ["req", "-x509", "-new", "-key", key, "-sha256", "-days", "2", "-subj", `/CN=${cn}`, "-out", cert,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"]);
  let serial = 1;
  return {
    dir,
    key,
    cert,
    issue(name, o) {
      const k = join(dir, `${name}.key`);
      const csr = join(dir, `${name}.csr`);
      const c = join(dir, `${name}.crt`);
      const ext = join(dir, `${name}.ext`);
      genKey(k);
      const subj = `/CN=${o.cn}${o.org ? `/O=${o.org}` : ""}`;
      run("openssl", ["req", "-new", "-key", k, "-subj", subj, "-out", csr]);
      const san = [...(o.dnsNames ?? []).map((d) => `DNS:${d}`), ...(o.ips ?? []).map((i) => `IP:${i}`)];
      const eku = [o.server !== false ? "serverAuth" : undefined, o.client ? "clientAuth" : undefined].filter((x) => x !== undefined);
      const lines = [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        `extendedKeyUsage=${eku.join(",")}`,
      ];
      if (san.length > 0) lines.push(`subjectAltName=${san.join(",")}`);
      writeFileSync(ext, lines.join("\n") + "\n");
      run("openssl", ["x509", "-req", "-in", csr, "-CA", cert, "-CAkey", key, "-set_serial", String(serial++), "-days", "2", "-sha256", "-extfile", ext, "-out", c]);
      return { cert: c, key: k };
    },
  };
}

/** An EC key pair for service-account token signing. */
export function createKeyPair(dir: string, name: string): { readonly privateKey: string; readonly publicKey: string } {
  const privateKey = join(dir, `${name}.key`);
  const publicKey = join(dir, `${name}.pub`);
  genKey(privateKey);
  run("openssl", ["pkey", "-in", privateKey, "-pubout", "-out", publicKey]);
  return { privateKey, publicKey };
}
