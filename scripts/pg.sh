#!/usr/bin/env bash
# A scratch PostgreSQL 15 for tests and benchmarks, on loopback only.
#
#   scripts/pg.sh start DIR [PORT]   initdb in DIR/data (first time), start, print the URL
#   scripts/pg.sh stop DIR           fast shutdown (bounded: 30 s, then immediate)
#   scripts/pg.sh url DIR            print the libpq URL of the server in DIR
#   scripts/pg.sh kill DIR           immediate shutdown, as a crash would
#   scripts/pg.sh standby PRIMARY DIR  a streaming standby of PRIMARY (pg_basebackup), started
#                                    and made its synchronous standby; prints its URL
#   scripts/pg.sh promote DIR        promotes the standby in DIR to a primary
#
# PostgreSQL refuses to run as root, and CI runs as root: then the server runs as the
# `postgres` user that Debian's postgresql-15 package creates, and DIR is handed to it. The
# socket lives in DIR too, so nothing outside DIR is touched. PORT 0 or absent picks a free one
# (kept in DIR/port for later starts). `trust` authentication for loopback: scratch data only.
set -euo pipefail

verb="${1:-}"
dir="${2:-}"
if [ -z "$verb" ] || [ -z "$dir" ]; then
  echo "usage: scripts/pg.sh start|stop|kill|url|standby|promote DIR ..." >&2
  exit 2
fi
bin=/usr/lib/postgresql/15/bin
if [ ! -x "$bin/pg_ctl" ]; then
  echo "pg.sh: PostgreSQL 15 is not installed (scripts/setup.sh installs postgresql-15)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

url() {
  echo "host=127.0.0.1 port=$(cat "$dir/port") user=postgres dbname=postgres"
}

case "$verb" in
  start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if [ ! -s "$dir/port" ] || [ -n "${3:-}" ]; then
      port="${3:-0}"
      [ "$port" = 0 ] && port="$(free_port)"
      echo "$port" >"$dir/port"
    fi
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
    if [ ! -s "$dir/data/PG_VERSION" ]; then
      as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log"
      cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
wal_level = replica
max_wal_senders = 4
EOF
      echo "host replication all 127.0.0.1/32 trust" >>"$dir/data/pg_hba.conf"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -o "-p $(cat "$dir/port")" -l "$dir/server.log" \
      -w -t 30 start >/dev/null
    url
    ;;
  stop)
    [ -d "$dir/data" ] || exit 0
    if ! as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    fi
    ;;
  url)
    url
    ;;
  kill)
    [ -d "$dir/data" ] || exit 0
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    ;;
  standby)
    primary="$(cd "$dir" && pwd)"
    standby="${3:?usage: scripts/pg.sh standby PRIMARY DIR}"
    primary_url="host=127.0.0.1 port=$(cat "$primary/port") user=postgres dbname=postgres"
    mkdir -p "$standby"
    standby="$(cd "$standby" && pwd)"
    free_port >"$standby/port"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$standby"; fi
    as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U postgres \
      -D "$standby/data" -R -X stream -c fast --no-sync >/dev/null
    {
      echo "unix_socket_directories = '$standby'"
      echo "primary_conninfo = 'host=127.0.0.1 port=$(cat "$primary/port") user=postgres application_name=standby'"
    } >>"$standby/data/postgresql.auto.conf"
    as_owner "$bin/pg_ctl" -D "$standby/data" -o "-p $(cat "$standby/port")" \
      -l "$standby/server.log" -w -t 30 start >/dev/null
    psql "$primary_url" -qc "ALTER SYSTEM SET synchronous_standby_names = 'standby'" \
      -c "SELECT pg_reload_conf()" >/dev/null
    # Bounded: the standby must be streaming, as the synchronous one, within 30 s.
    state=""
    for _ in $(seq 1 300); do
      state="$(psql "$primary_url" -tAc \
        "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby'")"
      [ "$state" = sync ] && break
      sleep 0.1
    done
    if [ "$state" != sync ]; then
      echo "pg.sh: the standby did not become synchronous in 30 s" >&2
      exit 1
    fi
    dir="$standby"
    url
    ;;
  promote)
    as_owner "$bin/pg_ctl" -D "$dir/data" -w -t 30 promote >/dev/null
    ;;
  *)
    echo "usage: scripts/pg.sh start|stop|kill|url|standby|promote DIR ..." >&2
    exit 2
    ;;
esac
