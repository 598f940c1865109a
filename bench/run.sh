#!/usr/bin/env bash
# `npm run bench`: the benchmarks against the sandbox's real Dovecot, Postgres and Redis. They write
# their numbers to bench/results/ and print a table; they never pass or fail on speed.
set -euo pipefail
cd "$(dirname "$0")/.."

[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-system-deps.sh
# Node reads NODE_EXTRA_CA_CERTS only at start-up: the sandbox's CA must exist and be trusted first.
NODE_EXTRA_CA_CERTS=$(npx tsx sandbox/src/ca.ts)
export NODE_EXTRA_CA_CERTS

node --import tsx bench/imap-ingest.bench.ts
node --import tsx bench/microsoft-shared.bench.ts
node --import tsx bench/metadata-sync-graph.bench.ts
node --import tsx bench/metadata-sync-gmail.bench.ts
node --import tsx bench/api.bench.ts
