#!/usr/bin/env bash
# Fetch the camera's barcode reader (zxing-wasm's reader build, MIT; zxing-cpp inside,
# Apache-2.0) from the npm registry into src/batchlabel/web/static/zxing/, unchanged, after
# checking the tarball against the registry's checksum. The files are committed: the
# package serves them itself, so a page never loads anything from another host.
set -euo pipefail
cd "$(dirname "$0")/.."
version="3.1.4"
integrity="sha512-1+v8p7sauddySVNG+ye7GD/0TS95BG2ycdkrC+EnBrFBFkHeIghzUt2yVjtx3NucJeNrQnhT8yGAIz60Vx9o0w=="
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "zxing-wasm@$version" >/dev/null)
tarball="$work/zxing-wasm-$version.tgz"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$got" = "$integrity" ] || { echo "zxing-wasm $version does not match its checksum: $got" >&2; exit 1; }
tar -xzf "$tarball" -C "$work" package/LICENSE package/dist/es/share.js \
  package/dist/es/reader/index.js package/dist/reader/zxing_reader.wasm
out=src/batchlabel/web/static/zxing
mkdir -p "$out/reader"
cp "$work/package/dist/es/share.js" "$out/share.js"  # index.js imports "../share.js"
cp "$work/package/dist/es/reader/index.js" "$out/reader/index.js"
cp "$work/package/dist/reader/zxing_reader.wasm" "$out/reader/zxing_reader.wasm"
cp "$work/package/LICENSE" "$out/LICENSE"
echo "$version" >"$out/VERSION"
echo "zxing-wasm $version is in $out (keep LICENSE-zxing-cpp beside it)."
