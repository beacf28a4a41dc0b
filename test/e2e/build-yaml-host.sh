#!/usr/bin/env bash
# Builds Pulumi's YAML language host (pulumi-language-yaml) for examples/yaml from the Go module
# proxy, next to the other test tools (test/infra/build-tools.sh): only when it is missing, so a
# warm run takes milliseconds. Cold: ~6 min on 2 cores (mostly module downloads).
#
#   test/e2e/build-yaml-host.sh              # build if missing
#   test/e2e/build-yaml-host.sh --print-path # print where the binary is (or would be) and exit
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${PULUMI_DATUM_CACHE:-$HOME/.cache/pulumi-datum}"
# Keep in sync with test/e2e/go/pulumi-yaml/go.mod and YAML_HOST_VERSION in test/e2e/tools.ts.
VERSION=v1.25.0
OUT="$CACHE/bin/pulumi-language-yaml-$VERSION/pulumi-language-yaml"

if [[ "${1:-}" == "--print-path" ]]; then
  echo "$OUT"
  exit 0
fi
if [[ -x "$OUT" ]]; then
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-yaml-host: Go is required to build pulumi-language-yaml (see test/infra/README.md)" >&2
  exit 1
fi

echo "[e2e-tools] building pulumi-language-yaml $VERSION (from github.com/pulumi/pulumi-yaml) ..." >&2
t0=$(date +%s)
mkdir -p "$(dirname "$OUT")"
(
  cd "$HERE/go/pulumi-yaml"
  CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" go build -trimpath -o "$OUT.tmp" \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=$VERSION" \
    github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
)
mv "$OUT.tmp" "$OUT"
echo "[e2e-tools] built pulumi-language-yaml in $(( $(date +%s) - t0 )) s -> $OUT" >&2
