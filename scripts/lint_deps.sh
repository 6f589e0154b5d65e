#!/usr/bin/env bash
# Enforces the one-way module graph of design.md §3 by grepping includes:
#   core ← config ← store ← {datastore, …, idempotency} ← gate ← cluster ← api ← app, and
#   http ← core only.
# RocksDB headers stay in store/ (and ops/ for backups); Beast stays in http/ and api/.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
forbid() {  # forbid <folder> <include-regex> <why>
  local dir="$1" pattern="$2" why="$3" hits
  [ -d "$dir" ] || return 0
  hits=$(grep -rnE "#include [<\"]($pattern)" "$dir" || true)
  if [ -n "$hits" ]; then
    printf 'lint_deps: %s\n%s\n' "$why" "$hits" >&2
    fail=1
  fi
}

domain='datastore|leaderboard|memstore|locks|ops|idempotency|changes'
forbid src/core "(config|store|http|api|app|$domain)/|rocksdb/|boost/beast" "core depends on nothing"
forbid src/config "(store|http|api|app|$domain)/|rocksdb/|boost/beast" "config sees only core"
forbid src/http "(config|store|api|app|$domain)/|rocksdb/" "http knows no endpoint and no domain"
forbid src/store "(http|gate|api|app|$domain)/|boost/beast" "store knows no record kind and no HTTP"
for d in src/datastore src/leaderboard src/memstore src/locks src/idempotency src/changes; do
  forbid "$d" "(http|gate|api|app)/|rocksdb/|boost/beast" "domain code sees neither HTTP nor RocksDB"
done
forbid src/ops "(http|gate|api|app)/|boost/beast" "ops sees no HTTP"
# The request gate (access, route table, write context) sits between HTTP and the domain.
forbid src/gate "(api|app|config)/|rocksdb/|boost/beast|(datastore|leaderboard|memstore)/" \
  "gate sees HTTP, the stores it guards with (locks, idempotency, ops) and nothing above"
# The cluster (#16) routes and moves partitions: it sees the store, HTTP and the gate's
# Placement, and reaches the services only through PartitionHost.
forbid src/cluster "(api|app|config)/|rocksdb/|boost/beast|(datastore|leaderboard|memstore|locks|ops|idempotency|changes)/" \
  "cluster sees store, http and gate, not the services or anything above"
forbid src/console "(config|store|http|gate|api|app|cluster|$domain)/|rocksdb/|boost/" \
  "the console module is the page's files: it sees only core"
forbid src/api "app/|rocksdb/" "api sees no RocksDB and not the composition root"
# Record formats live with their module: api renders resources, it never encodes a key or value.
forbid src/api "store/(key_codec|value_codec)\.h" "api encodes no storage key or value"

exit "$fail"
