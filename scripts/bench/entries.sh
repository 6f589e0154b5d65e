#!/usr/bin/env bash
# Benchmark: entry GET and entry writes (sync and wal) against two peers measured in the same
# run: nginx serving a static 100-byte file (the HTTP ceiling of this machine) and etcd's v3
# JSON gateway doing put and range (the nearest durable HTTP key-value store).
# wrk: 2 threads, 64 connections, DURATION seconds (default 10), loopback only. All servers run
# side by side and the targets are measured in turn, ROUNDS times (default 3); the median of
# each is reported, so a noisy neighbour skews every target alike. Installs wrk, nginx-light and
# etcd-server from Debian if missing. Prints req/s, p50, p99 and the ratios.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-64}"
export BENCH_LUA_DIR="$ROOT/scripts/bench/lua"

need=()
for p in wrk nginx-light etcd-server; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ "${#need[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  # nginx-light's and etcd's packages start system services; policy-rc.d keeps them down.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}"
  $SUDO rm -f /usr/sbin/policy-rc.d
fi
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRONGBOX_BUILD_TESTS=OFF >/dev/null
cmake --build build/release >/dev/null
BIN="$ROOT/build/release/server/strongbox"

WORK=$(mktemp -d /tmp/strongbox-bench-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_port_file() {  # file → port
  for _ in $(seq 1 500); do [ -s "$1" ] && { cat "$1"; return; }; sleep 0.02; done
  echo "no port file $1" >&2; exit 1
}
wait_http() {  # url [method]
  for _ in $(seq 1 500); do curl -s -o /dev/null -X "${2:-GET}" "$1" && return; sleep 0.02; done
  echo "no answer from $1" >&2; exit 1
}

RESULTS="$WORK/results.tsv"
: > "$RESULTS"
# run_wrk NAME URL [LUA] → appends "NAME req/s p50_ms p99_ms"
run_wrk() {
  local name="$1" url="$2" script="${3:-}" out
  local args=(-t2 -c"$CONNS" -d"${DURATION}s" --latency --timeout 5s)
  [ -n "$script" ] && args+=(-s "$script")
  out=$(wrk "${args[@]}" "$url")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(grep -E "Non-2xx|Socket errors" <<<"$out" || true)
  if [ -n "$errors" ]; then
    echo "  $name: $errors" >&2
    echo "bench: $name had errors; its figure would be meaningless" >&2
    exit 1
  fi
  to_ms() { awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n; else if (v ~ /s$/) n*=1000; printf "%.2f", n }'; }
  printf '%s\t%s\t%s\t%s\n' "$name" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" | tee -a "$RESULTS"
}

start_strongbox() {  # durability → sets SB_PORT, SB_PID
  local d="$WORK/sb-$1"
  mkdir -p "$d"
  "$BIN" --port 0 --port-file "$d/port" --data-dir "$d/data" --durability "$1" \
    --log-level warn >"$d/log" 2>&1 &
  SB_PID=$!
  PIDS+=("$SB_PID")
  SB_PORT=$(wait_port_file "$d/port")
}

# Every server starts first; then the measurements take turns.
start_strongbox sync
SB_SYNC=$SB_PORT
curl -s -o /dev/null -X POST "http://127.0.0.1:$SB_SYNC/cloud/v2/universes/1/data-stores/Bench/entries?id=hot" \
  -d '{"value":{"gold":100,"level":7,"name":"benchmark player"}}'
start_strongbox wal
SB_WAL=$SB_PORT

NGX="$WORK/nginx"
mkdir -p "$NGX/html" "$NGX/logs"
chmod 755 "$WORK" "$NGX" "$NGX/html"  # nginx workers run as an unprivileged user
head -c 100 /dev/zero | tr '\0' 'x' > "$NGX/html/hot"
NGX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
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

ETCD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PEER_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
etcd --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "default=http://127.0.0.1:$PEER_PORT" >"$WORK/etcd.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$ETCD_PORT/health"
curl -s -o /dev/null -X POST "http://127.0.0.1:$ETCD_PORT/v3/kv/put" \
  -d "{\"key\":\"$(printf hot | base64)\",\"value\":\"$(printf '{"gold":100}' | base64)\"}"

for round in $(seq 1 "$ROUNDS"); do
  echo "# round $round of $ROUNDS"
  run_wrk "strongbox GET" "http://127.0.0.1:$SB_SYNC" "$BENCH_LUA_DIR/strongbox_get.lua"
  run_wrk "nginx static GET" "http://127.0.0.1:$NGX_PORT/hot"
  run_wrk "etcd range" "http://127.0.0.1:$ETCD_PORT" "$BENCH_LUA_DIR/etcd_range.lua"
  run_wrk "strongbox write sync" "http://127.0.0.1:$SB_SYNC" "$BENCH_LUA_DIR/strongbox_write.lua"
  run_wrk "strongbox write wal" "http://127.0.0.1:$SB_WAL" "$BENCH_LUA_DIR/strongbox_write.lua"
  run_wrk "etcd put" "http://127.0.0.1:$ETCD_PORT" "$BENCH_LUA_DIR/etcd_put.lua"
done

echo
echo "# summary: median of $ROUNDS rounds (wrk -t2 -c$CONNS -d${DURATION}s, loopback, $(nproc) cores)"
python3 - "$RESULTS" <<'PY'
import sys
import statistics
runs = {}
for line in open(sys.argv[1]):
    name, rps, p50, p99 = line.rstrip("\n").split("\t")
    runs.setdefault(name, []).append((float(rps or 0), float(p50 or 0), float(p99 or 0)))
rows = {name: tuple(statistics.median(r[i] for r in rs) for i in range(3))
        for name, rs in runs.items()}
print("%-22s %12s %9s %9s" % ("", "req/s", "p50 ms", "p99 ms"))
for name, (rps, p50, p99) in rows.items():
    print("%-22s %12.0f %9.2f %9.2f" % (name, rps, p50, p99))
def ratio(a, b):
    return rows[a][0] / rows[b][0] if rows.get(b, (0,))[0] else float("nan")
print()
print("strongbox GET / nginx static GET      = %.2f  (aim >= 0.7)" % ratio("strongbox GET", "nginx static GET"))
print("strongbox GET / etcd range            = %.2f" % ratio("strongbox GET", "etcd range"))
print("strongbox write sync / etcd put       = %.2f  (aim >= 2)" % ratio("strongbox write sync", "etcd put"))
print("strongbox write wal / etcd put        = %.2f" % ratio("strongbox write wal", "etcd put"))
PY
