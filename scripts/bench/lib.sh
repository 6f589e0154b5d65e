# Shared by the benchmark scripts (source it): installs, server start-up, wrk runs, medians.
# Loopback only; every server started here is stopped on exit.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-64}"
# A fill (the data a bench reads) runs until it is done, not for a fixed time, so a slower
# machine still finishes; it fails if it is not done within FILL_TIMEOUT seconds.
FILL_TIMEOUT="${FILL_TIMEOUT:-600}"
export BENCH_LUA_DIR="$ROOT/scripts/bench/lua"

# bench_install PKG… : installs the Debian packages that are missing (services kept down).
bench_install() {
  local need=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  [ "${#need[@]}" -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq
  # Packages such as nginx and etcd start system services; policy-rc.d keeps them down.
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}"
  $sudo rm -f /usr/sbin/policy-rc.d
}

# bench_build: Release strongbox → $BIN
bench_build() {
  (cd "$ROOT" && scripts/setup.sh &&
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRONGBOX_BUILD_TESTS=OFF \
      >/dev/null && cmake --build build/release >/dev/null)
  BIN="$ROOT/build/release/server/strongbox"
}

WORK=$(mktemp -d /tmp/strongbox-bench-XXXXXX)
PIDS=()
bench_cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${PG_DIR:-}" ]; then "$ROOT/scripts/pg.sh" stop "$PG_DIR" || true; fi
  rm -rf "$WORK"
}
trap bench_cleanup EXIT
RESULTS="$WORK/results.tsv"
: > "$RESULTS"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_port_file() {  # file → port
  for _ in $(seq 1 500); do [ -s "$1" ] && { cat "$1"; return; }; sleep 0.02; done
  echo "no port file $1" >&2; exit 1
}
wait_http() {  # url
  for _ in $(seq 1 500); do curl -s -o /dev/null "$1" && return; sleep 0.02; done
  echo "no answer from $1" >&2; exit 1
}

# Every server started here takes this admin key (--admin-key-file); wrk scripts read SB_KEY.
export SB_KEY="sb_admin_bench$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n' "$SB_KEY" > "$WORK/admin.key"
# curl with the key, for requests to strongbox.
sbcurl() { curl -H "x-api-key: $SB_KEY" "$@"; }

# sb_fill PORT: sends the requests on stdin, one "METHOD PATH [BODY]" a line, to the strongbox on
# PORT with the key, over 16 connections (so in no set order), until every one has had a 2xx
# answer; fails at the first other answer, and when they are not all done within FILL_TIMEOUT
# seconds.
sb_fill() {
  local rc=0
  timeout "$FILL_TIMEOUT" python3 -c '
import http.client, os, sys, threading
port = int(sys.argv[1])
requests = [line.rstrip("\n").split(" ", 2) for line in sys.stdin if line.strip()]
headers = {"Content-Type": "application/json", "x-api-key": os.environ["SB_KEY"]}
failed = []
def send(share):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for r in share:
            if failed:
                return
            c.request(r[0], r[1], r[2] if len(r) > 2 else None, headers)
            answer = c.getresponse()
            body = answer.read()
            if not 200 <= answer.status < 300:
                failed.append("%s %s: %d %s" % (r[0], r[1], answer.status, body[:200]))
    except Exception as e:
        failed.append(repr(e))
threads = [threading.Thread(target=send, args=(requests[t::16],)) for t in range(16)]
for t in threads: t.start()
for t in threads: t.join()
if failed:
    sys.exit("bench: fill failed: " + failed[0])
' "$1" || rc=$?
  [ "$rc" -eq 124 ] && echo "bench: the fill was not done within ${FILL_TIMEOUT}s (FILL_TIMEOUT)" >&2
  return "$rc"
}

# Rate limits measure nothing here but the workload's own rate: off unless a bench (auth.sh)
# sets SB_FLAGS itself.
SB_FLAGS="${SB_FLAGS:---rate-limit-datastore-per-key 0 --rate-limit-datastore-per-universe 0 \
--rate-limit-ordered-per-key 0 --rate-limit-ordered-per-universe 0 \
--rate-limit-memory-store-per-key 0 --rate-limit-memory-store-per-universe 0 \
--rate-limit-session-locks-per-key 0 --rate-limit-session-locks-per-universe 0 \
--rate-limit-changes-per-key 0 --rate-limit-changes-per-universe 0}"

