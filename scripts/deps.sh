#!/usr/bin/env bash
# Installs what Domicile needs to build, test and run, from Debian 12 packages.
# Idempotent: when everything is installed it changes nothing and asks no mirror.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev zlib1g-dev
  libboost1.74-dev libboost-system1.74-dev
  nlohmann-json3-dev libsimdjson-dev
  librocksdb-dev libpq-dev postgresql-15
  libvectorscan-dev libre2-dev libphonenumber-dev
  libspdlog-dev libfmt-dev libcli11-dev libyaml-cpp-dev
  wrk nginx-light  # bench/gateway_wrk.sh: load generator and the static-file baseline
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
