"""The Synchronize tab's history panel (S5): every run, newest first; selecting one asks for its summary."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QVBoxLayout, QWidget

from ctctdesk.ui.history_model import HistoryModel
from ctctdesk.ui.sync_views import section_title


class HistoryPanel(QWidget):
    """The history table. `runSelected` carries the run the user selected (not one selected here)."""

    runSelected = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(section_title("History"))
        self.history_model = HistoryModel(self)
        self.historyView = view = QTableView()
        view.setObjectName("historyView")
        view.setModel(self.history_model)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.verticalHeader().hide()
        view.horizontalHeader().setStretchLastSection(True)
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.verticalHeader().setDefaultSectionSize(24)
        view.horizontalHeader().setDefaultSectionSize(72)
        for column, width in ((HistoryModel.STARTED, 125), (HistoryModel.DIRECTION, 160),
                              (HistoryModel.TRIGGER, 85), (HistoryModel.RESULT, 85)):
            view.setColumnWidth(column, width)
        view.selectionModel().currentRowChanged.connect(self._row_changed)
        layout.addWidget(view, 1)

    def set_runs(self, runs: list[Any], select_run: int | None = None) -> None:
        """Show `runs`; select `select_run` quietly (the tab already shows its summary)."""
        self.history_model.set_runs(runs)
        if runs:
            self.historyView.resizeColumnsToContents()
        if select_run is not None:
            row = self.history_model.row_of(select_run)
            if row >= 0:
                self.historyView.selectionModel().blockSignals(True)
                self.historyView.selectRow(row)
                self.historyView.selectionModel().blockSignals(False)

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self.runSelected.emit(self.history_model.run_at(current.row()))
