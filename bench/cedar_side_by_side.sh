#!/usr/bin/env bash
# Domicile's Cedar engine next to the official Cedar build from the npm
# registry (@cedar-policy/cedar-wasm, version pinned by
# bench/cedar-wasm/package-lock.json) on the same policies, entities and
# requests: bench_cedar measures and exports its workloads, then
# bench/cedar-wasm/bench.mjs checks cedar-wasm reaches the same answers and
# prints both figures with the ratio. Installs Node.js/npm (Debian packages)
# only when absent, and the npm package only when bench/cedar-wasm/node_modules
# is absent. Usage: bench/cedar_side_by_side.sh [cpp_rounds] [wasm_rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
[ -d bench/cedar-wasm/node_modules ] || (cd bench/cedar-wasm && npm ci --no-audit --no-fund)

bash scripts/deps.sh
source scripts/env.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOMICILE_BUILD_BENCH=ON \
  -DDOMICILE_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench --target bench_cedar

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
build-bench/bin/bench_cedar --rounds "${1:-2000}" --export "$out"
echo
node bench/cedar-wasm/bench.mjs "$out" "${2:-20}"
