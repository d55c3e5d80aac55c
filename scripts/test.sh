#!/usr/bin/env bash
# Builds massmigration the ways its users build it and runs every test. Warnings are errors
# here (MASSMIGRATION_WERROR), never for consumers.
#   1. Release build with GCC: the whole suite.
#   2. AddressSanitizer + UndefinedBehaviorSanitizer (GCC, Debug): the whole suite; the first
#      report stops the test that made it.
#   3. ThreadSanitizer (GCC, RelWithDebInfo): every suite that starts threads.
#   4. The library, its adapters and the CLI in GCC MinSizeRel, the build type no step above
#      compiles (steps 1-3 compile GCC's -O3, -O0 and -O2, whose warnings differ). Step
#      "every-build-type" builds all seven other combinations of GCC and Clang instead.
#   5. The fuzzers, each for a short while (scripts/fuzz.sh runs them longer), and with them
#      the library, its adapters and the CLI with Clang RelWithDebInfo, whose -Wthread-safety
#      checks the lock annotations. Clang warns nearly only from its front end, so its other
#      build types differ from this one only in code generation.
#   lint (first): no function over 60 lines in src/ and adapters/ (scripts/function_size.sh).
# Each ctest run starts its own throwaway PostgreSQL server on a free loopback port (fixture
# "postgres") and stops it at the end, also when tests fail.
#
# MASSMIGRATION_TEST_STEPS selects steps by name, e.g.
#   MASSMIGRATION_TEST_STEPS="asan build-types" scripts/test.sh
# The default is "lint release asan tsan build-types fuzz", about 38 minutes on a 2-core
# machine with an empty compiler cache. New build directories use Ninja (CMAKE_GENERATOR to
# choose another); existing ones keep the generator they were made with.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
# Tests wait on servers, leases and their child processes more than they compute: twice as
# many as cores keep the cores busy (and the tests must pass so).
test_jobs=$((2 * jobs))
export CMAKE_GENERATOR=${CMAKE_GENERATOR:-Ninja}
steps=${MASSMIGRATION_TEST_STEPS:-lint release asan tsan build-types fuzz}

wants() { [[ " $steps " == *" $1 "* ]]; }
section() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }
configure() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -DMASSMIGRATION_WERROR=ON "$@" >/dev/null
}
passed=0
run_suite() {
  local dir=$1 log
  shift
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j "$test_jobs" "$@" | tee "$log"
  passed=$((passed + $(sed -n 's/.* tests failed out of \([0-9]*\)$/\1/p' "$log" | tail -1)))
  rm -f "$log"
}

if wants lint; then
  section "Lint: no function over 60 lines (clang-tidy)"
  scripts/function_size.sh build-tidy
fi

if wants release; then
  section "Release build (GCC), whole suite"
  configure build -DCMAKE_BUILD_TYPE=Release
  cmake --build build -j "$jobs"
  run_suite build
fi

if wants asan; then
  section "AddressSanitizer + UndefinedBehaviorSanitizer (GCC, Debug), whole suite"
  configure build-asan -DCMAKE_BUILD_TYPE=Debug -DMASSMIGRATION_SANITIZE=address,undefined \
    -DMASSMIGRATION_BUILD_BENCHMARKS=OFF
  cmake --build build-asan -j "$jobs"
  ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0" \
    LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    run_suite build-asan
fi

if wants tsan; then
  section "ThreadSanitizer (GCC, RelWithDebInfo), every suite that starts threads"
  configure build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMASSMIGRATION_SANITIZE=thread \
    -DMASSMIGRATION_BUILD_BENCHMARKS=OFF
  cmake --build build-tsan -j "$jobs"
  # Nearly every suite starts threads (guards, stores, runners, servers); the few that do not
  # cost little, so all of them run.
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
    run_suite build-tsan
fi

builds=()
if wants every-build-type; then
  builds=(g++:Debug g++:RelWithDebInfo g++:MinSizeRel
    clang++:Debug clang++:Release clang++:RelWithDebInfo clang++:MinSizeRel)
elif wants build-types; then
  builds=(g++:MinSizeRel)
fi
if ((${#builds[@]} > 0)); then
  section "Library, adapters and CLI in other build types"
  for build in "${builds[@]}"; do
    compiler=${build%:*} type=${build#*:}
    echo "-- $compiler $type"
    dir=build-types/$compiler-$type
    configure "$dir" -DCMAKE_BUILD_TYPE=$type -DCMAKE_CXX_COMPILER=$compiler \
      -DMASSMIGRATION_BUILD_TESTS=OFF -DMASSMIGRATION_BUILD_BENCHMARKS=OFF \
      -DMASSMIGRATION_BUILD_EXAMPLES=OFF
    cmake --build "$dir" -j "$jobs"
  done
fi

if wants fuzz; then
  section "Fuzzers (Clang, libFuzzer), a short run each; the whole library with Clang"
  scripts/fuzz.sh 10
  echo "-- the library, its adapters and the CLI with Clang"
  cmake --build build-fuzz -j "$jobs"
fi

section "All steps passed: $steps"
echo "test.sh: $passed passed, 0 failed"
