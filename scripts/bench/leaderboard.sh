#!/usr/bin/env bash
# Benchmark (issue #5): a 1,000,000-entry leaderboard. Loads it (sync durability), records RSS
# and the restart-to-serving time, then wrk (2 threads, 64 connections, DURATION seconds,
# ROUNDS rounds in turn, medians) on random :rank, the top-100 page and random :increment; in
# the same run the peer, Redis 7 through webdis, on ZREVRANK, ZREVRANGE 0 99 and ZINCRBY over
# the same 1,000,000 members. Then (issue #18) the board takes writeStrategy best: random
# "keep my best" submissions against ZADD GT; and a reset schedule: :rank of the finishing season
# runs across a reset (its p99 against the rounds' p99), while a poller measures how long after
# the scheduled time the live board answers empty. Loopback only; everything started here stops
# on exit.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

ENTRIES="${ENTRIES:-1000000}"
export LB_ENTRIES="$ENTRIES"
bench_install wrk redis-server webdis
bench_build

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
BOARD="/cloud/v2/universes/1/ordered-data-stores/Bench/scopes/global/entries"

# --- Strongbox: load -------------------------------------------------------------------------
start_strongbox lb sync
SB="http://127.0.0.1:$SB_PORT"
rss_empty=$(rss_kb "$SB_PID")
echo "# loading $ENTRIES entries (PATCH allowMissing, 256 connections)"
load_start=$(date +%s.%N)
# wrk cannot stop after a number of requests: it runs in the background and is stopped as soon
# as the board holds every entry; the load fails if that takes more than FILL_TIMEOUT seconds.
board_count() {
  sbcurl -s "$SB$BOARD:count" | python3 -c 'import sys,json; print(json.load(sys.stdin)["totalSize"])'
}
LB_ENTRIES="$ENTRIES" LB_THREADS=2 wrk -t2 -c256 -d"${FILL_TIMEOUT}s" --timeout 10s \
  -s "$BENCH_LUA_DIR/leaderboard_load.lua" "$SB" >"$WORK/load.txt" &
LOAD_PID=$!
count=0
deadline=$((SECONDS + FILL_TIMEOUT))
while [ "$SECONDS" -lt "$deadline" ] && kill -0 "$LOAD_PID" 2>/dev/null; do
  count=$(board_count)
  [ "$count" = "$ENTRIES" ] && break
  sleep 0.2
done
load_end=$(date +%s.%N)
kill "$LOAD_PID" 2>/dev/null || true
wait "$LOAD_PID" 2>/dev/null || true
count=$(board_count)
[ "$count" = "$ENTRIES" ] || {
  echo "bench: loaded $count entries, expected $ENTRIES (FILL_TIMEOUT ${FILL_TIMEOUT}s)" >&2
  exit 1
}
rss_loaded=$(rss_kb "$SB_PID")

# --- Strongbox: restart to serving ------------------------------------------------------------
kill -TERM "$SB_PID"
wait "$SB_PID" 2>/dev/null || true
rm -f "$WORK/sb-lb/port"
restart_start=$(date +%s.%N)
# The same flags as the first start (key, SB_FLAGS); info logs the leaderboard rebuild.
start_strongbox lb sync --log-level info --leaderboard-min-reset-interval-seconds 1
SB="http://127.0.0.1:$SB_PORT"
wait_http "$SB/readyz"
restart_end=$(date +%s.%N)
rss_restarted=$(rss_kb "$SB_PID")
rebuild_line=$(grep -oE "(opened the database|loaded [0-9]* leaderboard entries).*" "$WORK/sb-lb/log" | tr "\n" ";" || true)

# --- Redis 7 + webdis: load -------------------------------------------------------------------
start_redis
python3 - "$ENTRIES" <<'PY' | timeout "$FILL_TIMEOUT" redis-cli -p "$REDIS_PORT" --pipe >/dev/null
import random, sys
n = int(sys.argv[1])
out = sys.stdout
for i in range(0, n, 1000):
    args = ["ZADD", "bench"]
    for j in range(i, min(n, i + 1000)):
        args += [str(random.randrange(1000000)), "p%d" % j]
    out.write("*%d\r\n" % len(args))
    for a in args:
        out.write("$%d\r\n%s\r\n" % (len(a), a))
PY
[ "$(redis-cli -p "$REDIS_PORT" zcard bench)" = "$ENTRIES" ] || { echo "bench: redis load failed" >&2; exit 1; }
start_webdis

# --- wrk rounds -------------------------------------------------------------------------------
for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "strongbox :rank" "$SB" "$BENCH_LUA_DIR/leaderboard_rank.lua"
  run_wrk "webdis ZREVRANK" "$WD" "$BENCH_LUA_DIR/webdis_zrevrank.lua"
  run_wrk "strongbox top-100" "$SB$BOARD?orderBy=value%20desc&maxPageSize=100" \
    "$BENCH_LUA_DIR/strongbox_url.lua"
  run_wrk "webdis ZREVRANGE 0 99" "$WD/ZREVRANGE/bench/0/99/WITHSCORES"
  run_wrk "strongbox :increment" "$SB" "$BENCH_LUA_DIR/leaderboard_increment.lua"
  run_wrk "webdis ZINCRBY" "$WD" "$BENCH_LUA_DIR/webdis_zincrby.lua"
