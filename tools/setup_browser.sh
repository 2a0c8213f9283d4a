#!/usr/bin/env bash
# Installs what the real-browser tests need: Debian's chromium and the npm package playwright-core
# (pinned in tests/browser/package-lock.json). Playwright's own browser download is not used.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${STEADY_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "==> Installing chromium for the browser tests"
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null
  else
    echo "The browser tests need Chromium at $CHROMIUM. Install it (Debian/Ubuntu: sudo apt-get install chromium)," >&2
    echo "or point STEADY_CHROMIUM at a Chromium or Chrome binary, then run make test again." >&2
    exit 1
  fi
fi

if ! command -v npm >/dev/null; then
  echo "The browser tests need Node.js 20 or newer with npm (https://nodejs.org or your package manager)." >&2
  exit 1
fi

STAMP=tests/browser/node_modules/.steady-installed
LOCK_HASH="$(sha256sum tests/browser/package-lock.json | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_HASH" ]; then
  echo "==> Installing playwright-core for the browser tests"
  npm ci --prefix tests/browser --no-audit --no-fund --silent
  echo "$LOCK_HASH" > "$STAMP"
fi
