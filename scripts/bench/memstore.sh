#!/usr/bin/env bash
# Benchmark (issue #6, sorted maps so far): memory-store sorted map set (upsert with ttl and sort
# key), get by id and the first page of 10 in sort order, in `sync` durability; in the same run
# the peer, Redis 7 through webdis: ZADD, ZSCORE and ZRANGE 0 9 on a 100,000-member sorted set.
# wrk: 2 threads, 64 connections, DURATION seconds, ROUNDS rounds in turn, medians. Loopback only.
# TODO(#6): queue add→read→discard with 16 producers / 16 consumers and long-poll wake latency.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_install wrk redis-server webdis
bench_build

start_strongbox memstore sync
SB="http://127.0.0.1:$SB_PORT"
MAP="/cloud/v2/universes/1/memory-store/sorted-maps/Bench/items"

REDIS_PORT=$(free_port)
WEBDIS_PORT=$(free_port)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
  --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 250); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.02; done
cat >"$WORK/webdis.json" <<JSON
{"redis_host": "127.0.0.1", "redis_port": $REDIS_PORT, "http_host": "127.0.0.1",
 "http_port": $WEBDIS_PORT, "threads": 2, "pool_size": 64, "daemonize": false,
 "database": 0, "verbosity": 0, "logfile": "$WORK/webdis.log"}
JSON
webdis "$WORK/webdis.json" >"$WORK/webdis.stderr" 2>&1 &
PIDS+=($!)
WD="http://127.0.0.1:$WEBDIS_PORT"
wait_http "$WD/PING"

# Fill both first, so gets find items.
echo "# filling both with 100,000 items"
wrk -t2 -c64 -d20s -s "$BENCH_LUA_DIR/sortedmap_fill.lua" "$SB" >/dev/null
missing=$(python3 - "$SB_PORT" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
missing = 0
for i in range(1, 100001, 997):
    c.request("GET", "/cloud/v2/universes/1/memory-store/sorted-maps/Bench/items/i%d" % i)
    r = c.getresponse(); r.read()
    missing += r.status != 200
print(missing)
PY
)
[ "$missing" = "0" ] || { echo "bench: the fill left items missing" >&2; exit 1; }
python3 - <<'PY' | redis-cli -p "$REDIS_PORT" --pipe >/dev/null
import random, sys
for i in range(1, 100001):
    a = ["ZADD", "bench", str(random.randrange(1001)), "i%d" % i]
    sys.stdout.write("*4\r\n" + "".join("$%d\r\n%s\r\n" % (len(x), x) for x in a))
PY

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "strongbox sorted map set" "$SB" "$BENCH_LUA_DIR/sortedmap_set.lua"
  run_wrk "webdis ZADD" "$WD" "$BENCH_LUA_DIR/webdis_zadd.lua"
  run_wrk "strongbox sorted map get" "$SB" "$BENCH_LUA_DIR/sortedmap_get.lua"
  run_wrk "webdis ZSCORE" "$WD" "$BENCH_LUA_DIR/webdis_zscore.lua"
  run_wrk "strongbox first 10" "$SB$MAP?maxPageSize=10"
  run_wrk "webdis ZRANGE 0 9" "$WD/ZRANGE/bench/0/9/WITHSCORES"
done

print_summary "strongbox sorted map set / webdis ZADD" \
  "strongbox sorted map get / webdis ZSCORE" \
  "strongbox first 10 / webdis ZRANGE 0 9"
