#!/usr/bin/env bash
# Installs the Debian packages the tests need when they are missing: a throw-away Dovecot instance for
# the sandbox, and Chromium for the dashboard's end-to-end tests (driven by playwright-core).
# Idempotent and non-interactive so CI (root, no stdin) and `npm start`/`npm test` can call it every time.
set -euo pipefail

# dovecot-auth-lua: the sandbox decides every IMAP login through a Lua passdb.
packages=(dovecot-imapd dovecot-lmtpd dovecot-auth-lua chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
    echo "ensure-system-deps: missing ${missing[*]} and not root; install them with apt-get" >&2; exit 1
  fi
else
  sudo=()
fi

export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq </dev/null
# The packaged system instance is never used (the sandbox starts its own), so keep it from starting.
"${sudo[@]}" env RUNLEVEL=1 apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
echo "ensure-system-deps: installed ${missing[*]}"