# start_strongbox NAME DURABILITY [EXTRA FLAGS…] → SB_PORT, SB_PID
start_strongbox() {
  local d="$WORK/sb-$1" durability="$2"
  shift 2
  mkdir -p "$d"
  # shellcheck disable=SC2086
  "$BIN" --port 0 --port-file "$d/port" --data-dir "$d/data" --durability "$durability" \
    --log-level warn --admin-key-file "$WORK/admin.key" $SB_FLAGS "$@" >"$d/log" 2>&1 &
  SB_PID=$!
  PIDS+=($!)
  SB_PORT=$(wait_port_file "$d/port")
}

# start_postgres → PG_URL: a scratch PostgreSQL 15 on loopback (scripts/pg.sh, default settings:
# synchronous_commit on, fsync on) with an empty database `strongbox`; stopped on exit.
start_postgres() {
  PG_DIR="$WORK/pg"
  chmod 755 "$WORK"  # the server runs as the postgres user when this runs as root
  local url
  url="$("$ROOT/scripts/pg.sh" start "$PG_DIR")"
  psql "$url" -qc "CREATE DATABASE strongbox"
  PG_URL="${url/dbname=postgres/dbname=strongbox}"
}

# start_etcd → ETCD_PORT (etcd 3.4's v3 JSON gateway)
start_etcd() {
  ETCD_PORT=$(free_port)
  local peer
  peer=$(free_port)
  etcd --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "default=http://127.0.0.1:$peer" >"$WORK/etcd.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$ETCD_PORT/health"
}

# start_redis → REDIS_PORT: Redis 7 on loopback with no persistence (the peer of #5 and #6)
start_redis() {
  REDIS_PORT=$(free_port)
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$WORK" >"$WORK/redis.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 250); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.02; done
  echo "bench: redis did not start" >&2
  exit 1
}

# start_webdis → WD: webdis (HTTP in front of $REDIS_PORT), base URL in WD
start_webdis() {
  local port
  port=$(free_port)
  cat >"$WORK/webdis.json" <<JSON
{"redis_host": "127.0.0.1", "redis_port": $REDIS_PORT, "http_host": "127.0.0.1",
 "http_port": $port, "threads": 2, "pool_size": 64, "daemonize": false,
 "database": 0, "verbosity": 0, "logfile": "$WORK/webdis.log"}
JSON
  webdis "$WORK/webdis.json" >"$WORK/webdis.stderr" 2>&1 &
  PIDS+=($!)
  WD="http://127.0.0.1:$port"
  wait_http "$WD/PING"
}

# run_wrk NAME URL [LUA] → appends "NAME req/s p50_ms p99_ms" to $RESULTS; fails on errors.
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
  to_ms() {
    awk -v v="$1" 'BEGIN { n=v+0; if (v ~ /us$/) n/=1000; else if (v ~ /ms$/) n=n;
                           else if (v ~ /s$/) n*=1000; printf "%.2f", n }'
  }
  printf '%s\t%s\t%s\t%s\n' "$name" "$rps" "$(to_ms "$p50")" "$(to_ms "$p99")" | tee -a "$RESULTS"
}

# print_summary "A / B" … : medians per target, then the ratio of req/s for each "A / B" pair.
print_summary() {
  echo
  echo "# summary: median of $ROUNDS rounds (wrk -t2 -c$CONNS -d${DURATION}s, loopback, $(nproc) cores)"
  python3 - "$RESULTS" "$@" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, rps, p50, p99 = line.rstrip("\n").split("\t")
    runs.setdefault(name, []).append((float(rps or 0), float(p50 or 0), float(p99 or 0)))
rows = {name: tuple(statistics.median(r[i] for r in rs) for i in range(3))
        for name, rs in runs.items()}
print("%-28s %12s %9s %9s" % ("", "req/s", "p50 ms", "p99 ms"))
for name, (rps, p50, p99) in rows.items():
    print("%-28s %12.0f %9.2f %9.2f" % (name, rps, p50, p99))
print()
for pair in sys.argv[2:]:
    a, b = [s.strip() for s in pair.split(" / ")]
    ratio = rows[a][0] / rows[b][0] if rows.get(b, (0,))[0] else float("nan")
    print("%-50s = %.2f" % (pair, ratio))
PY
}
