#!/bin/sh
# Install ctctdesk for the current user, from the folder this script was unpacked into. No root needed:
# * the program goes to ~/.local/opt/ctctdesk (an earlier version there is replaced),
# * the menu entry to ~/.local/share/applications/ctctdesk.desktop,
# * the icon to the hicolor theme under ~/.local/share/icons,
# * a link ~/.local/bin/ctctdesk for the command line (unless another ctctdesk is there already).
# ~/.local/share stands for $XDG_DATA_HOME when that is set. Your data folder is not touched.
# Undo with ~/.local/opt/ctctdesk/uninstall.sh.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
prefix=$HOME/.local/opt/ctctdesk
bin_dir=$HOME/.local/bin

if [ ! -x "$here/ctctdesk/ctctdesk" ]; then
    echo "install.sh: $here/ctctdesk/ctctdesk is missing; run this script from the unpacked tarball." >&2
    exit 1
fi

mkdir -p "$(dirname "$prefix")"
rm -rf "$prefix.new"
cp -R "$here/ctctdesk" "$prefix.new"
cp "$here/uninstall.sh" "$prefix.new/uninstall.sh"
rm -rf "$prefix"
mv "$prefix.new" "$prefix"

mkdir -p "$data_home/applications"
sed -e "s|^Exec=.*|Exec=\"$prefix/ctctdesk\"|" -e "s|^TryExec=.*|TryExec=$prefix/ctctdesk|" \
    "$here/ctctdesk.desktop" > "$data_home/applications/ctctdesk.desktop"
chmod 644 "$data_home/applications/ctctdesk.desktop"

for icon in "$here"/icons/hicolor/*/apps/ctctdesk.*; do
    size=$(basename "$(dirname "$(dirname "$icon")")")
    mkdir -p "$data_home/icons/hicolor/$size/apps"
    cp "$icon" "$data_home/icons/hicolor/$size/apps/"
done

mkdir -p "$bin_dir"
if [ -e "$bin_dir/ctctdesk" ] && [ ! -L "$bin_dir/ctctdesk" ]; then
    echo "install.sh: $bin_dir/ctctdesk exists and is not ours; left as it is."
else
    ln -sfn "$prefix/ctctdesk" "$bin_dir/ctctdesk"
fi

# Tell the desktop (these tools are optional: menus also notice the new files on their own).
touch "$data_home/icons/hicolor"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data_home/applications" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data_home/icons/hicolor" 2>/dev/null || true

echo "ctctdesk is installed in $prefix and in your applications menu (Office)."
echo "To remove it: $prefix/uninstall.sh"
