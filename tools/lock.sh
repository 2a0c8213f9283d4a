#!/usr/bin/env bash
# Writes requirements.lock from requirements.in: every package pinned, with the hashes of its files,
# so tools/setup_venv.sh installs nothing else (pip --require-hashes). Versions already in the lock
# are kept; pass --upgrade-package NAME (or --upgrade) to move one on. Then lock the tools the same way.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/setup_tools.sh
COMPILE=(.venv-tools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras
         --no-emit-index-url --no-emit-find-links)
"${COMPILE[@]}" "$@" --output-file=requirements.lock requirements.in
(cd tools && "../${COMPILE[0]}" "${COMPILE[@]:1}" --output-file=requirements-tools.lock requirements-tools.in)
echo "requirements.lock and tools/requirements-tools.lock updated; commit them."
