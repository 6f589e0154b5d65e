#!/usr/bin/env bash
# Installs what is missing, checks formatting and module boundaries, builds with -Werror, runs
# every unit and integration test and a short crash test, then builds and runs every test again
# under AddressSanitizer + UndefinedBehaviorSanitizer in a separate build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS="${JOBS:-$(nproc)}"
export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/tmp}/.cache/strongbox-ccache}"

step() { printf '\n==> %s\n' "$*"; }

# need_tool COMMAND PACKAGE… : installs the Debian packages when COMMAND is missing (test tools
# only; scripts/setup.sh installs what the product needs).
need_tool() {
  local command="$1"
  shift
  command -v "$command" >/dev/null && return 0
  echo "installing $* (Debian) for $command"
  install_packages "$@"
}

install_packages() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

step "setup"
scripts/setup.sh

step "format check"
scripts/format.sh --check

step "module boundaries"
scripts/lint_deps.sh

step "test names"
# catch_discover_tests hands ctest each Catch test name as a list element: a ';' in a name splits
# it into names that match no test, and those fail in ctest only (twice so far).
# Names may span several string literals: join them before looking.
python3 - <<'PY'
import pathlib, re, sys
bad = []
for path in pathlib.Path("tests").rglob("*.cc"):
    text = path.read_text(errors="replace")
    for m in re.finditer(r'TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+)', text):
        name = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
        if ";" in name:
            bad.append(f"{path}:{text.count(chr(10), 0, m.start()) + 1}: {name}")
if bad:
    print("\n".join(bad))
    print("a TEST_CASE name above contains ';' (ctest splits it): use a comma", file=sys.stderr)
    sys.exit(1)
PY

step "OpenAPI lint"
# proto-docs/openapi.yaml, linted by Spectral's OpenAPI ruleset, every warning fatal
# (tools/openapi-lint: a test tool pinned with its package-lock.json, installed from the npm
# registry on first use; not part of the product). The openapi_routes test checks it against the
# router.
need_tool npm nodejs npm
lint_dir=tools/openapi-lint
wanted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["devDependencies"]["@stoplight/spectral-cli"])' "$lint_dir/package.json")
have=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
  "$lint_dir/node_modules/@stoplight/spectral-cli/package.json" 2>/dev/null || true)
if [ "$have" != "$wanted" ]; then
  # --ignore-scripts: spectral needs none, and one dependency (@scarf/scarf) would phone home.
  npm ci --prefix "$lint_dir" --ignore-scripts --no-audit --no-fund --loglevel=error
fi
"$lint_dir/node_modules/.bin/spectral" lint proto-docs/openapi.yaml \
  --ruleset "$lint_dir/.spectral.yaml" --fail-severity warn

step "alert rules"
# docker/prometheus/strongbox-alerts.yml: valid (promtool check rules) and each alert firing on
# the series its unit test gives and quiet just under its threshold (promtool test rules).
# promtool comes with Debian's prometheus package, installed here if missing (test tool only).
need_tool promtool prometheus
promtool check rules docker/prometheus/strongbox-alerts.yml
(cd docker/prometheus && promtool test rules strongbox-alerts.test.yml)
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' docker/grafana/strongbox-dashboard.json

step "compose file"
# Checked only where a compose client exists (the plugin or the standalone docker-compose);
# no engine is needed to validate it.
if command -v docker >/dev/null && docker compose version >/dev/null 2>&1; then
  docker compose -f docker/docker-compose.yml config -q
  docker compose -f docker/docker-compose.postgres.yml config -q
  docker compose -f docker/docker-compose.cluster.yml config -q
elif command -v docker-compose >/dev/null; then
  docker-compose -f docker/docker-compose.yml config -q
  docker-compose -f docker/docker-compose.postgres.yml config -q
  docker-compose -f docker/docker-compose.cluster.yml config -q
else
  echo "no docker compose client: skipped"
fi

step "browser for the console test"
# Debian's chromium, its chromedriver and python3-selenium (test tools only, nothing downloaded
# but Debian packages): tests/browser/console_test.py drives the console in it, and fails rather
# than skips when they are missing here.
need_tool chromium chromium
need_tool chromedriver chromium-driver
/usr/bin/python3 -c 'import selenium' 2>/dev/null || install_packages python3-selenium
export STRONGBOX_REQUIRE_BROWSER=1

step "PostgreSQL for the storage-mode postgres pass"
# A scratch server on a loopback port (scripts/pg.sh), stopped and deleted however this script
# ends. Every integration test runs against it too ("postgres:" tests, label postgres), each
# server on a database of its own.
pg_dir="$(mktemp -d /tmp/strongbox-test-pg-XXXXXX)"
trap 'scripts/pg.sh stop "$pg_dir" || true; rm -rf "$pg_dir"' EXIT
STRONGBOX_TEST_POSTGRES_URL="$(scripts/pg.sh start "$pg_dir")"
export STRONGBOX_TEST_POSTGRES_URL
echo "$STRONGBOX_TEST_POSTGRES_URL"

step "build (warnings are errors)"
cmake -S . -B build/test -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRONGBOX_WERROR=ON >/dev/null
cmake --build build/test -j "$JOBS"

step "unit and integration tests"
ctest --test-dir build/test -j "$JOBS" --output-on-failure --timeout 300

step "a million items in one sorted map and one queue (about a minute; this pass only)"
# Hidden from ctest (tag [.large]): under the sanitizers it would take many times longer, and the
# code it drives is the same the other tests run there.
build/test/tests/unit_tests "[.large]"

step "crash test (SIGKILL at random moments, 3 cycles; storage postgres, 3; cluster, 3)"
STRONGBOX_BIN=build/test/server/strongbox scripts/crash/kill9.sh 3
STRONGBOX_BIN=build/test/server/strongbox scripts/crash/kill9.sh --storage postgres 3
STRONGBOX_BIN=build/test/server/strongbox scripts/crash/kill9.sh --storage cluster 3

step "build with AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DSTRONGBOX_WERROR=ON \
  -DSTRONGBOX_SANITIZE=address,undefined >/dev/null
cmake --build build/asan -j "$JOBS"

step "unit and integration tests under sanitizers"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_init_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The embedded mode in full; storage mode postgres on a representative subset, for time (the
# -Werror pass above ran all of it): the tests of that mode alone, Idempotency-Key replays,
# the route table's probe of every route, the lifecycle tests, and two of the cluster's
# (three nodes forwarding to each other; a paused owner taken over).
ctest --test-dir build/asan -j "$JOBS" --output-on-failure --timeout 600 -LE postgres
ctest --test-dir build/asan -j "$JOBS" --output-on-failure --timeout 600 -L postgres \
  -R '^postgres:(every acknowledged|a second strongbox|a paused owner|sessions killed|a commit stuck|PostgreSQL restarted|a synchronous standby|.*Idempotency-Key|every mutating route|SIGTERM|cluster: three nodes|cluster: a paused owner)'

step "fuzz (each target ${FUZZ_SECONDS:-20} s)"
# scripts/fuzz.sh builds build/fuzz (clang++, libFuzzer + ASan + UBSan; only the libraries the
# targets link) and runs every tests/fuzz target on a scratch copy of its seed corpus, $JOBS at a
# time. On 2 cores the step takes about 5 minutes from scratch (3.3 of them building) and under
# 2 minutes from a warm ccache: the runs are 10 targets x 20 s, two at a time.
scripts/fuzz.sh all "${FUZZ_SECONDS:-20}"
