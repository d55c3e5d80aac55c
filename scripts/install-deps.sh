#!/usr/bin/env bash
# Installs the Debian 12 packages massmigration builds and tests with, and the browser tests'
# driver with npm (Node.js 20 or later must be there). Idempotent: does nothing when they are
# all present. Run as root (or through sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libabsl-dev libsqlite3-dev libtomlplusplus-dev libcpp-httplib-dev libpqxx-dev libpq-dev
  libkainjow-mustache-dev nlohmann-json3-dev libargon2-dev prometheus-cpp-dev
  postgresql-15
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev clang-tidy
  gcovr
  chromium
)

# The browser tests' driver, pinned in tests/browser/package-lock.json; it downloads no
# browser (they use Debian's chromium above).
install_browser_driver() {
  local dir=tests/browser
  if [[ -f $dir/node_modules/playwright-core/package.json ]] &&
    grep -q "\"version\": \"$(sed -n 's/.*"playwright-core": "\(.*\)".*/\1/p' $dir/package.json)\"" \
      "$dir/node_modules/playwright-core/package.json"; then
    return
  fi
  if ! command -v npm >/dev/null; then
    echo "install-deps: npm not found; install Node.js 20 or later, whose npm installs" \
      "the browser tests' driver (playwright-core)" >&2
    exit 1
  fi
  echo "install-deps: npm ci in $dir" >&2
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}
cd "$(dirname "$0")/.."

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  install_browser_driver
  exit 0
fi

sudo=()
if ((EUID != 0)); then sudo=(sudo); fi
echo "install-deps: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
install_browser_driver
