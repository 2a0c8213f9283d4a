#!/usr/bin/env bash
# Creates .venv with Python 3.10 and installs the locked dependencies, each only if its file matches a
# hash in requirements.lock (`make lock` writes them). Re-running is cheap: it does nothing when
# requirements.lock has not changed since the last successful install.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.steady-installed"
LOCK_HASH="$(sha256sum requirements.lock | cut -d' ' -f1)"

if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))'; then
  echo "==> $VENV was made with another Python version; recreating it"
  rm -rf "$VENV"
fi

if [ ! -x "$VENV/bin/python" ]; then
  PYTHON="$(tools/find_python.sh)"
  echo "==> Creating $VENV with $PYTHON"
  "$PYTHON" -m venv "$VENV"
fi

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$LOCK_HASH" ]; then
  exit 0
fi

echo "==> Installing pinned dependencies (first time takes about 3 minutes)"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
"$VENV/bin/python" -m pip check
echo "$LOCK_HASH" > "$STAMP"
echo "==> Dependencies installed"
