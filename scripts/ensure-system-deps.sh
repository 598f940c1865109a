#!/usr/bin/env bash
# Installs the Debian packages LeadChat needs when they are missing, idempotent and non-interactive so
# CI (root, no stdin), `npm start` and `npm test` can call it every time:
#   sandbox  a throw-away Dovecot instance, the sandbox's mail store (what `npm start` needs without a
#            real Microsoft app);
#   test     the sandbox's packages plus Chromium for the dashboard's browser tests (the default).
set -euo pipefail

profile=${1:-test}
# dovecot-auth-lua: the sandbox decides every IMAP login through a Lua passdb.
packages=(dovecot-imapd dovecot-lmtpd dovecot-auth-lua)
case "$profile" in
  sandbox) ;;
  test) packages+=(chromium) ;;
  *) echo "ensure-system-deps: unknown profile '$profile' (sandbox | test)" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo=(sudo -n); else
    echo "ensure-system-deps: ${missing[*]} missing, and installing needs root: run" >&2
    echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
else
  sudo=()
fi

echo "Installing Debian packages: ${missing[*]} (once)…"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq </dev/null
# The packaged system instance is never used (the sandbox starts its own), so keep it from starting.
"${sudo[@]}" env RUNLEVEL=1 apt-get install -y -qq --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
echo "ensure-system-deps: installed ${missing[*]}"
