#!/usr/bin/env bash
# The X11 libraries Qt's xcb platform plugin links against that a minimal Debian/Ubuntu lacks. PyInstaller
# copies them into the bundle only when the build machine has them, so `make package` installs them
# first when it runs as root with apt-get, and otherwise says what is missing (the bundle then needs
# them on the desktop it runs on; the offscreen self-test does not notice).
set -euo pipefail
needed=(libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0
        libxcb-randr0 libxcb-xinerama0 libxcb-xkb1 libxkbcommon-x11-0)
command -v dpkg >/dev/null 2>&1 || exit 0  # not a Debian-like system: nothing to check this way
missing=()
for pkg in "${needed[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing the X11 libraries the bundle carries: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "warning: ${missing[*]} not installed: the bundle will need them on the desktop it runs on" >&2
fi
