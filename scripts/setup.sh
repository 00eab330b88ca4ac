#!/usr/bin/env bash
# One-step set-up on a fresh machine: a virtual environment in .venv with joulebench and
# everything its tests and the offline quick suite need. Safe to run again (fast when done).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.joulebench-setup
want="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# The CPU build of torch, pinned: an unpinned torch resolves to a multi-GB CUDA build.
.venv/bin/python -m pip install --quiet "torch==2.13.0"
.venv/bin/python -m pip install --quiet -e ".[hf,parquet,ray,serve,dev,quality]"
echo "$want" > "$stamp"
echo "joulebench set up in .venv ($(.venv/bin/joulebench --version 2>/dev/null || echo 'installed'))"
