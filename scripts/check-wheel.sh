#!/usr/bin/env bash
# The installed package is the product: build the sdist and the wheel from this tree, install
# the wheel into a fresh virtual environment outside the repository, and from an empty folder
# list and render every built-in template and run the demo. Any failure fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
work="$(mktemp -d "${TMPDIR:-/tmp}/batchlabel-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT
python="${PYTHON:-$repo/.venv/bin/python}"
# No flags: the sdist is built first and the wheel from the sdist, so what a pipx install of
# the sdist gets is proven too; a left-over build/ folder must not leak into the wheel.
rm -rf "$repo/build"
"$python" -m build --outdir "$work/dist" "$repo" >"$work/build.log" 2>&1 || {
  tail -40 "$work/build.log"; echo "Building the sdist and wheel failed."; exit 1; }
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip 2>/dev/null
"$work/venv/bin/python" -m pip install -q "$work"/dist/batchlabel-*.whl 2>&1 | grep -v '^WARNING: Location' || true
"$work/venv/bin/python" -c "import batchlabel" || { echo "The wheel did not install."; exit 1; }
mkdir "$work/empty"
cd "$work/empty"
PATH="$work/venv/bin:$PATH" python3 "$repo/scripts/wheel_smoke.py" "$work/dist" "$repo/templates"
