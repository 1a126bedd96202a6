#!/usr/bin/env bash
# A virtual environment in .venv with batchlabel installed: editable with extras (e.g. "dev",
# for developers), as a plain install without (the demo).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ -n "$extras" ]; then
  # developers: editable, so a change in src/ is what the tests run
  .venv/bin/python -m pip install -q -e ".[$extras]"
else
  # makers trying the demo: installed as a wheel would be, the way it is used
  .venv/bin/python -m pip install -q .
fi
