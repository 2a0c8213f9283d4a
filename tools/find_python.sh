#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter (Rasa 3.6 needs 3.10), or explains what to install.
# Order: $STEADY_PYTHON, python3.10 / python3 on PATH, pyenv versions, common install locations.
set -u

is_py310() {
  "$@" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1
}

try() {
  if [ -n "$1" ] && is_py310 "$1"; then
    "$1" -c 'import sys; print(sys.executable)'
    exit 0
  fi
}

[ -n "${STEADY_PYTHON:-}" ] && try "$STEADY_PYTHON"

for name in python3.10 python3 python; do
  path="$(command -v "$name" 2>/dev/null || true)"
  [ -n "$path" ] && try "$path"
done

# pyenv shims fail unless a version is selected, so look at pyenv's own versions directly.
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
if command -v pyenv >/dev/null 2>&1; then
  pyenv_root="$(pyenv root 2>/dev/null || echo "$pyenv_root")"
fi
for candidate in "$pyenv_root"/versions/3.10*/bin/python3.10 \
                 "$HOME"/.local/share/uv/python/cpython-3.10*/bin/python3.10 \
                 /usr/local/bin/python3.10 /usr/bin/python3.10 \
                 /opt/homebrew/bin/python3.10 /opt/homebrew/opt/python@3.10/bin/python3.10 \
                 /Library/Frameworks/Python.framework/Versions/3.10/bin/python3.10; do
  [ -x "$candidate" ] && try "$candidate"
done

cat >&2 <<'MSG'
Steady needs Python 3.10 (Rasa 3.6 runs on Python 3.8 to 3.10; 3.11 and newer will not work),
with its venv module. None was found on PATH or under pyenv.

Install one of these ways, then run the command again:
  pyenv:          pyenv install 3.10.13
  Debian/Ubuntu:  sudo apt-get install python3.10 python3.10-venv   (Ubuntu: from the deadsnakes PPA)
  macOS:          brew install python@3.10
  uv:             uv python install 3.10
Or point Steady at an interpreter you already have:
  STEADY_PYTHON=/path/to/python3.10 make run
MSG
exit 1