done

# --- best strategy (issue #18) ------------------------------------------------------------------
sbcurl -sf -X PATCH "$SB${BOARD%/entries}:settings" -d '{"writeStrategy":"best"}' >/dev/null
for round in $(seq 1 "$ROUNDS"); do
  echo "# best-strategy round $round of $ROUNDS"
  run_wrk "strongbox best submit" "$SB" "$BENCH_LUA_DIR/leaderboard_best.lua"
  run_wrk "webdis ZADD GT" "$WD" "$BENCH_LUA_DIR/webdis_zadd_gt.lua"
done
[ "$(board_count)" = "$ENTRIES" ] || { echo "bench: best submissions changed the board size" >&2; exit 1; }

# --- a reset of the full board (issue #18) ------------------------------------------------------
# An interval of 2 × DURATION + 10 s, set now: the next reset falls at a multiple of it since the
# epoch, at least one DURATION away, so a :rank run started DURATION/2 before it spans it.
interval=$((2 * DURATION + 10))
sbcurl -sf -X PATCH "$SB${BOARD%/entries}:settings" \
  -d "{\"resetSchedule\":\"@every ${interval}s\",\"archiveSeasons\":1}" >/dev/null
read -r season next_reset < <(sbcurl -s "$SB$BOARD:count" | python3 -c '
import sys, json, datetime
a = json.load(sys.stdin)
t = datetime.datetime.fromisoformat(a["nextResetTime"].replace("Z", "+00:00")).timestamp()
print(a["seasonId"], t)')
wait_s=$(python3 -c "import time; print(max(0.0, $next_reset - time.time() - $DURATION / 2))")
if python3 -c "import sys; sys.exit(0 if $next_reset - __import__('time').time() > $DURATION else 1)"; then
  sleep "$wait_s"
else  # too close: wait for the one after
  sleep "$(python3 -c "import time; print(max(0.0, $next_reset + $interval - time.time() - $DURATION / 2))")"
  next_reset=$(python3 -c "print($next_reset + $interval)")
  season=$((season + 1))
fi
# The poller: when does the live board first answer the next season, empty?
python3 - "$SB$BOARD:count" "$SB_KEY" "$next_reset" "$season" >"$WORK/reset.txt" <<'PY' &
import json, sys, time, urllib.request
url, key, due, season = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
deadline = due + 30
while time.time() < deadline:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"x-api-key": key})) as r:
        a = json.load(r)
    if a.get("seasonId") != season and a.get("totalSize") == 0:
        print("%.1f" % ((time.time() - due) * 1000))
        sys.exit(0)
    time.sleep(0.005)
print("never")
PY
POLL_PID=$!
LB_SEASON="$season" run_wrk "strongbox :rank across a reset" "$SB" \
  "$BENCH_LUA_DIR/leaderboard_rank_season.lua"
wait "$POLL_PID" || true
reset_ms=$(cat "$WORK/reset.txt")
[ "$reset_ms" != "never" ] || { echo "bench: the live board never reset" >&2; exit 1; }
archived=$(sbcurl -s "$SB$BOARD:count?season=$season" | python3 -c 'import sys,json; print(json.load(sys.stdin)["totalSize"])')
[ "$archived" = "$ENTRIES" ] || { echo "bench: the finished season holds $archived entries" >&2; exit 1; }

print_summary "strongbox :rank / webdis ZREVRANK" \
  "strongbox top-100 / webdis ZREVRANGE 0 99" \
  "strongbox :increment / webdis ZINCRBY" \
  "strongbox best submit / webdis ZADD GT"
echo
awk -v s="$load_start" -v e="$load_end" -v n="$ENTRIES" \
  'BEGIN { printf "load: %d entries in %.1f s (%.0f writes/s, sync)\n", n, e - s, n / (e - s) }'
echo "RSS: empty $((rss_empty / 1024)) MB, after loading $((rss_loaded / 1024)) MB," \
  "after restart $((rss_restarted / 1024)) MB;" \
  "(restart - empty) / entries = $(( (rss_restarted - rss_empty) * 1024 / ENTRIES )) bytes per entry"
awk -v s="$restart_start" -v e="$restart_end" \
  'BEGIN { printf "restart to serving (process start to /readyz 200): %.2f s\n", e - s }'
echo "server log: $rebuild_line"
echo "reset of the $ENTRIES-entry board: the live board answered the new season, empty, ${reset_ms} ms" \
  "after the scheduled time (poller every 5 ms); the finished season kept all $archived entries"
