#!/usr/bin/env bash
# Quick start: install batchlabel into .venv and run the demo (SQLite file, demo data, file printer).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-python.sh
exec .venv/bin/batchlabel demo "$@"
