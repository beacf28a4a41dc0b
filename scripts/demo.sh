#!/usr/bin/env bash
# `make demo`: examples/basic end to end on a throw-away local control plane.
#
#   1. starts etcd + kube-apiserver with the Gateway API / Envoy Gateway / cert-manager CRDs, the
#      real Envoy Gateway controller and Envoy (test/infra/dataplane), the status actor that plays
#      cert-manager, and a local DNS server that publishes the Domain's verification record (what
#      you would do at your DNS provider);
#   2. logs the Pulumi CLI into a local file backend in a temp dir (no account, no network);
#   3. pulumi preview, pulumi up on examples/basic, prints the stack outputs, a real request through
#      Envoy (the proxy's /docs redirect) and the objects the provider wrote, then pulumi destroy;
#   4. stops everything it started, by PID, on any exit (also Ctrl-C).
#
# Expects what `make setup infra-tools` provides (the Makefile target runs them first): Node 24 on
# PATH, node_modules, dist/, and the Pulumi CLI / kube-apiserver / etcd / PowerDNS in the cache.
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
ACTORS_UP=0
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  cd "$ROOT"
  if [[ $ACTORS_UP == 1 ]]; then "${NODE[@]}" test/e2e/status-actors.ts stop "$WORK/actors" >/dev/null || true; fi
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

step "Starting the cert-manager status actor and a local DNS server"
ACTORS_UP=1
"${NODE[@]}" test/e2e/status-actors.ts start "$KUBECONFIG_FILE" "$WORK/actors" --dns --real-envoy-gateway
DNS_SERVER="$(cat "$WORK/actors/dns-address")"

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

step "A real request through Envoy: GET http://$GATEWAY_ADDRESS/docs with Host: shop.example.com (the proxy's redirect rule)"
(cd "$ROOT" && "${NODE[@]}" -e '
  const http = require("node:http");
  const [address, host] = process.argv.slice(1);
  http.get({ host: address, port: 80, path: "/docs", headers: { host } }, (res) => {
    console.log(`HTTP/${res.httpVersion} ${res.statusCode}`);
    for (const [k, v] of Object.entries(res.headers)) console.log(`${k}: ${v}`);
    res.resume();
    res.on("end", () => process.exit(res.statusCode === 301 ? 0 : 1));
  }).on("error", (e) => { console.error(e.message); process.exit(1); });
' "$GATEWAY_ADDRESS" shop.example.com)

step "Objects the provider wrote to the cluster (label app.kubernetes.io/managed-by=pulumi-datum)"
(cd "$ROOT" && "${NODE[@]}" test/e2e/list-objects.ts "$KUBECONFIG_FILE" default)

step "pulumi destroy"
t0=$(now_ms)
pulumi destroy --yes --skip-preview --config-file "$STACK_CONFIG"
DESTROY_MS=$(( $(now_ms) - t0 ))
(cd "$ROOT" && "${NODE[@]}" test/e2e/list-objects.ts "$KUBECONFIG_FILE" default)
pulumi stack rm --yes --force "$STACK" >/dev/null

step "Done: preview $(secs $PREVIEW_MS), up $(secs $UP_MS), destroy $(secs $DESTROY_MS). Stopping the control plane."
