"""A read-only item model over `ctctdesk.sync.presenting.Node` trees (the plan and summary views of the Synchronize tab).

A custom QAbstractItemModel rather than QStandardItemModel: the tree of a big first push has tens of
thousands of rows, and this model creates nothing per row — views ask only for what they show.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from ctctdesk.sync.presenting import Node

Index = QModelIndex | QPersistentModelIndex

KIND_COLOURS = {
    "skip": QColor("#7a5b00"),
    "conflict": QColor("#8a4b00"),
    "warning": QColor("#9a5a00"),
    "error": QColor("#b00020"),
    "ok": QColor("#1b6e20"),
    "note": QColor("#555555"),
}


class NodeTreeModel(QAbstractItemModel):
    """Column 0: the row's text; column 1: its count (empty for detail rows)."""

    HEADERS = ("What", "Count")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._root = Node("root")
        self._bold = QFont()
        self._bold.setBold(True)

    @property
    def root(self) -> Node:
        return self._root

    def set_root(self, root: Node | None) -> None:
        self.beginResetModel()
        self._root = root if root is not None else Node("root")
        self.endResetModel()

    def clear(self) -> None:
        self.set_root(None)

    def node(self, index: Index) -> Node:
        return index.internalPointer() if index.isValid() else self._root

    # -- QAbstractItemModel ---------------------------------------------------------------------------
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        node = self.node(parent)
        if 0 <= row < len(node.children) and 0 <= column < len(self.HEADERS):
            return self.createIndex(row, column, node.children[row])
        return QModelIndex()

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        node: Node = index.internalPointer()
        parent = node.parent
        if parent is None or parent is self._root:
            return QModelIndex()
        grand = parent.parent if parent.parent is not None else self._root
        return self.createIndex(_position(grand, parent), 0, parent)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return len(self.HEADERS)

    def hasChildren(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return self.rowCount(parent) > 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        node: Node = index.internalPointer()
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return node.text
            return f"{node.count:,}" if node.count is not None else ""
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return node.text
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 1:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and node.parent is self._root:
            return self._bold
        if role == Qt.ItemDataRole.ForegroundRole and node.kind in KIND_COLOURS:
            return QBrush(KIND_COLOURS[node.kind])
        return None


def _position(parent: Node, child: Node) -> int:
    for row, candidate in enumerate(parent.children):
        if candidate is child:
            return row
    return 0
