#!/usr/bin/env bash
# crash_loop.sh: the crash-recovery test with many more kill -9 cycles than `make test` runs.
#
# It drives tests/integration/crash_recovery_test.cc (binary crash_recovery_tests): a real
# crash_writer process writes through the public API, is kill -9ed at a random moment, and the
# data directory is reopened and checked against every acknowledged write. Each wal.fsync mode
# runs its cycles on one data directory, one mode after the other, and a summary follows.
#
#   bench/crash_loop.sh [--cycles N] [--modes always,everysec,no] [--build DIR] [--seed S]
#
# --cycles   cycles per mode (default 100)
# --modes    which wal.fsync modes, comma-separated (default always,everysec,no)
# --build    build directory (default build); configured if needed, the two targets built
# --seed     WARP_CRASH_SEED: replays the random choices of an earlier run (default: random)
#
# Exit status 0 when every mode passed, 1 when one failed (its test output is printed) or the
# build failed, 2 on a bad argument.
set -euo pipefail

cycles=100
modes=always,everysec,no
build=build
seed=""
usage() {
  echo "usage: bench/crash_loop.sh [--cycles N] [--modes always,everysec,no] [--build DIR] [--seed S]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || { echo "crash_loop.sh: $1: missing value" >&2; usage; }
  case "$1" in
    --cycles) cycles=$2 ;;
    --modes) modes=$2 ;;
    --build) build=$2 ;;
    --seed) seed=$2 ;;
    *) echo "crash_loop.sh: unknown flag '$1'" >&2; usage ;;
  esac
  shift 2
done
[[ "$cycles" =~ ^[1-9][0-9]*$ ]] || { echo "crash_loop.sh: --cycles: expected a positive integer, got '$cycles'" >&2; exit 2; }

cd "$(dirname "$0")/.."
if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
fi
if ! build_log=$(cmake --build "$build" --target crash_recovery_tests crash_writer 2>&1); then
  echo "$build_log" >&2
  echo "crash_loop.sh: building crash_recovery_tests and crash_writer in $build failed" >&2
  exit 1
fi

echo "crash_loop: $cycles cycles per mode, modes $modes, build $build, $(nproc) cores," \
  "seed ${seed:-random}"
summaries=()
failed=0
start=$(date +%s.%N)
IFS=, read -r -a mode_list <<< "$modes"
for mode in "${mode_list[@]}"; do
  case "$mode" in
    always|everysec|no) ;;
    *) echo "crash_loop.sh: --modes: expected always, everysec or no, got '$mode'" >&2; exit 2 ;;
  esac
  log=$(mktemp)
  if WARP_CRASH_CYCLES=$cycles WARP_CRASH_SEED=$seed "$build/tests/crash_recovery_tests" \
      "[crash][$mode]" --use-colour no > "$log" 2>&1; then
    line=$(grep "^crash recovery, wal.fsync=$mode:" "$log" || echo "wal.fsync=$mode: no summary")
    summaries+=("PASS $line")
  else
    failed=1
    summaries+=("FAIL wal.fsync=$mode (output above)")
    echo "---- wal.fsync=$mode failed:"
    cat "$log"
  fi
  echo "${summaries[-1]}"
  rm -f "$log"
done
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }')

echo
echo "crash_loop summary ($cycles cycles per mode):"
printf '  %s\n' "${summaries[@]}"
printf '%s\n' "${summaries[@]}" | awk -v elapsed="$elapsed" '
  /^PASS/ { for (i = 1; i <= NF; i++) {
              if ($(i + 1) == "cycles") cycles += $i
              if ($(i + 1) == "acks") acks += $i } }
  END { printf "  total: %d cycles, %d acknowledged writes verified, %.1f s\n", cycles, acks, elapsed }'
exit $failed
