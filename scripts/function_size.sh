#!/usr/bin/env bash
# No function over 60 lines in src/ and adapters/ (STYLE.md): clang-tidy's
# readability-function-size over every source file there and the headers they include from
# there. A lambda's lines count towards the function that holds it. Prints each finding and
# exits non-zero when there is any. Needs only a configured Clang build directory (a
# compilation database), not a build: the first argument, default build-tidy. Further
# arguments narrow the check to those source files.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build-tidy}
shift $(($# > 0 ? 1 : 0))
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DMASSMIGRATION_BUILD_TESTS=OFF -DMASSMIGRATION_BUILD_BENCHMARKS=OFF \
  -DMASSMIGRATION_BUILD_EXAMPLES=OFF >/dev/null
report=$(mktemp)
trap 'rm -f "$report"' EXIT
status=0
{ if (($# > 0)); then printf '%s\0' "$@"; else find src adapters -name '*.cc' -print0; fi; } | sort -z |
  xargs -0 -n 4 -P "$(nproc)" clang-tidy -p "$dir" --quiet \
    --checks='-*,readability-function-size' --warnings-as-errors='readability-function-size' \
    --header-filter="^$PWD/(src|adapters)/" \
    --config='{CheckOptions: [{key: readability-function-size.LineThreshold, value: 60}]}' \
    >"$report" 2>/dev/null || status=$?
findings=$(grep -E ': (warning|error): |: note: [0-9]+ lines' "$report" | sort -u || true)
if ((status != 0)) || [[ -n $findings ]]; then
  echo "function_size: functions over 60 lines (or files clang-tidy could not read):" >&2
  printf '%s\n' "${findings:-$(cat "$report")}" >&2
  exit 1
fi
echo "function_size: no function over 60 lines in src/ and adapters/"
