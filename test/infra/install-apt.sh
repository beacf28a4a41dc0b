#!/usr/bin/env bash
# Idempotently installs the Debian packages listed in test/infra/apt-packages.txt.
# Does nothing (and needs no network) when all of them are already installed.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mapfile -t pkgs < <(sed -e 's/#.*//' -e '/^\s*$/d' "$HERE/apt-packages.txt")
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "[install-apt] all ${#pkgs[@]} packages present"
  exit 0
fi
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "[install-apt] installing: ${missing[*]}"
t0=$(date +%s)
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# pdns-server's package starts a system daemon on port 53 where systemd/invoke-rc.d runs; the
# tests start their own instance on loopback, so stop a system one if it was started.
if command -v systemctl >/dev/null && systemctl is-active --quiet pdns 2>/dev/null; then
  $SUDO systemctl stop pdns || true
fi
echo "[install-apt] done in $(( $(date +%s) - t0 )) s"
