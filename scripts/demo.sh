#!/usr/bin/env bash
# `make demo`: examples/basic end to end on a throw-away local control plane.
#
#   1. starts etcd + kube-apiserver with the Gateway API / Envoy Gateway / cert-manager CRDs, the
#      real Envoy Gateway controller and Envoy (test/infra/dataplane), the real cert-manager with a
#      CA ClusterIssuer, a local PowerDNS, the real external-dns writing into it, the DNS actor that
#      publishes the Domain's verification record (what you would do at your DNS provider)
#      (test/e2e/cluster-services.ts), and a local HTTP backend next to Envoy;
#   2. logs the Pulumi CLI into a local file backend in a temp dir (no account, no network);
#   3. pulumi preview, pulumi up on examples/basic (dnsIntegration on, its catch-all rule to the local
#      backend), prints the stack outputs, the DNS records external-dns wrote, a real HTTPS request
#      through Envoy to the backend with the certificate's issuer, and the objects the provider
#      wrote, then pulumi destroy;
#   4. stops everything it started, by PID, on any exit (also Ctrl-C).
#
# Expects what `make setup infra-tools` provides (the Makefile target runs them first): Node 24 on
# PATH, node_modules, dist/, and the Pulumi CLI / kube-apiserver / etcd / Envoy Gateway / Envoy /
# cert-manager / external-dns / PowerDNS in the cache.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXAMPLE="$ROOT/examples/basic"
STACK=demo
NODE=(node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON)
cd "$ROOT"

bold() { if [[ -t 1 ]]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
step() { printf '\n'; bold "==> $*"; }
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }

# Every tool path comes from the infra harness, so the demo runs exactly what the tests run.
PULUMI="$("${NODE[@]}" -e 'import("./test/infra/tools.ts").then((m) => console.log(m.requireTools("pulumi", "pulumiLanguageNodejs", "etcd", "kubeApiserver", "crds").pulumi), (e) => { console.error(e.message); process.exit(1); })')"
LANGHOST_DIR="$(dirname "$("${NODE[@]}" -e 'import("./test/infra/tools.ts").then((m) => console.log(m.toolPaths().pulumiLanguageNodejs))')")"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-datum-demo.XXXXXX")"
STACK_CONFIG="$WORK/Pulumi.$STACK.yaml"
CLUSTER_UP=0
DATAPLANE_UP=0
SERVICES_UP=0
BACKEND_PID=
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  cd "$ROOT"
  if [[ -n $BACKEND_PID ]]; then kill "$BACKEND_PID" 2>/dev/null || true; fi
  if [[ $SERVICES_UP == 1 ]]; then "${NODE[@]}" test/e2e/cluster-services.ts stop "$WORK/services" >/dev/null || true; fi
  if [[ $DATAPLANE_UP == 1 ]]; then "${NODE[@]}" test/infra/dataplane/cli.ts stop "$WORK/dataplane" >/dev/null || true; fi
  if [[ $CLUSTER_UP == 1 ]]; then "${NODE[@]}" test/infra/cluster-cli.ts down "$WORK/cluster" >/dev/null || true; fi
  rm -f "$EXAMPLE/Pulumi.$STACK.yaml"
  rm -rf "$WORK"
  if [[ $code != 0 ]]; then bold "make demo failed (exit $code); everything it started has been stopped"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -e "$EXAMPLE/Pulumi.$STACK.yaml" ]]; then
  echo "examples/basic/Pulumi.$STACK.yaml exists; the demo creates (and removes) a stack named $STACK — move that file away first" >&2
  exit 1
fi

step "Starting a local control plane (etcd, kube-apiserver, Gateway API / Envoy Gateway / cert-manager CRDs)"
CLUSTER_UP=1
"${NODE[@]}" test/infra/cluster-cli.ts up "$WORK/cluster"
KUBECONFIG_FILE="$WORK/kubeconfig"
# Nothing below may reach another cluster.
export KUBECONFIG="$KUBECONFIG_FILE"

step "Starting the real Envoy Gateway v1.8.1 controller and Envoy (in a network namespace; the node agent runs Envoy)"
DATAPLANE_UP=1
"${NODE[@]}" test/infra/dataplane/cli.ts start "$KUBECONFIG_FILE" "$WORK/dataplane"
GATEWAY_ADDRESS="$(cat "$WORK/dataplane/address")"

