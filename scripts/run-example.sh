#!/usr/bin/env bash
# The main job: builds the quick-start program and runs it on a fresh SQLite file. The guarded
# call is refused, the migration is recorded, the same call is allowed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target quickstart -j "$(nproc)" >/dev/null
workdir=$(mktemp -d "${TMPDIR:-/tmp}/massmigration-example-XXXXXX")
trap 'rm -rf "$workdir"' EXIT
build/examples/quickstart/quickstart "$workdir/shop.db"
