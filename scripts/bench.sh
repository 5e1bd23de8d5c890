#!/usr/bin/env bash
# Builds and runs the benchmarks in bench/. Each prints its figures next to the
# baseline it is compared with, measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
source scripts/env.sh
cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DDOMICILE_BUILD_BENCH=ON \
  -DDOMICILE_BUILD_TESTS=OFF >/dev/null
cmake --build build-bench
for b in build-bench/bin/bench_*; do
  if [ -n "${1:-}" ] && [[ "$b" != *"$1"* ]]; then continue; fi
  echo "== $b =="
  "$b"
done
