"""The application icon (window, dialogs, tray) from the PNG sizes rendered out of resources/ctctdesk.svg.

PNGs rather than the SVG itself: they need no image-format plugin, so the icon shows in a bundle that
carries only the platform plugins, and each size was rendered once, sharply, by `make icons`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """Every size there is; an empty icon (Qt's default) if the files are missing."""
    icon = QIcon()
    for size in SIZES:
        path = RESOURCES / f"ctctdesk-{size}.png"
        if path.exists():
            icon.addFile(str(path))
    return icon
