"""Render the application icon from its SVG source into the files each desktop wants (`make icons`).

ctctdesk/resources/ctctdesk.svg is the one source. From it:
* ctctdesk/resources/ctctdesk-<N>.png for N in 16…512: the window and tray icon (Qt picks the size it
  needs from the set) and the hicolor theme sizes the Linux install script copies;
* packaging/windows/ctctdesk.ico and packaging/macos/ctctdesk.icns for the Windows and macOS spec
  branches, made with Pillow when it is installed (the `package` extra).

Rendering uses Qt's own SVG renderer (QtSvg ships in PySide6-Essentials), so no image tool beyond the
app's dependencies is needed. The outputs are committed: a checkout builds and runs without this script.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "ctctdesk" / "resources" / "ctctdesk.svg"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def png_path(size: int) -> Path:
    return SOURCE.with_name(f"ctctdesk-{size}.png")


def render_pngs() -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SOURCE}")
    written = []
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        if not image.save(str(png_path(size))):
            raise SystemExit(f"cannot write {png_path(size)}")
        written.append(png_path(size))
    return written


def write_ico_and_icns() -> list[Path]:
    try:
        from PIL import Image
    except ImportError:
        print("Pillow is not installed (pip install -e '.[package]'): .ico and .icns not made", file=sys.stderr)
        return []
    largest = Image.open(png_path(512)).convert("RGBA")
    ico = ROOT / "packaging" / "windows" / "ctctdesk.ico"
    icns = ROOT / "packaging" / "macos" / "ctctdesk.icns"
    ico.parent.mkdir(parents=True, exist_ok=True)
    icns.parent.mkdir(parents=True, exist_ok=True)
    largest.save(ico, sizes=[(size, size) for size in ICO_SIZES])
    largest.save(icns)
    return [ico, icns]


def main() -> int:
    for path in render_pngs() + write_ico_and_icns():
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
