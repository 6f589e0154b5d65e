#!/usr/bin/env bash
# Benchmark (issue #21), `sync` durability, loopback only: what the change log costs a write and
# what reading it gives back.
# - entry write (PATCH, random keys) on a server with the change log on (the default) against
#   the same binary with `--change-log off`, run in turn in the same sitting: the log's cost;
# - queue add on both, the same way (a queue add is a small write, so the record weighs most);
# - the change feed read in pages of 100 from random cursors over 100,000+ records, against an
#   entry GET of the same server (a read of one row);
# - the long-poll wake latency of a feed reader after a write (scripts/bench/changes_wake.py);
# - webhook delivery of the 100,000 records to a receiver on loopback, one subscription and then
#   eight at once (scripts/bench/webhooks_deliver.py), against the feed read in pages of 100.
# wrk: 2 threads, 64 connections, DURATION seconds, ROUNDS rounds in turn, medians.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_install wrk
bench_build

# Retention is raised so that the reads' cursors stay inside the log while the write rounds add
# over a million records (pruning is therefore not part of these figures).
start_strongbox log-on sync --changes-retention-count 100000000 \
  --webhook-allowed-hosts 127.0.0.1 --webhook-max-batch-changes 100
ON="http://127.0.0.1:$SB_PORT"
ON_PORT=$SB_PORT
start_strongbox log-off sync --change-log off
OFF="http://127.0.0.1:$SB_PORT"

# The feed the reads scan: 100,000 entry writes in universe 1, each one record (until done,
# FILL_TIMEOUT bounds it).
echo "# filling the change log with 100,000 records"
seq 1 100000 | awk '{
  printf "PATCH /cloud/v2/universes/1/data-stores/Bench/entries/player%d?allowMissing=true ", $1
  printf "{\"value\":{\"gold\":%d}}\n", $1
}' | sb_fill "$ON_PORT"
head=$(sbcurl -s "$ON/cloud/v2/universes/1/changes?startAfter=latest" |
  python3 -c 'import sys,json; print(json.load(sys.stdin)["nextPageToken"])')
[ "$head" -ge 100000 ] || { echo "bench: the log holds $head records, not 100,000" >&2; exit 1; }
sbcurl -s -o /dev/null -X POST "$ON/cloud/v2/universes/1/data-stores/Bench/entries?id=hot" \
  -d '{"value":{"gold":1}}'

# Webhooks first, while universe 1 holds exactly the fill (the write rounds add to it).
echo "# webhook delivery (batches of 100)"
python3 "$ROOT/scripts/bench/webhooks_deliver.py" \
  "$ON_PORT" 1 100000 1 300
python3 "$ROOT/scripts/bench/webhooks_deliver.py" \
  "$ON_PORT" 1 100000 8 600

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "entry write, log on" "$ON" "$BENCH_LUA_DIR/strongbox_write.lua"
  run_wrk "entry write, log off" "$OFF" "$BENCH_LUA_DIR/strongbox_write.lua"
  # Only adds: a queue per round, or three rounds on a fast machine pass one queue's
  # 1,000,000-item limit (memstore_max_items_per_structure) and the last one answers 429.
  BENCH_QUEUE="Bench$round" run_wrk "queue add, log on" "$ON" "$BENCH_LUA_DIR/queue_add.lua"
  BENCH_QUEUE="Bench$round" run_wrk "queue add, log off" "$OFF" "$BENCH_LUA_DIR/queue_add.lua"
  run_wrk "feed read, pages of 100" "$ON" "$BENCH_LUA_DIR/changes_read.lua"
  run_wrk "entry GET" "$ON" "$BENCH_LUA_DIR/strongbox_get.lua"
done

echo "# feed long-poll wake latency"
python3 "$ROOT/scripts/bench/changes_wake.py" "$ON_PORT" 300

print_summary "entry write, log on / entry write, log off" \
  "queue add, log on / queue add, log off" \
  "feed read, pages of 100 / entry GET"
