#!/usr/bin/env bash
# Installs the dependencies, builds the `domicile` binary and runs the main job.
# The main job is `domicile demo`: the gateway (`domicile serve`, embedded demo
# configuration) answering a scripted scenario, then its audit log verified and every
# request's entry proven. Then a short tour of the audit-log commands on their own.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
source scripts/env.sh
cmake -S . -B build -G Ninja "${DOMICILE_RELEASE_FLAGS[@]}" >/dev/null
cmake --build build --target domicile
build/bin/domicile demo
exec bash scripts/demo-log.sh build/bin/domicile
