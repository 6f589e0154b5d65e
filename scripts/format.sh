#!/usr/bin/env bash
# clang-format on every C++ file git knows of. `--check` changes nothing and fails on a diff.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.cc' '*.h')
[ "${#files[@]}" -gt 0 ] || exit 0
if [ "${1:-}" = "--check" ]; then
  if ! clang-format --dry-run -Werror "${files[@]}"; then
    echo "format: run scripts/format.sh to fix the files above" >&2
    exit 1
  fi
else
  clang-format -i "${files[@]}"
fi
