# Local test infrastructure (included from the main Makefile; uses its WITH_NODE and NODE_DEP).
#   make infra-tools   build etcd, kube-apiserver, pulumi CLI + language host, copy CRDs (only what
#                      is missing, into $${PULUMI_DATUM_CACHE:-~/.cache/pulumi-datum}) and install the
#                      Debian packages for pebble/PowerDNS; also Envoy Gateway, Envoy, cert-manager,
#                      external-dns, the Pulumi codegen wrapper, a Python venv and pulumi-resource-kubernetes
#                      (examples/platform). Cold: ≈ 45–60 min of builds on an idle 2-core machine (the
#                      Kubernetes provider alone ≈ 20+ min); warm: < 2 s.
#   make cluster       start etcd + kube-apiserver, the real Envoy Gateway + Envoy (test/infra/dataplane; the
#                      Gateways' address is in .local/dataplane/address), the real cert-manager (CA
#                      ClusterIssuer datum-acme), PowerDNS (.local/services/dns-address), the real
#                      external-dns and the Domain TXT publisher (test/e2e/cluster-services.ts) in the
#                      background; writes .local/kubeconfig
#   make cluster-down  stop them (by the PIDs recorded in .local/cluster/pids.json)
#   make test-infra    run only test/infra/*.test.ts
INFRA_DIR := test/infra
INFRA_STATE := .local/cluster

.PHONY: infra-tools infra-apt infra-k8s-provider cluster cluster-down test-infra test-infra-k8s-provider

infra-tools: infra-apt
	$(INFRA_DIR)/build-tools.sh

infra-apt:
	$(INFRA_DIR)/install-apt.sh

# Optional and slow: pulumi-resource-kubernetes from github.com/pulumi/pulumi-kubernetes/provider/v4.
infra-k8s-provider:
	$(INFRA_DIR)/build-tools.sh pulumi-resource-kubernetes

# The control plane, the real data plane (Envoy Gateway + Envoy, GatewayClass envoy-gateway), the
# real cert-manager and external-dns, and a local DNS server (Domain verification, dnsIntegration
# records), all in the background, stopped by PID.
cluster: infra-tools node_modules/.installed $(NODE_DEP)
	$(WITH_NODE) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON $(INFRA_DIR)/cluster-cli.ts up $(INFRA_STATE)
	$(WITH_NODE) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON $(INFRA_DIR)/dataplane/cli.ts start .local/kubeconfig .local/dataplane
	$(WITH_NODE) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON test/e2e/cluster-services.ts start .local/kubeconfig .local/services

cluster-down: $(NODE_DEP)
	-$(WITH_NODE) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON test/e2e/cluster-services.ts stop .local/services
	-$(WITH_NODE) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON $(INFRA_DIR)/dataplane/cli.ts stop .local/dataplane
	$(WITH_NODE) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON $(INFRA_DIR)/cluster-cli.ts down $(INFRA_STATE)

test-infra: infra-tools node_modules/.installed $(NODE_DEP)
	$(WITH_NODE) npx vitest run $(INFRA_DIR)

# Opt-in: pulumi up with pulumi-resource-kubernetes against the local API server.
test-infra-k8s-provider: infra-tools infra-k8s-provider node_modules/.installed $(NODE_DEP)
	$(WITH_NODE) npx vitest run -c $(INFRA_DIR)/vitest.k8s-provider.config.ts --root .
