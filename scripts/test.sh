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
# The app, the sandbox (Dovecot's auth, Graph, Entra) and the tests share one process per group, with
# many real connections at once: give libuv more threads for DNS and file I/O than its default 4.
export UV_THREADPOOL_SIZE=16
run_group() {
  local pass=$1 extensions=$2 name=$3; shift 3
  echo "== pass: $pass (EXTENSIONS=$extensions) — $name"
  EXTENSIONS="$extensions" npx mocha "$@" 2>&1 | tee "$log_dir/$pass-$name.log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
}
# Each group runs in its own process, so background work one group starts (workers, IDLE sessions,
# sandboxes) cannot slow another down.
run_pass() {
  local pass=$1 extensions=$2 e2e=$3
  run_group "$pass" "$extensions" core 'test/{unit,db,jobs,extensions,client,api,realtime}/**/*.test.ts'
  run_group "$pass" "$extensions" email 'test/email/**/*.test.ts'
  run_group "$pass" "$extensions" e2e "$e2e"
}

# The product as people run it: `npm start` (its launcher, sandbox and environment), walked in Chromium.
run_group product leadchat acceptance 'test/acceptance/**/*.test.ts'
run_pass overlay leadchat 'test/e2e/**/*.test.ts'
# The sandbox and the overlay's own tests do not depend on the core-alone pass: they run once.
run_group overlay leadchat sandbox 'test/sandbox/**/*.test.ts'
run_group overlay leadchat leadchat 'overlays/*/test/**/*.test.ts' --ignore 'overlays/*/test/metadata-sync/**'
run_group overlay leadchat metadata-sync 'overlays/*/test/metadata-sync/**/*.test.ts'
# Without the overlay the dashboard suite checks the core's own pages and that nothing of the overlay
# shows; the other browser suites drive the same core code, already walked with the overlay loaded.
run_pass core '' 'test/e2e/dashboard.e2e.test.ts'

count() { grep -hoE "^ +[0-9]+ $1" "$log_dir"/*.log | awk '{s+=$1} END {print s+0}'; }
echo
echo "tests: $(count passing) passed, $(count failing) failed, $(count pending) skipped"
rm -rf "$log_dir"
exit $status
