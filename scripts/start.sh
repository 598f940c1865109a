#!/usr/bin/env bash
# `npm start`: install what is missing, build, then run LeadChat (migrations, HTTP, workers) — and, when
# no Microsoft app is configured, the local sandbox in its place.
set -euo pipefail
cd "$(dirname "$0")/.."

# Local settings and secrets, if the operator keeps them in .env (see .env.example).
if [ -f .env ]; then set -a; . ./.env; set +a; fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund
fi

# Without a real Microsoft app the sandbox stands in for it, and its mail store is a Dovecot instance.
if [ -z "${MICROSOFT_CLIENT_ID:-}" ]; then bash scripts/ensure-system-deps.sh sandbox; fi

echo "Building the dashboard and the server…"
npx vite build --config client/vite.config.ts --logLevel warn
rm -rf dist && npx tsc -p tsconfig.build.json

exec node --import tsx scripts/launch.ts
