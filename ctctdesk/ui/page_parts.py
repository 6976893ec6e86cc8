"""What the settings pages share in look: one readable column, a heading, a status line with a tone.

Kept in one place so the connection pages, Email service and Field mapping read as one set of pages.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

PAGE_WIDTH = 760  # px: the page reads as one column on wide windows
#: background, border of a status line per state: green connected, amber broken, plain otherwise
STATUS_TONES = {
    "neutral": ("#f4f4f4", "#d0d0d0"),
    "ok": ("#eaf5ea", "#9cc89c"),
    "broken": ("#fff3cd", "#e0b000"),
}


def page_column(page: QWidget) -> QVBoxLayout:
    """Lay ``page`` out as one column at most `PAGE_WIDTH` wide, top left: fields and explanations do
    not stretch across a wide window. Returns the column's layout to fill."""
    outer = QVBoxLayout(page)
    outer.setContentsMargins(16, 12, 16, 12)
    column = QWidget()
    column.setMaximumWidth(PAGE_WIDTH)
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    row = QHBoxLayout()
    row.addWidget(column, 10)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(1)
    return layout


def heading(text: str, object_name: str) -> QLabel:
    """The page's title, larger and bold."""
    label = QLabel(text)
    label.setObjectName(object_name)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.4)
    font.setBold(True)
    label.setFont(font)
    return label


def status_label(object_name: str, text: str = "") -> QLabel:
    """A boxed, selectable status line (its tone set by `set_tone`)."""
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    set_tone(label, "neutral")
    return label


def set_tone(label: QLabel, tone: str) -> None:
    """Colour a status line like a notice (`STATUS_TONES`)."""
    background, border = STATUS_TONES.get(tone, STATUS_TONES["neutral"])
    label.setStyleSheet(f"#{label.objectName()} {{ background: {background}; border: 1px solid {border};"
                        " border-radius: 4px; padding: 6px 10px; }")
