#!/usr/bin/env bash
# bench/resp_vs_redis.sh: warpd's RESP server against Redis, with the same durability, measured
# by redis-benchmark in one run (docs/BENCHMARKS.md, benchmark 2).
#
# What it does, in order, for each durability mode (everysec, then always):
#   1. starts Debian's redis-server (appendonly yes, appendfsync <mode>, RDB off, a fresh temp
#      dir, 127.0.0.1, a free port) and warpd (--set wal.fsync=<mode>, a fresh temp data dir,
#      --port 0; the port is read from its `resp: listening on 127.0.0.1:PORT` log line);
#   2. for each round and each pipeline depth P (1, 16), runs
#        redis-benchmark -t set,get,incr,mset -n N -r 100000 -c 50 -P <P> -q
#      against both servers, the starting one alternating from round to round;
#   3. stops both servers by PID (SIGTERM, SIGKILL after 30 s). A trap does the same on any exit.
# Then it prints, for every (mode, test, P), Redis's req/s, warpd's req/s and warpd/redis (the
# medians when --rounds > 1), and writes <out>/resp_vs_redis-<YYYYMMDD-HHMMSS>.json and
# <out>/resp_vs_redis-latest.md (nproc, date, Redis version, warpd commit).
#
# Usage: bench/resp_vs_redis.sh [--requests N] [--rounds R] [--quick] [--modes "everysec always"]
#                               [--pipelines "1 16"] [--tests set,get,incr,mset] [--clients C]
#                               [--keyspace K] [--out DIR | --no-out]
# Environment: BUILD_DIR (default build): warpd is $BUILD_DIR/bin/warpd. WARPD_EXTRA_ARGS: more
# warpd arguments, e.g. "--set server.io_threads=1".
#
# For checking this script before warpd serves RESP, --warpd-cmd CMD (or WARPD_CMD) replaces the
# warpd binary by any command taking warpd's arguments, e.g. the redis-server-based stand-in
#   bench/resp_vs_redis.sh --quick --no-out --warpd-cmd tests/integration/resp/fake_warpd.py
# Its figures are then labelled with that command and say nothing about WarpEngine.
#
# Exit status: 0 after a complete run (a low ratio is not an error); 1 on bad usage, a server
# that does not start, or a redis-benchmark run that fails (it exits on the first error reply).

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REQUESTS=500000
ROUNDS=3
KEYSPACE=100000
CLIENTS=50
PIPELINES="1 16"
TESTS="set,get,incr,mset"
MODES="everysec always"
OUT_DIR="$REPO_ROOT/bench/results"
BUILD_DIR="${BUILD_DIR:-build}"
WARPD_CMD="${WARPD_CMD:-}"
WARPD_EXTRA_ARGS="${WARPD_EXTRA_ARGS:-}"
START_TIMEOUT_S=30
STOP_TIMEOUT_S=30

usage() {
  sed -n '/^# Usage:/,/^# Environment:/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

die() {
  echo "resp_vs_redis: $*" >&2
  exit 1
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --requests) REQUESTS="${2:?--requests needs a number}"; shift 2 ;;
    --rounds) ROUNDS="${2:?--rounds needs a number}"; shift 2 ;;
    --quick) REQUESTS=20000; ROUNDS=1; shift ;;
    --modes) MODES="${2:?--modes needs a list}"; shift 2 ;;
    --pipelines) PIPELINES="${2:?--pipelines needs a list}"; shift 2 ;;
    --tests) TESTS="${2:?--tests needs a list}"; shift 2 ;;
    --clients) CLIENTS="${2:?--clients needs a number}"; shift 2 ;;
    --keyspace) KEYSPACE="${2:?--keyspace needs a number}"; shift 2 ;;
    --out) OUT_DIR="${2:?--out needs a directory}"; shift 2 ;;
    --no-out) OUT_DIR=""; shift ;;
    --warpd-cmd) WARPD_CMD="${2:?--warpd-cmd needs a command}"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "resp_vs_redis: unknown option '$1'" >&2; usage 1 ;;
  esac
