#!/usr/bin/env bash
# Builds squeezefs and runs the whole test suite: the normal build, the same suite under
# AddressSanitizer + UndefinedBehaviorSanitizer, the threaded parts under ThreadSanitizer, a
# formatting check, and a short run of every fuzz target. Installs its own dependencies.
# Usage: bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
mkdir -p build
fuzz_seconds=${SQUEEZEFS_FUZZ_SECONDS:-15}
# Sanitizer builds keep line tables only (enough for symbolised reports): a fifth less compile time.
lines_only=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")

echo "== format check (after ${SECONDS}s)"
clang-format-14 --dry-run --Werror $(git ls-files '*.cpp' '*.h')
bash scripts/check_layers.sh; bash tests/setup/check_layers_test.sh

echo "== release build and tests (after ${SECONDS}s)"
bash scripts/build.sh build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo
ctest --test-dir build/release --output-on-failure -j 2

echo "== address + undefined behaviour sanitizers (after ${SECONDS}s)"
bash scripts/build.sh build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo "${lines_only[@]}" \
  -DSQUEEZEFS_SANITIZE=address,undefined
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan --output-on-failure -j 2

echo "== thread sanitizer: data path, real mounts, online maintenance, metadata stores (after ${SECONDS}s)"
SQUEEZEFS_BUILD_TARGET=thread_checks bash scripts/build.sh build/tsan \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${lines_only[@]}" -DSQUEEZEFS_SANITIZE=thread
reports=$PWD/build/tsan/reports
rm -rf "$reports" && mkdir -p "$reports"
# A mounted daemon's stderr is /dev/null, so every process writes its reports to files.
# One test waits a fixed time for the background compaction, too short at ThreadSanitizer's
# speed, and one repeats a single-threaded round 10,000 times; both run in the two stages above.
timed=OnlineMaintTest.given_dead_space_past_the_limit_then_compacted_in_the_background
timed+=:PosixTimeTest.given_create_when_written_at_once_then_mtime_never_goes_back
for test in core_test block_store_contract_test metadata_store_test integration_test store_tools_test; do
  echo "-- $test"
  TSAN_OPTIONS="halt_on_error=0 log_path=$reports/race" "build/tsan/bin/$test" \
    --gtest_filter="-$timed" > "build/tsan/$test.log" 2>&1 ||
    { tail -80 "build/tsan/$test.log"; cat "$reports"/* 2>/dev/null; exit 1; }
  grep -E "^\[  PASSED  \]" "build/tsan/$test.log"
done
if compgen -G "$reports/race*" > /dev/null; then
  cat "$reports"/race*
  echo "ThreadSanitizer reported data races (above)"
  exit 1
fi

echo "== fuzz smoke run (${fuzz_seconds}s per target) (after ${SECONDS}s)"
CC=clang-14 CXX=clang++-14 SQUEEZEFS_BUILD_TARGET=fuzzers bash scripts/build.sh build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo "${lines_only[@]}" \
  -DSQUEEZEFS_SANITIZE=address,undefined -DSQUEEZEFS_BUILD_FUZZERS=ON -DSQUEEZEFS_BUILD_TESTS=ON
for target in build/fuzz/bin/fuzz_*; do
  name=$(basename "$target")
  corpus=build/fuzz/corpus/$name
  mkdir -p "$corpus"
  echo "-- $name"
  "$target" -max_total_time="$fuzz_seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=0 \
    "$corpus" > "build/fuzz/$name.log" 2>&1 || { tail -50 "build/fuzz/$name.log"; exit 1; }
  grep -E "^Done|#[0-9]+.*DONE" "build/fuzz/$name.log" | tail -1 || true
done
echo "== the README's run command on a fresh clone (after ${SECONDS}s)"
bash tests/setup/fresh_clone_run.sh

echo "== all checks passed (after ${SECONDS}s)"
