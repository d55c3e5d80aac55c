#!/usr/bin/env bash
# Measures how much of the library the test suite runs: a Debug build instrumented for gcov
# (MASSMIGRATION_COVERAGE) in build-coverage, the whole suite through ctest, then gcovr's line
# and branch figures per file and in total over src/ and adapters/ (the tests themselves are
# not counted). Branches that only exist for exception unwinding are left out
# (--exclude-throw-branches): no test can take them.
#
#   scripts/coverage.sh [CTEST_ARGS...]     e.g. scripts/coverage.sh -R core_test
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
dir=build-coverage

cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DMASSMIGRATION_COVERAGE=ON \
  -DMASSMIGRATION_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$dir" -j "$jobs"
# Counters add up across runs: start from zero so the figures are this run's.
find "$dir" -name '*.gcda' -delete
ctest --test-dir "$dir" --output-on-failure -j "$jobs" "$@" || status=$?

# gcovr leaves gcov's intermediate files behind when it fails.
trap 'rm -f ./*##*.gcov "$dir"/*##*.gcov' EXIT
# gcov runs once, into a tracefile; both reports read it. gcov's complaints about files outside
# the library (a killed worker's missing counters) go to a log of their own.
gcovr --root . --object-directory "$dir" --filter 'src/' --filter 'adapters/' \
  --exclude-throw-branches --json "$dir/coverage.json" 2>"$dir/gcovr.log" || {
  tail -5 "$dir/gcovr.log" >&2
  echo "coverage.sh: gcovr failed; its whole log is $dir/gcovr.log" >&2
  exit 1
}
report=(gcovr --root . --add-tracefile "$dir/coverage.json" --sort-percentage)
echo "== lines per file (lowest first)"
"${report[@]}"
echo "== branches per file (lowest first), then the totals"
"${report[@]}" --branches --print-summary
exit "${status:-0}"