step "Starting the real cert-manager v1.21.2 (CA ClusterIssuer datum-acme), PowerDNS, the real external-dns v0.20.0 and the DNS actor"
SERVICES_UP=1
"${NODE[@]}" test/e2e/cluster-services.ts start "$KUBECONFIG_FILE" "$WORK/services"
DNS_SERVER="$(cat "$WORK/services/dns-address")"

BACKEND_PORT=8100
step "Starting a local HTTP backend next to Envoy (network namespace $(cat "$WORK/dataplane/netns"), port $BACKEND_PORT)"
ip netns exec "$(cat "$WORK/dataplane/netns")" "${NODE[@]}" test/dataplane/echo-server.ts --name demo-web --port "$BACKEND_PORT" >"$WORK/backend.log" 2>&1 &
BACKEND_PID=$!
for _ in $(seq 1 100); do
  if grep -q listening "$WORK/backend.log"; then break; fi
  if ! kill -0 "$BACKEND_PID" 2>/dev/null; then cat "$WORK/backend.log" >&2; exit 1; fi
  sleep 0.1
done
grep -q listening "$WORK/backend.log" || { echo "the backend did not start" >&2; exit 1; }

export PULUMI_HOME="$WORK/pulumi-home"
export PULUMI_CONFIG_PASSPHRASE="demo"
export PULUMI_SKIP_UPDATE_CHECK=1
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
# The CLI, our Node.js language host; the examples find the provider plugin through Pulumi.yaml.
export PATH="$(dirname "$PULUMI"):$LANGHOST_DIR:$PATH"

# What `npm install` makes of the example's "@pulumi-datum/datum": "file:../.." dependency.
if [[ ! -e "$EXAMPLE/node_modules/@pulumi-datum/datum" ]]; then
  mkdir -p "$EXAMPLE/node_modules/@pulumi-datum"
  ln -s ../../../.. "$EXAMPLE/node_modules/@pulumi-datum/datum"
fi

cd "$EXAMPLE"
step "pulumi login file://$WORK/state (a local file backend)"
mkdir -p "$WORK/state"
pulumi login "file://$WORK/state"
pulumi stack init "$STACK"
# Keep the stack's config (and its encryption salt) out of the repository.
mv "Pulumi.$STACK.yaml" "$STACK_CONFIG"
cfg() { pulumi config set --config-file "$STACK_CONFIG" "$@"; }
cfg --secret kubeconfig "$KUBECONFIG_FILE"
cfg namespace default
cfg domain example.com
cfg --path 'dnsServers[0]' "$DNS_SERVER"
cfg dnsIntegration true
cfg webEndpoint "http://$GATEWAY_ADDRESS:$BACKEND_PORT"

step "pulumi preview   (guardrails run, the API server dry-runs the objects; nothing is written)"
t0=$(now_ms)
pulumi preview --config-file "$STACK_CONFIG"
PREVIEW_MS=$(( $(now_ms) - t0 ))

step "pulumi up   (Domain verified through the local DNS, then the proxy's objects applied and awaited)"
t0=$(now_ms)
pulumi up --yes --skip-preview --config-file "$STACK_CONFIG"
UP_MS=$(( $(now_ms) - t0 ))

step "pulumi stack output"
pulumi stack output

step "Objects the provider wrote to the cluster (label app.kubernetes.io/managed-by=pulumi-datum)"
(cd "$ROOT" && "${NODE[@]}" test/e2e/list-objects.ts "$KUBECONFIG_FILE" default)

step "A real request: shop.example.com resolved through the local DNS, HTTPS through Envoy to the local backend"
(cd "$ROOT" && "${NODE[@]}" test/e2e/demo-edge.ts "$KUBECONFIG_FILE" default "$DNS_SERVER" shop.example.com)

step "pulumi destroy"
t0=$(now_ms)
pulumi destroy --yes --skip-preview --config-file "$STACK_CONFIG"
DESTROY_MS=$(( $(now_ms) - t0 ))
(cd "$ROOT" && "${NODE[@]}" test/e2e/list-objects.ts "$KUBECONFIG_FILE" default)
pulumi stack rm --yes --force "$STACK" >/dev/null

step "Done: preview $(secs $PREVIEW_MS), up $(secs $UP_MS), destroy $(secs $DESTROY_MS). Stopping the control plane."
