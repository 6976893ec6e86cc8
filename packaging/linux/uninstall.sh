#!/bin/sh
# Remove what install.sh put in place: the program, the menu entry, the icons and the ~/.local/bin link.
# Your data (the database, settings and logs in ~/.local/share/ctctdesk) and the Constant Contact
# sign-in in your keyring stay; delete the folder yourself if you want them gone.
set -eu
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
prefix=$HOME/.local/opt/ctctdesk
bin_dir=$HOME/.local/bin

rm -f "$data_home/applications/ctctdesk.desktop"
for icon in "$data_home"/icons/hicolor/*/apps/ctctdesk.png "$data_home"/icons/hicolor/scalable/apps/ctctdesk.svg; do
    [ -e "$icon" ] && rm -f "$icon"
done
if [ -L "$bin_dir/ctctdesk" ] && [ "$(readlink "$bin_dir/ctctdesk")" = "$prefix/ctctdesk" ]; then
    rm -f "$bin_dir/ctctdesk"
fi
rm -rf "$prefix"
rmdir "$HOME/.local/opt" 2>/dev/null || true

command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data_home/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data_home/icons/hicolor" 2>/dev/null || true

echo "ctctdesk is removed. Your data in ${XDG_DATA_HOME:-$HOME/.local/share}/ctctdesk is kept."
