#!/usr/bin/env bash
# Benchmark (issue #6), `sync` durability, loopback only:
# - queues: add→read→discard items/s with 16 producer and 16 consumer connections running at once
#   (consumers long-poll for up to 10 and discard them), vs Redis 7 LPUSH / RPOP through webdis;
# - long-poll wake latency (p50/p99) of a waiting reader after an add;
# - sorted maps: set (upsert with ttl and sort key), get by id and the first page of 10, vs ZADD,
#   ZSCORE and ZRANGE 0 9 on a 100,000-member sorted set.
# wrk: 2 threads, 64 connections (16 + 16 for queues), DURATION seconds, ROUNDS rounds, medians.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_install wrk redis-server webdis
bench_build

start_strongbox memstore sync
SB="http://127.0.0.1:$SB_PORT"
MAP="/cloud/v2/universes/1/memory-store/sorted-maps/Bench/items"

start_redis
start_webdis

# Fill both first, so gets find items: i1 … i100000 (600 s ttl, numeric sort keys 0–1000), each
# written once, until done (FILL_TIMEOUT bounds it).
echo "# filling both with 100,000 items"
seq 1 100000 | awk -v map="$MAP" '{
  printf "PATCH %s/i%d?allowMissing=true ", map, $1
  printf "{\"value\":{\"n\":%d},\"ttl\":\"600s\",\"numericSortKey\":%d}\n", $1, $1 % 1001
}' | sb_fill "$SB_PORT"
missing=$(python3 - "$SB_PORT" <<'PY'
import http.client, os, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
missing = 0
for i in range(1, 100001, 997):
    c.request("GET", "/cloud/v2/universes/1/memory-store/sorted-maps/Bench/items/i%d" % i,
              headers={"x-api-key": os.environ["SB_KEY"]})
    r = c.getresponse(); r.read()
    missing += r.status != 200
print(missing)
PY
)
[ "$missing" = "0" ] || { echo "bench: the fill left items missing" >&2; exit 1; }
python3 - <<'PY' | timeout "$FILL_TIMEOUT" redis-cli -p "$REDIS_PORT" --pipe >/dev/null
import random, sys
for i in range(1, 100001):
    a = ["ZADD", "bench", str(random.randrange(1001)), "i%d" % i]
    sys.stdout.write("*4\r\n" + "".join("$%d\r\n%s\r\n" % (len(x), x) for x in a))
PY
[ "$(redis-cli -p "$REDIS_PORT" zcard bench)" = "100000" ] ||
  { echo "bench: redis fill failed" >&2; exit 1; }

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "strongbox sorted map set" "$SB" "$BENCH_LUA_DIR/sortedmap_set.lua"
  run_wrk "webdis ZADD" "$WD" "$BENCH_LUA_DIR/webdis_zadd.lua"
  run_wrk "strongbox sorted map get" "$SB" "$BENCH_LUA_DIR/sortedmap_get.lua"
  run_wrk "webdis ZSCORE" "$WD" "$BENCH_LUA_DIR/webdis_zscore.lua"
  run_wrk "strongbox first 10" "$SB$MAP?maxPageSize=10" "$BENCH_LUA_DIR/strongbox_url.lua"
  run_wrk "webdis ZRANGE 0 9" "$WD/ZRANGE/bench/0/9/WITHSCORES"
done

# Queues: producers and consumers at once; items/s = items gone from the queue per second.
queue_round() {  # NAME PRODUCER_URL PRODUCER_LUA CONSUMER_URL CONSUMER_LUA COUNT_CMD
  local name="$1" out_p="$WORK/p.txt" out_c="$WORK/c.txt"
  local before after produced
  before=$(eval "$6")
  wrk -t1 -c16 -d"${DURATION}s" -s "$3" "$2" >"$out_p" &
  local producer=$!
  local consumer_args=(-t1 -c16 -d"${DURATION}s")
  [ -n "$5" ] && consumer_args+=(-s "$5")
  wrk "${consumer_args[@]}" "$4" >"$out_c"
  wait "$producer"
  if grep -qE "Non-2xx|Socket errors" "$out_p"; then
    echo "bench: $name producers had errors" >&2; cat "$out_p" >&2; exit 1
  fi
  produced=$(awk '/requests in/ {print $1}' "$out_p")
  after=$(eval "$6")
  awk -v n="$name" -v p="$produced" -v b="$before" -v a="$after" -v d="$DURATION" \
    'BEGIN { printf "%s\t%.0f\t\t\n", n, (p + b - a) / d }' | tee -a "$RESULTS"
}
queue_size() {
  sbcurl -s "$SB/cloud/v2/universes/1/memory-store/queues/Bench" |
    python3 -c 'import sys,json; print(json.load(sys.stdin)["size"])'
}
list_length() { redis-cli -p "$REDIS_PORT" llen benchq; }
for round in $(seq 1 "$ROUNDS"); do
  echo "# queue round $round of $ROUNDS"
  queue_round "strongbox queue items/s" "$SB" "$BENCH_LUA_DIR/queue_add.lua" \
    "$SB" "$BENCH_LUA_DIR/queue_consume.lua" queue_size
  queue_round "webdis LPUSH+RPOP items/s" "$WD" "$BENCH_LUA_DIR/webdis_lpush.lua" \
    "$WD/RPOP/benchq" "" list_length
done
python3 "$(dirname "$0")/queue_wake.py" "$SB_PORT" 300 | tee "$WORK/wake.txt"

print_summary "strongbox queue items/s / webdis LPUSH+RPOP items/s" \
  "strongbox sorted map set / webdis ZADD" \
  "strongbox sorted map get / webdis ZSCORE" \
  "strongbox first 10 / webdis ZRANGE 0 9"
