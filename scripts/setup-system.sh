#!/usr/bin/env bash
# System packages the tests need: CUPS (a real print server), Chromium (browser tests),
# ffmpeg (a label turned into the fake camera's video), PostgreSQL (the shared database's
# tests), wrk (the web benchmark), DejaVu fonts. Installs only what is missing, so a second
# run is quick.
set -euo pipefail
needed=(cups cups-client cups-bsd chromium fonts-dejavu-core ffmpeg postgresql wrk)
missing=()
for package in "${needed[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "Installing system packages: ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
