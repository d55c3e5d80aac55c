#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, Clang, AddressSanitizer + UndefinedBehaviorSanitizer)
# in build-fuzz and runs each for SECONDS_PER_TARGET seconds (default 30; 0 runs only the seed
# inputs, once), one at a time, starting from its seed corpus in fuzz/corpus/TARGET. New inputs
# the fuzzer finds go to a scratch copy, never into the repository. Exits non-zero at the first
# crash, leak or failed property; libFuzzer prints the input and writes it as
# build-fuzz/crash-*.
# Needs no database server.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(key_fuzzer sqlite_url_fuzzer postgres_url_fuzzer toml_config_fuzzer cli_fuzzer)
fi

cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMASSMIGRATION_BUILD_FUZZERS=ON -DMASSMIGRATION_WERROR=ON -DMASSMIGRATION_BUILD_TESTS=OFF \
  -DMASSMIGRATION_BUILD_BENCHMARKS=OFF -DMASSMIGRATION_BUILD_EXAMPLES=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for target in "${targets[@]}"; do
  echo "== $target: ${seconds}s"
  corpus="$scratch/$target"
  mkdir -p "$corpus"
  cp fuzz/corpus/"${target%_fuzzer}"/* "$corpus"/
  dictionary=()
  dictionary_file=$PWD/fuzz/${target%_fuzzer}.dict
  if [[ -f $dictionary_file ]]; then dictionary=(-dict="$dictionary_file"); fi
  duration=(-max_total_time="$seconds")
  if ((seconds == 0)); then duration=(-runs=0); fi  # libFuzzer reads 0 s as "no limit"
  (cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "./fuzz/$target" "${duration[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "${dictionary[@]}" "$corpus")
done
