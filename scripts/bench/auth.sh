#!/usr/bin/env bash
# Benchmark (issue #8): what API-key auth and rate limiting cost on the hot read path, entry GET.
# Three servers side by side, measured in turn ROUNDS times (default 3) in the same run:
#   open      --auth disabled, no rate limits (the peer: the same server without the gate's work)
#   auth      a key checked and scoped on every request, no rate limits
#   auth+rl   a key checked and scoped, and both token buckets (key and universe) taken on
#             every request; the limits are set far above the load so none is refused
# wrk: 2 threads, CONNS connections (default 64), DURATION seconds (default 10), loopback only.
# Aim (issue #8): auth+rl within 5% of open.
# BASELINE_BIN=path/to/an/older/strongbox adds a fourth target, "baseline GET", started with
# BASELINE_FLAGS (default: SB_FLAGS, rate limits off, which builds since #8 know; set it empty
# for a build from before the access gate, e.g. commit ff901ee) plus BASELINE_ARGS (e.g.
# "--auth disabled" for a baseline that has the gate, so that "open GET / baseline GET"
# compares two servers without the key check).
#
# wrk and the server share this machine's cores, so throughput moves by several percent between
# two identical servers; the order rotates every round and ROUNDS defaults to 5. The steadier
# figure is the server's own CPU time per request (utime + stime from /proc, over the
# requests wrk completed), which is what the gate adds to.
set -euo pipefail
ROUNDS="${ROUNDS:-5}"
source "$(dirname "$0")/lib.sh"

bench_install wrk
bench_build

seed() {  # port
  sbcurl -s -o /dev/null -X POST \
    "http://127.0.0.1:$1/cloud/v2/universes/1/data-stores/Bench/entries?id=hot" \
    -d '{"value":{"gold":100,"level":7,"name":"benchmark player"}}'
}
start_strongbox open sync --auth disabled
OPEN=$SB_PORT
OPEN_PID=$SB_PID
seed "$OPEN"
start_strongbox auth sync
AUTH=$SB_PORT
AUTH_PID=$SB_PID
seed "$AUTH"
start_strongbox limited sync --rate-limit-datastore-per-key 100000000 \
  --rate-limit-datastore-per-universe 100000000
LIMITED=$SB_PORT
LIMITED_PID=$SB_PID
seed "$LIMITED"

# The order rotates every round, so whatever drifts during a run (CPU frequency, page cache,
# a noisy neighbour) does not always favour the same target.
if [ -n "${BASELINE_BIN:-}" ]; then
  mkdir -p "$WORK/sb-baseline"
  # The same bench flags as every other server here (rate limits off), then BASELINE_ARGS.
  # shellcheck disable=SC2086  # the flags are lists
  "$BASELINE_BIN" --port 0 --port-file "$WORK/sb-baseline/port" --data-dir "$WORK/sb-baseline/data" \
    --log-level warn ${BASELINE_FLAGS-$SB_FLAGS} ${BASELINE_ARGS:-} >"$WORK/sb-baseline/log" 2>&1 &
  BASE_PID=$!
  PIDS+=($!)
  BASE=$(wait_port_file "$WORK/sb-baseline/port")
  seed "$BASE"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
CPU="$WORK/cpu.tsv"
: > "$CPU"
targets=("open GET|$OPEN|$OPEN_PID" "auth GET|$AUTH|$AUTH_PID" "auth+rl GET|$LIMITED|$LIMITED_PID")
[ -n "${BASELINE_BIN:-}" ] && targets+=("baseline GET|$BASE|$BASE_PID")
n=${#targets[@]}
for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round"
  for i in $(seq 0 $((n - 1))); do
    IFS='|' read -r name port pid <<<"${targets[$(((round + i) % n))]}"
    before=$(cpu_ticks "$pid")
    run_wrk "$name" "http://127.0.0.1:$port" "$BENCH_LUA_DIR/strongbox_get.lua"
    after=$(cpu_ticks "$pid")
    rps=$(tail -1 "$RESULTS" | cut -f2)
    # ticks are 1/100 s; µs of server CPU per request
    awk -v n="$name" -v t=$((after - before)) -v r="$rps" -v d="$DURATION" \
      'BEGIN { printf "%s\t%.2f\n", n, t * 10000 / (r * d) }' | tee -a "$CPU"
  done
done

pairs=("auth GET / open GET" "auth+rl GET / open GET")
[ -n "${BASELINE_BIN:-}" ] && pairs+=("auth+rl GET / baseline GET" "open GET / baseline GET")
print_summary "${pairs[@]}"
echo
echo "# server CPU per request (median µs)"
python3 - "$CPU" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, us = line.rstrip("\n").split("\t")
    rows.setdefault(name, []).append(float(us))
med = {n: statistics.median(v) for n, v in rows.items()}
for n, v in med.items():
    print("%-28s %8.2f µs" % (n, v))
for n in ("auth GET", "auth+rl GET"):
    print("%-50s = %.3f" % (n + " / open GET (CPU per request)", med[n] / med["open GET"]))
if "baseline GET" in med:
    print("%-50s = %.3f" % ("auth+rl GET / baseline GET (CPU per request)",
                            med["auth+rl GET"] / med["baseline GET"]))
PY
