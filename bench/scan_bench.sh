#!/usr/bin/env bash
# Runs bench_scan with its baseline: installs ripgrep (Debian package) only when
# `rg` is absent, then builds and runs the benchmark through scripts/bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v rg >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq ripgrep >/dev/null
fi
exec bash scripts/bench.sh bench_scan
