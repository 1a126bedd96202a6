#!/usr/bin/env bash
# Install everything the tests need (system packages, a running PostgreSQL, npm tools, Python
# packages), then run the linters, the format check, the type checker (tests included), the
# layer contracts, the wheel check (scripts/check-wheel.sh) and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-system.sh
bash scripts/setup-postgres.sh
bash scripts/setup-python.sh dev
if [ -f tests/node/package.json ]; then
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
.venv/bin/ruff check src tests bench scripts
.venv/bin/ruff format --check src tests bench scripts
.venv/bin/mypy
.venv/bin/lint-imports
bash scripts/check-wheel.sh
.venv/bin/python -m pytest "$@"
