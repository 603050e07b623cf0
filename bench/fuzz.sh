#!/usr/bin/env bash
# Runs every libFuzzer target (the WAL and snapshot readers) for a bounded time each, through
# `make fuzz` (clang-14 with ASan/UBSan, build dir build-fuzz/). Crashing inputs land in
# build-fuzz/artifacts/; each one becomes a regression test (tests/wal/, tests/store/).
#   bench/fuzz.sh [SECONDS_PER_TARGET]      default 120
set -euo pipefail
seconds="${1:-120}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
  echo "usage: bench/fuzz.sh [SECONDS_PER_TARGET] (a positive integer, got '$seconds')" >&2
  exit 2
fi
cd "$(dirname "$0")/.."
make fuzz FUZZ_SECONDS="$seconds"
found=$(find build-fuzz/artifacts -type f 2>/dev/null | wc -l)
echo "fuzz: ${seconds} s per target; ${found} crashing input(s) in build-fuzz/artifacts/"
[ "$found" -eq 0 ]
