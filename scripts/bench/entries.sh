#!/usr/bin/env bash
# Benchmark (issues #3, #15): entry GET and entry writes (sync and wal, and storage mode
# postgres on a scratch PostgreSQL 15 with synchronous_commit on) against two peers measured in
# the same run: nginx serving a static 100-byte file (the HTTP ceiling of this machine) and
# etcd's v3 JSON gateway doing put and range (the nearest durable HTTP key-value store).
# wrk: 2 threads, 64 connections, DURATION seconds (default 10), loopback only. All servers run
# side by side and the targets are measured in turn, ROUNDS times (default 3); the median of
# each is reported, so a noisy neighbour skews every target alike. Installs wrk, nginx-light and
# etcd-server from Debian if missing.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

bench_install wrk nginx-light etcd-server
bench_build

start_strongbox sync sync
SB_SYNC=$SB_PORT
sbcurl -s -o /dev/null -X POST \
  "http://127.0.0.1:$SB_SYNC/cloud/v2/universes/1/data-stores/Bench/entries?id=hot" \
  -d '{"value":{"gold":100,"level":7,"name":"benchmark player"}}'
start_strongbox wal wal
SB_WAL=$SB_PORT
start_postgres
start_strongbox postgres sync --storage postgres --postgres-url "$PG_URL"
SB_PG=$SB_PORT
sbcurl -s -o /dev/null -X POST \
  "http://127.0.0.1:$SB_PG/cloud/v2/universes/1/data-stores/Bench/entries?id=hot" \
  -d '{"value":{"gold":100,"level":7,"name":"benchmark player"}}'

NGX="$WORK/nginx"
mkdir -p "$NGX/html" "$NGX/logs"
chmod 755 "$WORK" "$NGX" "$NGX/html"  # nginx workers run as an unprivileged user
head -c 100 /dev/zero | tr '\0' 'x' > "$NGX/html/hot"
NGX_PORT=$(free_port)
cat > "$NGX/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $NGX/nginx.pid;
error_log $NGX/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$NGX_PORT; root $NGX/html; }
}
CONF
nginx -p "$NGX" -c "$NGX/nginx.conf" &
PIDS+=($!)
wait_http "http://127.0.0.1:$NGX_PORT/hot"

start_etcd
curl -s -o /dev/null -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/put" \
  -d "{\"key\":\"$(printf hot | base64)\",\"value\":\"$(printf '{"gold":100}' | base64)\"}"

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "strongbox GET" "http://127.0.0.1:$SB_SYNC" "$BENCH_LUA_DIR/strongbox_get.lua"
  run_wrk "nginx static GET" "http://127.0.0.1:$NGX_PORT/hot"
  run_wrk "etcd range" "http://127.0.0.1:$ETCD_PORT" "$BENCH_LUA_DIR/etcd_range.lua"
  run_wrk "strongbox write sync" "http://127.0.0.1:$SB_SYNC" "$BENCH_LUA_DIR/strongbox_write.lua"
  run_wrk "strongbox write wal" "http://127.0.0.1:$SB_WAL" "$BENCH_LUA_DIR/strongbox_write.lua"
  run_wrk "strongbox GET postgres" "http://127.0.0.1:$SB_PG" "$BENCH_LUA_DIR/strongbox_get.lua"
  run_wrk "strongbox write postgres" "http://127.0.0.1:$SB_PG" \
    "$BENCH_LUA_DIR/strongbox_write.lua"
  run_wrk "etcd put" "http://127.0.0.1:$ETCD_PORT" "$BENCH_LUA_DIR/etcd_put.lua"
done

print_summary "strongbox GET / nginx static GET" "strongbox GET / etcd range" \
  "strongbox write sync / etcd put" "strongbox write wal / etcd put" \
  "strongbox GET postgres / strongbox GET" "strongbox write postgres / etcd put" \
  "strongbox write postgres / strongbox write sync"
echo "(aims: GET / nginx >= 0.7, sync write / etcd put >= 2, p99 < 10 ms;"
echo " postgres: GET postgres / GET >= 0.9, write postgres / etcd put >= 1)"
