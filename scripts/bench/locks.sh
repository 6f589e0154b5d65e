#!/usr/bin/env bash
# Benchmark (issue #7), sync durability: session lock acquire/renew and steal per second, and the
# cost of the lock guard on a write: guarded vs unguarded entry PATCH of the same random keys in
# the same run. wrk: 2 threads, 64 connections, DURATION seconds, ROUNDS rounds in turn, medians.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_install wrk
bench_build

start_strongbox sync sync
SB="http://127.0.0.1:$SB_PORT"
# The lock that guards the writes: a fresh server issues token 1.
token=$(sbcurl -s -X POST "$SB/cloud/v2/universes/1/session-locks/guard:acquire" \
  -d '{"owner":"bench","ttl":"86000s"}' | python3 -c 'import sys,json; print(json.load(sys.stdin)["fencingToken"])')
[ "$token" = "1" ] || { echo "bench: unexpected guard token $token" >&2; exit 1; }

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "lock acquire/renew" "$SB" "$BENCH_LUA_DIR/lock_acquire.lua"
  run_wrk "lock steal" "$SB" "$BENCH_LUA_DIR/lock_steal.lua"
  run_wrk "entry write, unguarded" "$SB" "$BENCH_LUA_DIR/strongbox_write.lua"
  run_wrk "entry write, guarded" "$SB" "$BENCH_LUA_DIR/guarded_write.lua"
done

print_summary "entry write, guarded / entry write, unguarded" \
  "lock acquire/renew / entry write, unguarded"
