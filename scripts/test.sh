#!/usr/bin/env bash
# Builds everything and runs every test: first the thread-heavy suites under ThreadSanitizer,
# then the whole suite (ctest) in the normal build. Each ctest run starts its own throwaway
# PostgreSQL server on a free loopback port (fixture "postgres") and stops it at the end, also
# when tests fail; if the server cannot start, the tests that need it fail.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)

echo "== ThreadSanitizer build: guards, stores and records under concurrency"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMASSMIGRATION_SANITIZE=thread -DMASSMIGRATION_WERROR=ON \
  -DMASSMIGRATION_BUILD_BENCHMARKS=OFF -DMASSMIGRATION_BUILD_EXAMPLES=OFF \
  -DMASSMIGRATION_WITH_HTTPLIB=OFF >/dev/null
cmake --build build-tsan --target concurrency_test race_starter core_test lifecycle_test pg_cluster \
  mapper_test mapper_worker sent_statements_test -j "$jobs"
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
  ctest --test-dir build-tsan --output-on-failure -j "$jobs" \
  -R '^(Engines/)?(GuardConcurrency|GuardResets|LaunchConcurrency|RecordStore|FaultyEnforcement|SqliteStore|Enforcement|Lifecycle|ThreadPoolShutdown|Mapper|SentStatements)\.'

echo "== Full build and test suite"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMASSMIGRATION_WERROR=ON >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"
