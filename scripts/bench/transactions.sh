#!/usr/bin/env bash
# Benchmark (issue #17), sync durability: two-wallet trades per second as one :commit (debit
# with a min-0 guard + credit, all or nothing) against the same trade as two single :patch
# calls, and against etcd's v3 JSON gateway txn (compare two keys' revisions, put both) in the
# same run. 100,000 wallets preloaded (filled until done, FILL_TIMEOUT bound). wrk: 2 threads,
# CONNS connections, DURATION seconds, ROUNDS rounds in turn, medians. A :patch trade is two
# requests: its trades per second are half its requests per second (the summary says both).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
KEYS="${KEYS:-100000}"

bench_install wrk etcd-server
bench_build

start_strongbox sync sync
SB="http://127.0.0.1:$SB_PORT"
echo "# loading $KEYS wallets"
seq 0 $((KEYS - 1)) | awk '{
  printf "POST /cloud/v2/universes/1/data-stores/Big/entries?id=player%06d ", $1
  print "{\"value\":{\"coins\":1000000000}}"
}' | sb_fill "$SB_PORT"
start_etcd

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "trade :commit" "$SB" "$BENCH_LUA_DIR/trade_commit.lua"
  run_wrk "trade as two :patch" "$SB" "$BENCH_LUA_DIR/trade_patches.lua"
  run_wrk "etcd txn" "http://127.0.0.1:$ETCD_PORT" "$BENCH_LUA_DIR/etcd_txn.lua"
done

# Every request had a 2xx answer (run_wrk fails otherwise), so every trade counted committed.
print_summary "trade :commit / etcd txn"
python3 - "$RESULTS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, rps = line.split("\t")[:2]
    runs.setdefault(name, []).append(float(rps or 0))
commit = statistics.median(runs["trade :commit"])
patches = statistics.median(runs["trade as two :patch"]) / 2
etcd = statistics.median(runs["etcd txn"])
print()
print("trades/s: :commit %.0f, two :patch %.0f, etcd txn %.0f" % (commit, patches, etcd))
print("trade :commit / trade as two :patch (trades)      = %.2f" % (commit / patches))
print("trade :commit / etcd txn (trades)                 = %.2f" % (commit / etcd))
PY
