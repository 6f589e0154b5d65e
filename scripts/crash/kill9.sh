#!/usr/bin/env bash
# Crash test: SIGKILLs strongbox at random moments under concurrent write load and checks that
# every acknowledged write survives with its value and etag. Loopback only; bounded in cycles
# and time. Usage: scripts/crash/kill9.sh [--storage postgres|cluster] [CYCLES] (default 3; the
# README's long run is 50). With --storage postgres a scratch PostgreSQL (scripts/pg.sh) holds
# the truth and every other restart first deletes the local data directory, which is a cache;
# --storage cluster runs three cluster-mode nodes on it and SIGKILLs a random one per cycle.
# STRONGBOX_BIN selects the binary (default build/release/server/strongbox, built if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
storage=rocksdb
if [ "${1:-}" = "--storage" ]; then
  storage="${2:?--storage rocksdb|postgres|cluster}"
  shift 2
fi
cycles="${1:-3}"
bin="${STRONGBOX_BIN:-build/release/server/strongbox}"
if [ ! -x "$bin" ]; then
  scripts/setup.sh
  cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRONGBOX_BUILD_TESTS=OFF \
    >/dev/null
  cmake --build build/release
fi
exec timeout --signal=KILL $((cycles * 30 + 60)) python3 scripts/crash/kill9.py \
  --binary "$bin" --cycles "$cycles" --storage "$storage"
