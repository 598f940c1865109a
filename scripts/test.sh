#!/usr/bin/env bash
# `npm test`: type-check, then the whole mocha suite twice against the real Postgres and Redis —
# core + LeadChat overlay, then the core alone (EXTENSIONS=) — and one summary line for both passes.
set -uo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1

echo "== type check"
npx tsc -p tsconfig.json --noEmit || exit 1

log_dir=$(mktemp -d)
status=0
run_pass() {
  local name=$1 extensions=$2; shift 2
  echo "== pass: $name (EXTENSIONS=$extensions)"
  EXTENSIONS="$extensions" npx mocha "$@" 2>&1 | tee "$log_dir/$name.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}

core_specs=('test/**/*.test.ts')
run_pass overlay leadchat "${core_specs[@]}" 'overlays/*/test/**/*.test.ts'
run_pass core '' "${core_specs[@]}"

count() { grep -hoE "^ +[0-9]+ $1" "$log_dir"/*.log | awk '{s+=$1} END {print s+0}'; }
echo
echo "tests: $(count passing) passed, $(count failing) failed, $(count pending) skipped"
rm -rf "$log_dir"
exit $status
