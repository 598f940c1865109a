#!/usr/bin/env bash
# `npm start`: install what is missing, build, then run LeadChat (migrations, HTTP, workers) in one process.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "Installing npm packages (npm ci)…"
  npm ci --no-audit --no-fund
fi

# Local settings and secrets, if the operator keeps them in .env (see .env.example).
if [ -f .env ]; then set -a; . ./.env; set +a; fi

echo "Building the dashboard and the server…"
npx vite build --config client/vite.config.ts --logLevel warn
rm -rf dist && npx tsc -p tsconfig.build.json

exec node --import tsx scripts/launch.ts
