#!/usr/bin/env bash
# Enforces the one-way module graph of design.md §3 by grepping includes:
#   core ← config ← store ← {datastore, …} ← api ← app, and http ← core only.
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

domain='datastore|leaderboard|memstore|locks|ops'
forbid src/core "(config|store|http|api|app|$domain)/|rocksdb/|boost/beast" "core depends on nothing"
forbid src/config "(store|http|api|app|$domain)/|rocksdb/|boost/beast" "config sees only core"
forbid src/http "(config|store|api|app|$domain)/|rocksdb/" "http knows no endpoint and no domain"
forbid src/store "(http|api|app|$domain)/|boost/beast" "store knows no record kind and no HTTP"
for d in src/datastore src/leaderboard src/memstore src/locks; do
  forbid "$d" "(http|api|app)/|rocksdb/|boost/beast" "domain code sees neither HTTP nor RocksDB"
done
forbid src/ops "(http|api|app)/|boost/beast" "ops sees no HTTP"
forbid src/api "app/|rocksdb/" "api sees no RocksDB and not the composition root"

exit "$fail"
