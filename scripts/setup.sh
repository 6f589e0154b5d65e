#!/usr/bin/env bash
# Installs every Debian package that building, testing and running Strongbox needs.
# Idempotent and non-interactive: installs only what is missing, and runs `apt-get update`
# only when something must be installed.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build ccache pkg-config
  libboost1.81-dev
  librocksdb-dev libgflags-dev libsnappy-dev zlib1g-dev libbz2-dev liblz4-dev libzstd-dev
  nlohmann-json3-dev libspdlog-dev catch2 libssl-dev
  clang-format curl python3 git
  # The fuzz build (scripts/fuzz.sh): clang++, libFuzzer and the sanitizer runtimes, and
  # llvm-symbolizer for file:line in its reports.
  clang libclang-rt-14-dev llvm-14
  # PostgreSQL storage (--storage postgres): the client library, and the server the tests start
  # in a scratch directory (scripts/pg.sh).
  libpq-dev postgresql-15
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
# Debian's postgresql-common creates and starts a cluster on port 5432 when the server package
# is installed; Strongbox's tests start their own (scripts/pg.sh), so ask it not to.
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  $SUDO mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" | $SUDO tee /etc/postgresql-common/createcluster.d/strongbox.conf >/dev/null
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
