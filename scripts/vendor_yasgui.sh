#!/usr/bin/env bash
# Vendor YASGUI into the package: service/ppikg/static/yasgui/ holds the built files of one exact release,
# fetched from the npm registry with `npm pack` (no install, no build, nothing fetched at run time).
#
#   bash scripts/vendor_yasgui.sh          # re-fetch the pinned version and overwrite the vendored copy
#
# To upgrade, change VERSION and INTEGRITY (from `npm view @zazuko/yasgui@X dist.integrity`) and re-run.
# The single UMD bundle yasgui.min.js already contains YASQE (the editor) and YASR (the results viewer).
set -euo pipefail
PACKAGE="@zazuko/yasgui"
VERSION="4.6.2"
INTEGRITY="sha512-Zw45KdPoAE1KRaAoxIHdQqeJxvaVG1oQdntw0hy0ktX35Zu8ZccuOLrXCLwR+GU+0xMzLw8Mjw6BkSZV2vUuQw=="

cd "$(dirname "$0")/.."
DEST=service/ppikg/static/yasgui
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

(cd "$TMP" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
TGZ=$(ls "$TMP"/*.tgz)
GOT="sha512-$(openssl dgst -sha512 -binary "$TGZ" | base64 -w0)"
if [ "$GOT" != "$INTEGRITY" ]; then
  echo "integrity mismatch for $PACKAGE@$VERSION: $GOT" >&2
  exit 1
fi
tar -xzf "$TGZ" -C "$TMP"
mkdir -p "$DEST"
cp "$TMP/package/build/yasgui.min.js" "$TMP/package/build/yasgui.min.css" "$DEST/"
{
  echo "package: $PACKAGE"
  echo "version: $VERSION"
  echo "license: $(node -p "require('$TMP/package/package.json').license")"
  echo "homepage: $(node -p "require('$TMP/package/package.json').homepage")"
  echo "tarball integrity: $INTEGRITY"
  echo "files (from build/ of the tarball, unchanged):"
  (cd "$DEST" && sha256sum yasgui.min.js yasgui.min.css | sed 's/^/  /')
  echo "fetched with: bash scripts/vendor_yasgui.sh (npm pack $PACKAGE@$VERSION)"
} > "$DEST/VERSION.txt"
echo "vendored $PACKAGE@$VERSION into $DEST ($(du -sh "$DEST" | cut -f1))"
