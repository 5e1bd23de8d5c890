#!/usr/bin/env bash
# Installs the dependencies, builds Domicile with warnings as errors, runs every
# test; then builds again with AddressSanitizer + UndefinedBehaviorSanitizer and runs
# the tests again. Exit 0 only if both pass.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
source scripts/env.sh

echo "== release build (-Werror) =="
cmake -S . -B build -G Ninja "${DOMICILE_RELEASE_FLAGS[@]}" -DDOMICILE_WERROR=ON >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 900

echo "== sanitizer build (ASan + UBSan) =="
cmake -S . -B build-asan -G Ninja "${DOMICILE_SANITIZE_FLAGS[@]}" -DDOMICILE_WERROR=ON >/dev/null
cmake --build build-asan
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# Tests labelled "heavy" (large suites that only measure the same code again) run
# once, in the release build.
ctest --test-dir build-asan --output-on-failure -j "$(nproc)" --timeout 1200 -LE heavy
