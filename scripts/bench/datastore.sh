#!/usr/bin/env bash
# Benchmark (issue #4), all in sync durability: increments per second on one hot key and on
# random keys, :patch per second (a bounded spend on random wallets), and list-keys pages per
# second on a store of 100,000 keys; etcd's v3 JSON gateway put measured in the same run as the
# peer. wrk: 2 threads, 64 connections, DURATION seconds, ROUNDS rounds in turn, medians.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
KEYS="${KEYS:-100000}"

bench_install wrk etcd-server
bench_build

start_strongbox sync sync
SB="http://127.0.0.1:$SB_PORT"
echo "# loading $KEYS keys"
seq 0 $((KEYS - 1)) | awk '{
  printf "POST /cloud/v2/universes/1/data-stores/Big/entries?id=player%06d ", $1
  print "{\"value\":{\"coins\":100}}"
}' | sb_fill "$SB_PORT"
start_etcd

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "increment hot key" "$SB" "$BENCH_LUA_DIR/increment_hot.lua"
  run_wrk "increment random keys" "$SB" "$BENCH_LUA_DIR/increment_random.lua"
  run_wrk ":patch random wallets" "$SB" "$BENCH_LUA_DIR/patch_spend.lua"
  run_wrk "list keys page (100)" "$SB" "$BENCH_LUA_DIR/list_keys.lua"
  run_wrk "etcd put" "http://127.0.0.1:$ETCD_PORT" "$BENCH_LUA_DIR/etcd_put.lua"
done

print_summary "increment hot key / etcd put" "increment random keys / etcd put" \
  ":patch random wallets / etcd put" "list keys page (100) / etcd put"
