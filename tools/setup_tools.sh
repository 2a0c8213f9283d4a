#!/usr/bin/env bash
# Creates .venv-tools with the locking and audit tools (tools/requirements-tools.lock, installed only
# with matching hashes). Apart from .venv because pip-audit needs a newer CacheControl than Rasa 3.6
# allows. Re-running is cheap: nothing happens while the tools lock is unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-tools
LOCK=tools/requirements-tools.lock
STAMP="$VENV/.steady-installed"
LOCK_HASH="$(sha256sum "$LOCK" | cut -d' ' -f1)"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$LOCK_HASH" ]; then
  exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$(tools/find_python.sh)" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$LOCK"
echo "$LOCK_HASH" > "$STAMP"
