#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz.
#
#   scripts/fuzz.sh TARGET SECONDS   one target for SECONDS
#   scripts/fuzz.sh all SECONDS      every target for SECONDS each, $JOBS at a time
#   scripts/fuzz.sh --list           the target names
#
# Configures and builds build/fuzz first when needed (clang++, -DSTRONGBOX_FUZZ=ON: libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer, asserts on). Each run works on a scratch copy
# of tests/fuzz/corpus/TARGET, so the committed seeds stay as they are. Exits non-zero if any
# target crashed, leaked, timed out or broke one of its properties, and names the input that did
# it (kept in the scratch directory): `build/fuzz/tests/fuzz/fuzz_TARGET INPUT` replays it.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR="${FUZZ_BUILD_DIR:-build/fuzz}"
JOBS="${JOBS:-$(nproc)}"
export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/tmp}/.cache/strongbox-ccache}"

usage() {
  echo "usage: scripts/fuzz.sh TARGET|all SECONDS  |  scripts/fuzz.sh --list" >&2
  exit 2
}

# One target per tests/fuzz/<name>_fuzz.cc.
mapfile -t TARGETS < <(cd tests/fuzz && ls -- *_fuzz.cc | sed 's/_fuzz\.cc$//')

[ $# -ge 1 ] || usage
if [ "$1" = "--list" ]; then
  printf '%s\n' "${TARGETS[@]}"
  exit 0
fi
[ $# -eq 2 ] || usage
case "$2" in
  '' | *[!0-9]* | 0) usage ;;
esac
SECONDS_EACH="$2"
if [ "$1" = "all" ]; then
  selected=("${TARGETS[@]}")
else
  [ -f "tests/fuzz/$1_fuzz.cc" ] || { echo "fuzz: no target '$1' (scripts/fuzz.sh --list)" >&2; exit 2; }
  selected=("$1")
fi

command -v clang++ >/dev/null || { echo "fuzz: clang++ is missing (scripts/setup.sh)" >&2; exit 1; }
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  # -O1 -g without NDEBUG: the usual libFuzzer trade of speed against stack traces, asserts on.
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DSTRONGBOX_FUZZ=ON -DSTRONGBOX_BUILD_TESTS=OFF >/dev/null
fi
build_targets=()
for t in "${selected[@]}"; do build_targets+=("fuzz_$t"); done
cmake --build "$BUILD_DIR" -j "$JOBS" --target "${build_targets[@]}"

# Sanitizer reports that name files and lines, and stop at the first error.
symbolizer="$(command -v llvm-symbolizer || command -v llvm-symbolizer-14 ||
  ls /usr/lib/llvm-14/bin/llvm-symbolizer 2>/dev/null || true)"
if [ -n "$symbolizer" ]; then export ASAN_SYMBOLIZER_PATH="$symbolizer"; fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}:abort_on_error=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}:halt_on_error=1"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/strongbox-fuzz.XXXXXX")"

# Runs one target into $SCRATCH/<target>/: corpus/ (the scratch copy), log, result.
run_target() {
  local target="$1" dir="$SCRATCH/$1" rc=0
  mkdir -p "$dir/corpus"
  if [ -d "tests/fuzz/corpus/$target" ]; then cp -R "tests/fuzz/corpus/$target/." "$dir/corpus/"; fi
  local extra=()
  # The HTTP request path needs inputs past the 16 KiB header limit to reach it.
  if [ "$target" = "http_request" ]; then extra+=(-max_len=20000); fi
  "$BUILD_DIR/tests/fuzz/fuzz_$target" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/" "${extra[@]}" \
    "$dir/corpus" >"$dir/log" 2>&1 || rc=$?
  local runs
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)"
  local found
  found="$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o \
    -name 'timeout-*' -o -name 'oom-*' \) | head -n 1)"
  if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
    echo "ok    $target: ${runs:-?} runs in ${SECONDS_EACH} s, corpus $(ls "$dir/corpus" | wc -l) inputs" \
      >"$dir/result"
  else
    {
      echo "FAIL  $target (exit $rc): ${found:-no input saved; see the log}"
      echo "      log: $dir/log"
      if [ -n "$found" ]; then echo "      replay: $BUILD_DIR/tests/fuzz/fuzz_$target $found"; fi
    } >"$dir/result"
  fi
}

echo "fuzz: ${#selected[@]} target(s), ${SECONDS_EACH} s each, ${JOBS} at a time; scratch $SCRATCH"
running=0
for t in "${selected[@]}"; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
  run_target "$t" &
  running=$((running + 1))
done
wait

failed=0
for t in "${selected[@]}"; do
  cat "$SCRATCH/$t/result"
  if grep -q '^FAIL' "$SCRATCH/$t/result"; then
    failed=1
    echo "----- $t: the report (whole log: $SCRATCH/$t/log) -----"
    awk '/runtime error|ERROR: |FUZZ_CHECK failed|Assertion .* failed|terminate called/ { p = 1 }
         p && n++ < 40' "$SCRATCH/$t/log"
  fi
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: FAILED; the crashing inputs are kept under $SCRATCH" >&2
  exit 1
fi
rm -rf "$SCRATCH"
echo "fuzz: all ${#selected[@]} target(s) passed"
