"""The Synchronize tab's two tree views: the preview of a plan (S2) and the summary of a run (S4).

Each panel is its title, its tree and the labels that belong to it; the tab tells them what to show
(`ctctdesk.sync.presenting` builds the trees, Qt-free).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.sync.presenting import Node, pending_text
from ctctdesk.ui.tree_model import NodeTreeModel


def section_title(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def tree_view(name: str, model: NodeTreeModel) -> QTreeView:
    view = QTreeView()
    view.setObjectName(name)
    view.setModel(model)
    view.setUniformRowHeights(True)
    view.setAlternatingRowColors(True)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    header = view.header()
    header.setStretchLastSection(False)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
    return view


class PlanPanel(QWidget):
    """The preview: what the chosen direction would change, with the changes waiting the other way and
    the mass-change guard (R14) beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title_row = QHBoxLayout()
        self.planTitle = section_title("Preview")
        self.pendingLabel = QLabel()
        self.pendingLabel.setObjectName("pendingLabel")
        self.pendingLabel.setStyleSheet("color: #555;")
        title_row.addWidget(self.planTitle)
        title_row.addStretch(1)
        title_row.addWidget(self.pendingLabel)
        layout.addLayout(title_row)
        self.plan_model = NodeTreeModel(self)
        self.planView = tree_view("planView", self.plan_model)
        layout.addWidget(self.planView, 1)
        self.guardLabel = QLabel()
        self.guardLabel.setObjectName("guardLabel")
        self.guardLabel.setWordWrap(True)
        self.guardLabel.setStyleSheet("color: #9a5a00;")
        self.guardLabel.hide()
        layout.addWidget(self.guardLabel)

    def show_placeholder(self) -> None:
        root = Node("plan")
        root.add(Node("Choose a direction above to see what it would change.", kind="note"))
        root.add(Node("Nothing changes until you press Run.", kind="note"))
        self.plan_model.set_root(root)

    def show_plan(self, tree: Node) -> None:
        self.plan_model.set_root(tree)
        self.planView.expandToDepth(0)

    def show_labels(self, preview: Any) -> None:
        """The labels beside the plan: changes waiting the other way, and the R14 guard."""
        if preview is None:
            self.pendingLabel.clear()
            self.guardLabel.hide()
            return
        pending = preview.pending_other_way
        self.pendingLabel.setText(pending_text(preview.plan.direction, pending) if pending else "")
        if preview.needs_confirmation:
            self.guardLabel.setText("Large change: " + (preview.guard_reason or
                                    "this run removes much of what is linked.")
                                    + " Run asks for confirmation.")
            self.guardLabel.show()
        else:
            self.guardLabel.hide()


class SummaryPanel(QWidget):
    """What a run changed on each side: the run just finished, or the one selected in the history."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summaryTitle = section_title("Summary")
        layout.addWidget(self.summaryTitle)
        self.summary_model = NodeTreeModel(self)
        self.summaryView = tree_view("summaryView", self.summary_model)
        layout.addWidget(self.summaryView, 1)

    def show_placeholder(self) -> None:
        root = Node("summary")
        root.add(Node("What changed on each side appears here after a run.", kind="note"))
        root.add(Node("Select a run in the history to see its details.", kind="note"))
        self.summary_model.set_root(root)

    def show_summary(self, tree: Any, *, title: str) -> None:
        self.summaryTitle.setText(title)
        self.summary_model.set_root(tree)
        self.summaryView.expandToDepth(0)