done

for n in "$REQUESTS" "$ROUNDS" "$KEYSPACE" "$CLIENTS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || die "'$n' is not a positive integer"
done
for mode in $MODES; do
  [[ "$mode" == everysec || "$mode" == always || "$mode" == no ]] ||
    die "--modes: '$mode' is not one of everysec, always, no"
done
for p in $PIPELINES; do
  [[ "$p" =~ ^[1-9][0-9]*$ ]] || die "--pipelines: '$p' is not a positive integer"
done

if [[ -z "$WARPD_CMD" ]]; then
  [[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$REPO_ROOT/$BUILD_DIR"
  WARPD_CMD="$BUILD_DIR/bin/warpd"
  [[ -x "$WARPD_CMD" ]] || die "no warpd at $WARPD_CMD (build it, or set BUILD_DIR)"
fi
for tool in redis-server redis-benchmark redis-cli python3; do
  command -v "$tool" > /dev/null || die "$tool not found (Debian: redis-server, redis-tools)"
done

WORK="$(mktemp -d /tmp/resp_vs_redis-XXXXXX)"
REDIS_PID=""
WARPD_PID=""
BENCH_PID=""

# Stops one server by PID: SIGTERM, then SIGKILL after STOP_TIMEOUT_S. Never by name.
stop_pid() {
  local pid="$1" waited=0
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2> /dev/null || return 0
  while kill -0 "$pid" 2> /dev/null; do
    if ((waited >= STOP_TIMEOUT_S * 10)); then
      echo "resp_vs_redis: pid $pid still running ${STOP_TIMEOUT_S} s after SIGTERM; SIGKILL" >&2
      kill -KILL "$pid" 2> /dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  wait "$pid" 2> /dev/null || true
}

stop_servers() {
  stop_pid "$REDIS_PID"
  REDIS_PID=""
  stop_pid "$WARPD_PID"
  WARPD_PID=""
}

cleanup() {
  [[ -z "$BENCH_PID" ]] || kill -TERM "$BENCH_PID" 2> /dev/null || true
  stop_servers
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A port the OS just handed out; another process may take it before redis binds it (retried).
free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Waits until the server on port $1 answers PING; $2 is its PID, $3 its log.
wait_for_ping() {
  local port="$1" pid="$2" log="$3" deadline=$((SECONDS + START_TIMEOUT_S))
  until [[ "$(redis-cli -h 127.0.0.1 -p "$port" PING 2> /dev/null)" == PONG ]]; do
    kill -0 "$pid" 2> /dev/null || { tail -20 "$log" >&2; die "server (pid $pid) exited"; }
    ((SECONDS < deadline)) || { tail -20 "$log" >&2; die "server (pid $pid) does not answer"; }
    sleep 0.05
  done
}

# start_redis MODE: sets REDIS_PID and REDIS_PORT. Retries when the free port was taken.
start_redis() {
  local mode="$1" dir="$WORK/redis-$1"
  mkdir -p "$dir"
  for _ in 1 2 3 4 5; do
    REDIS_PORT="$(free_port)"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$dir" --save '' \
      --appendonly yes --appendfsync "$mode" --daemonize no --logfile "" \
      > "$dir/redis.log" 2>&1 < /dev/null &
    REDIS_PID=$!
    sleep 0.05
    if kill -0 "$REDIS_PID" 2> /dev/null || ! grep -q "Address already in use" "$dir/redis.log"
    then
      wait_for_ping "$REDIS_PORT" "$REDIS_PID" "$dir/redis.log"
      return 0
    fi
    wait "$REDIS_PID" 2> /dev/null || true
  done
  die "redis-server found no free port"
}

# start_warpd MODE: sets WARPD_PID and WARPD_PORT, parsed from warpd's log.
start_warpd() {
  local mode="$1" dir="$WORK/warpd-$1" log deadline
  mkdir -p "$dir"
  log="$dir/warpd.log"
  # shellcheck disable=SC2086 # WARPD_CMD may carry its own arguments
  $WARPD_CMD --config "$REPO_ROOT/config/warpengine.yaml" --data "$dir/data" --port 0 \
    --set server.http_port=0 --set "wal.fsync=$mode" $WARPD_EXTRA_ARGS > "$log" 2>&1 < /dev/null &
  WARPD_PID=$!
  deadline=$((SECONDS + START_TIMEOUT_S))
  until grep -q "warpd ready" "$log"; do
    kill -0 "$WARPD_PID" 2> /dev/null || { tail -20 "$log" >&2; die "warpd exited"; }
    if ((SECONDS >= deadline)); then
      tail -20 "$log" >&2
      die "warpd not ready after ${START_TIMEOUT_S} s"
    fi
    sleep 0.05
  done
  WARPD_PORT="$(sed -n 's/.*resp: listening on [0-9.]*:\([0-9][0-9]*\).*/\1/p' "$log" | head -1)"
  [[ -n "$WARPD_PORT" ]] || { tail -20 "$log" >&2; die "no 'resp: listening on' line in $log"; }
  wait_for_ping "$WARPD_PORT" "$WARPD_PID" "$log"
}

# run_benchmark SYSTEM PORT MODE P ROUND: appends "mode P test system round rps" rows.
run_benchmark() {
  local system="$1" port="$2" mode="$3" p="$4" round="$5" out="$WORK/run.txt" line test rps
  local status=0
  # In the background and waited for, so that a signal to this script stops it at once.
  redis-benchmark -h 127.0.0.1 -p "$port" -t "$TESTS" -n "$REQUESTS" -r "$KEYSPACE" \
    -c "$CLIENTS" -P "$p" -q > "$out" 2>&1 < /dev/null &
  BENCH_PID=$!
  wait "$BENCH_PID" || status=$?
  BENCH_PID=""
  if ((status != 0)); then
    tr '\r' '\n' < "$out" | grep -v 'rps=' | tail -5 >&2
    die "redis-benchmark failed against $system ($mode, P=$p)"
  fi
  local found=0
  while IFS= read -r line; do
    # "SET: 52356.02 requests per second, p50=0.495 msec"; MSET is "MSET (10 keys): ...".
    test="${line%%:*}"
    test="${test%% *}"
    rps="$(sed -n 's/^[^:]*: \([0-9.]*\) requests per second.*/\1/p' <<< "$line")"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$p" "$test" "$system" "$round" "$rps" \
      >> "$WORK/results.tsv"
    printf '    %-6s P=%-3s %-5s %12s req/s\n' "$system" "$p" "$test" "$rps"
    found=$((found + 1))
  done < <(tr '\r' '\n' < "$out" | grep 'requests per second')
  [[ "$found" -eq "$(tr ',' '\n' <<< "$TESTS" | grep -c .)" ]] ||
    die "expected $(tr ',' ' ' <<< "$TESTS") in redis-benchmark's output against $system"
}

REDIS_VERSION="$(redis-server --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p')"
WARPD_COMMIT="$(git -C "$REPO_ROOT" describe --always --dirty 2> /dev/null || echo unknown)"
NPROC="$(nproc)"
STAMP="$(date -u +%Y%m%d-%H%M%S)"
DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
: > "$WORK/results.tsv"

echo "resp_vs_redis: $DATE, nproc $NPROC, Redis $REDIS_VERSION, warpd $WARPD_COMMIT"
echo "  warpd command: $WARPD_CMD"
echo "  redis-benchmark -t $TESTS -n $REQUESTS -r $KEYSPACE -c $CLIENTS -P {${PIPELINES// /,}} -q"
echo "  durability modes: $MODES; rounds: $ROUNDS (median reported; the first system alternates)"

for mode in $MODES; do
  echo "== appendfsync / wal.fsync = $mode"
  start_redis "$mode"
  start_warpd "$mode"
  echo "  redis-server pid $REDIS_PID port $REDIS_PORT; warpd pid $WARPD_PID port $WARPD_PORT"
  for ((round = 1; round <= ROUNDS; round++)); do
    echo "  round $round/$ROUNDS"
    for p in $PIPELINES; do
      if ((round % 2 == 1)); then
        run_benchmark redis "$REDIS_PORT" "$mode" "$p" "$round"
        run_benchmark warpd "$WARPD_PORT" "$mode" "$p" "$round"
      else
        run_benchmark warpd "$WARPD_PORT" "$mode" "$p" "$round"
        run_benchmark redis "$REDIS_PORT" "$mode" "$p" "$round"
      fi
    done
  done
  stop_servers
done

# Medians, the ratio table and the result files.
python3 - "$WORK/results.tsv" "$OUT_DIR" "$STAMP" "$DATE" "$NPROC" "$REDIS_VERSION" \
  "$WARPD_COMMIT" "$WARPD_CMD" "$REQUESTS" "$ROUNDS" "$KEYSPACE" "$CLIENTS" "$TESTS" <<'EOF'
import json, os, statistics, sys

(tsv, out_dir, stamp, date, nproc, redis_version, commit, warpd_cmd, requests, rounds, keyspace,
 clients, tests) = sys.argv[1:]
runs = {}
order = []
for line in open(tsv):
    mode, p, test, system, rnd, rps = line.rstrip("\n").split("\t")
    key = (mode, int(p), test)
    if key not in runs:
        order.append(key)
    runs.setdefault(key, {}).setdefault(system, []).append(float(rps))

rows = []
for mode, p, test in order:
    r, w = runs[(mode, p, test)]["redis"], runs[(mode, p, test)]["warpd"]
    mr, mw = statistics.median(r), statistics.median(w)
    rows.append({"fsync": mode, "pipeline": p, "test": test, "redis_rps": mr, "warpd_rps": mw,
                 "ratio": mw / mr if mr else None, "redis_runs": r, "warpd_runs": w})

print(f"\n{'fsync':9} {'test':5} {'P':>3} {'redis req/s':>13} {'warpd req/s':>13} "
      f"{'warpd/redis':>11}")
for row in rows:
    print(f"{row['fsync']:9} {row['test']:5} {row['pipeline']:>3} {row['redis_rps']:>13,.0f} "
          f"{row['warpd_rps']:>13,.0f} {row['ratio']:>10.2f}x")

if out_dir:
    os.makedirs(out_dir, exist_ok=True)
    config = {"requests": int(requests), "rounds": int(rounds), "keyspace": int(keyspace),
              "clients": int(clients), "tests": tests.split(","), "tool": "redis-benchmark -q",
              "redis": f"redis-server {redis_version}, appendonly yes, appendfsync <fsync>, "
                       "RDB off, loopback",
              "warpd": f"{warpd_cmd} --set wal.fsync=<fsync>, loopback"}
    doc = {"benchmark": "resp_vs_redis", "date": date, "nproc": int(nproc),
           "redis_version": redis_version, "warpd_commit": commit, "config": config,
           "results": rows}
    path = os.path.join(out_dir, f"resp_vs_redis-{stamp}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    md = [f"# resp_vs_redis: latest ratios", "",
          f"Date {date}, nproc {nproc}, Redis {redis_version} (appendonly yes), warpd {commit} "
          f"(`{warpd_cmd}`), redis-benchmark -n {requests} -r {keyspace} -c {clients} -q, "
          f"median of {rounds} alternating round(s). Written by `bench/resp_vs_redis.sh`.", "",
          "| fsync | test | P | warpd/redis | redis req/s | warpd req/s |",
          "|---|---|---|---|---|---|"]
    for row in rows:
        md.append(f"| {row['fsync']} | {row['test']} | {row['pipeline']} | "
                  f"{row['ratio']:.2f}x | {row['redis_rps']:,.0f} | {row['warpd_rps']:,.0f} |")
    md_path = os.path.join(out_dir, "resp_vs_redis-latest.md")
    with open(md_path, "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"\nwrote {path} and {md_path}")
EOF
