#!/usr/bin/env bash
# Installs what is missing, builds Release, and serves on 127.0.0.1:8080 with the embedded
# RocksDB under ./data. Extra arguments are passed to strongbox (see --help), e.g.
#   scripts/run.sh --durability wal --port 9000
set -euo pipefail
cd "$(dirname "$0")/.."

export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/tmp}/.cache/strongbox-ccache}"
scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTRONGBOX_BUILD_TESTS=OFF \
  >/dev/null
cmake --build build/release -j "${JOBS:-$(nproc)}"
exec build/release/server/strongbox --config config/strongbox.json "$@"
