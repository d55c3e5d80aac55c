#!/usr/bin/env bash
# The main job: the shop example on fresh SQLite files. A guarded function and a guarded HTTP
# handler refuse, `shop-manage migrate_all` applies every migration on its database,
# `shop-manage showmigrations` shows where each stands, and the same calls then succeed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build --target shop-manage -j "$(nproc)" >/dev/null
manage=$PWD/build/examples/shop/shop-manage

workdir=$(mktemp -d "${TMPDIR:-/tmp}/massmigration-shop-XXXXXX")
trap 'rm -rf "$workdir"' EXIT
cp examples/shop/massmigration.toml "$workdir/"
mkdir "$workdir/data"
cd "$workdir"

step() { printf '\n$ shop-manage %s\n' "$*"; }
expect_refusal() {
  step "$@"
  if "$manage" "$@" 2>&1; then
    echo "run-example: expected shop-manage $* to be refused before migrate_all" >&2
    exit 1
  fi
}

expect_refusal products
expect_refusal http-demo
step migrate_all
"$manage" migrate_all
step showmigrations
"$manage" showmigrations
step products
"$manage" products
step http-demo
"$manage" http-demo 2>&1
