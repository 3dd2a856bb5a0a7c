#!/usr/bin/env bash
# Installs what a fresh clone lacks, quickly when nothing does; `npm test` and
# `npm run notebooks` call it first, so each works as the first command on a new machine.
#   - npm packages (npm ci) when node_modules is missing or older than package-lock.json;
#   - on Debian, Jupyter's client side, nbclient and chromium (environment/setup-debian.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install.sh: npm ci"
  npm ci --no-audit --no-fund
fi

if [ -f /etc/debian_version ]; then
  if [ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
    bash environment/setup-debian.sh >/dev/null || bash environment/setup-debian.sh
  elif ! /usr/bin/python3 -c 'import nbclient' 2>/dev/null; then
    echo "install.sh: Jupyter's nbclient is missing; run as root: bash environment/setup-debian.sh" >&2
  fi
fi
