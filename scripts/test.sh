#!/usr/bin/env bash
# Set up (if needed) and run every check: lint, architecture contract, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/install-browser.sh || echo "warning: Chromium could not be installed; the browser test will skip" >&2
.venv/bin/ruff check src tests benchmarks scripts
.venv/bin/lint-imports
.venv/bin/python scripts/check_structure.py  # import cycles (lazy ones too), modules over 500 lines
.venv/bin/mypy
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$rc"
