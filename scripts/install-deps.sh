#!/usr/bin/env bash
# Installs the Debian 12 packages massmigration builds and tests with. Idempotent: does nothing
# when they are all present. Run as root (or through sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libabsl-dev libsqlite3-dev libtomlplusplus-dev libcpp-httplib-dev libpqxx-dev libpq-dev
  libkainjow-mustache-dev nlohmann-json3-dev libargon2-dev prometheus-cpp-dev
  postgresql-15
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-tidy
  gcovr
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
