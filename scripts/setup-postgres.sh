#!/usr/bin/env bash
# Start this machine's PostgreSQL (Debian's cluster) for the tests and let this user create
# databases over the local socket; the tests make a throw-away database of their own and
# drop it at the end. Quick when the server already runs.
set -euo pipefail
version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! pg_lsclusters -h | awk '{print $4}' | grep -q online; then
  $SUDO pg_ctlcluster "$version" main start
fi
me="$(id -un)"
if ! $SUDO runuser -u postgres -- psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$me'" | grep -q 1; then
  $SUDO runuser -u postgres -- createuser --superuser "$me"
fi
echo "PostgreSQL $version is running; $me may create databases."
