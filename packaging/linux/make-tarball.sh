#!/usr/bin/env bash
# Pack a built bundle with the install script, the menu entry and the icons into one tarball:
#   packaging/linux/make-tarball.sh [BUNDLE_DIR] [OUT_DIR]      (defaults: dist/ctctdesk, dist)
# writes OUT_DIR/ctctdesk-VERSION-linux-ARCH.tar.gz, whose one folder holds install.sh, uninstall.sh,
# ctctdesk.desktop, icons/hicolor/... and the bundle as ctctdesk/. The version is asked of the bundle
# itself, so the tarball is named after what it holds.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bundle="$(cd "${1:-$root/dist/ctctdesk}" && pwd)"
out="$(mkdir -p "${2:-$root/dist}" && cd "${2:-$root/dist}" && pwd)"
resources="$root/ctctdesk/resources"

version="$("$bundle/ctctdesk" --version | awk '{print $2}')"
name="ctctdesk-$version-linux-$(uname -m)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
top="$stage/$name"
mkdir -p "$top"
# hard links where the file system allows it: the bundle is large and is only read from here
cp -al "$bundle" "$top/ctctdesk" 2>/dev/null || cp -a "$bundle" "$top/ctctdesk"
install -m 755 "$here/install.sh" "$here/uninstall.sh" "$top/"
install -m 644 "$here/ctctdesk.desktop" "$top/"
for png in "$resources"/ctctdesk-*.png; do
    size="${png##*/ctctdesk-}"
    size="${size%.png}"
    install -D -m 644 "$png" "$top/icons/hicolor/${size}x${size}/apps/ctctdesk.png"
done
install -D -m 644 "$resources/ctctdesk.svg" "$top/icons/hicolor/scalable/apps/ctctdesk.svg"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
echo "$out/$name.tar.gz ($(du -h "$out/$name.tar.gz" | cut -f1))"
