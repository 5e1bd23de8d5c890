#!/usr/bin/env bash
# Installs the dependencies, builds the `domicile` binary and runs the main job.
# Until the gateway exists, the main job is a demonstration of the audit log.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
source scripts/env.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target domicile
exec bash scripts/demo-log.sh build/bin/domicile
