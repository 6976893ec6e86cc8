"""The sync history table (S5): one row per recorded run, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ctctdesk.sync.presenting import (
    direction_text,
    duration_text,
    is_event,
    short_result,
    summary_change_count,
)

Index = QModelIndex | QPersistentModelIndex


class HistoryModel(QAbstractTableModel):
    STARTED, DIRECTION, TRIGGER, RESULT, CHANGES, ERRORS, REQUESTS, DURATION = range(8)
    HEADERS = ("Started", "Direction", "Trigger", "Result", "Changes", "Errors", "Requests", "Duration")
    NUMERIC = (CHANGES, ERRORS, REQUESTS)
    NOT_FOR_EVENTS = (TRIGGER, CHANGES, ERRORS, REQUESTS, DURATION)  # blank on a connection entry (C7)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runs: list[Any] = []

    def set_runs(self, runs: Sequence[Any]) -> None:
        self.beginResetModel()
        self._runs = list(runs)
        self.endResetModel()

    def run_at(self, row: int) -> Any:
        return self._runs[row]

    def row_of(self, run_id: int) -> int:
        return next((row for row, run in enumerate(self._runs) if run.run_id == run_id), -1)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._runs)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        run = self._runs[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(run, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.RESULT and not run.ok:
            return QBrush(QColor("#b00020" if run.stopped_reason or run.errors else "#9a5a00"))
        if role == Qt.ItemDataRole.ToolTipRole and column == self.RESULT and run.stopped_reason:
            return run.stopped_reason
        return None

    def _text(self, run: Any, column: int) -> str:
        if column == self.STARTED:
            started = run.started_at.astimezone() if run.started_at.tzinfo else run.started_at
            return f"{started:%Y-%m-%d %H:%M}"
        if column in self.NOT_FOR_EVENTS and is_event(run):
            return ""
        if column == self.DIRECTION:
            # "CRM → Campaign Monitor": each row names the service it talked to; None: a connection entry
            return direction_text(run.direction or "connection", getattr(run, "service", ""))
        if column == self.TRIGGER:
            return str(run.trigger).capitalize()
        if column == self.RESULT:
            return short_result(run)
        if column == self.CHANGES:
            return f"{summary_change_count(run):,}"  # the number its preview and summary show
        if column == self.ERRORS:
            return f"{len(run.errors):,}"
        if column == self.REQUESTS:
            return f"{run.requests_used:,}"
        return duration_text(run)
