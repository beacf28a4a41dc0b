// The binaries built by `make infra-tools` exist and report the pinned versions.
// (The build itself runs before vitest, from the Makefile — never inside a test.)
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { crdFiles, requireTools, VERSIONS } from "./tools.ts";

describe("infra tools", () => {
  it("kube-apiserver reports the pinned version", () => {
    const { kubeApiserver } = requireTools("kubeApiserver");
    expect(execFileSync(kubeApiserver, ["--version"], { encoding: "utf8" }).trim()).toBe(`Kubernetes ${VERSIONS.kube}`);
  });

  it("etcd reports the pinned version", () => {
    const { etcd } = requireTools("etcd");
    expect(execFileSync(etcd, ["--version"], { encoding: "utf8" })).toContain(`etcd Version: ${VERSIONS.etcd.slice(1)}`);
  });

  it("pulumi version runs", () => {
    const { pulumi } = requireTools("pulumi", "pulumiLanguageNodejs");
    const out = execFileSync(pulumi, ["version"], { encoding: "utf8", env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "1" } });
    expect(out.trim()).toBe(VERSIONS.pulumi);
  });

  it("CRD YAML is in the cache", () => {
    const files = crdFiles();
    const names = files.map((f) => f.split("/").pop());
    for (const n of [
      "gateway.networking.k8s.io_gateways.yaml",
      "gateway.networking.k8s.io_httproutes.yaml",
      "gateway.networking.k8s.io_gatewayclasses.yaml",
      "gateway.networking.k8s.io_backendtlspolicies.yaml",
      "gateway.networking.k8s.io_referencegrants.yaml",
      "gateway.envoyproxy.io_securitypolicies.yaml",
      "gateway.envoyproxy.io_backendtrafficpolicies.yaml",
      "gateway.envoyproxy.io_httproutefilters.yaml",
      "gateway.envoyproxy.io_backends.yaml",
      "gateway.envoyproxy.io_envoypatchpolicies.yaml",
      "gateway.envoyproxy.io_clienttrafficpolicies.yaml",
      "cert-manager.io_certificates.yaml",
      "dnsendpoints.externaldns.k8s.io.yaml",
    ]) {
      expect(names).toContain(n);
    }
  });
});
