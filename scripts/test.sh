#!/usr/bin/env bash
# `npm test`: type-check, then the whole mocha suite twice against the real Postgres and Redis —
# core + LeadChat overlay, then the core alone (EXTENSIONS=) — and one summary line for both passes.
set -uo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1
# Dovecot for the sandbox's real mailboxes (installed once with apt-get when missing).
bash scripts/ensure-system-deps.sh || exit 1
# The sandbox's local CA must exist before node starts: Node reads NODE_EXTRA_CA_CERTS only at start-up.
NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/src/ca.ts) || exit 1
export NODE_EXTRA_CA_CERTS

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

# The sandbox does not depend on EXTENSIONS, so its tests run in the first pass only.
run_pass overlay leadchat 'test/**/*.test.ts' 'overlays/*/test/**/*.test.ts'
run_pass core '' 'test/**/*.test.ts' --ignore 'test/sandbox/**'

count() { grep -hoE "^ +[0-9]+ $1" "$log_dir"/*.log | awk '{s+=$1} END {print s+0}'; }
echo
echo "tests: $(count passing) passed, $(count failing) failed, $(count pending) skipped"
rm -rf "$log_dir"
exit $status
