"""The Synchronize tab's page: its widgets and where they sit. Building only; what the buttons do and
what the labels say over time is the tab's (`ctctdesk.ui.sync_tab`).

From the top: the not-connected box, the standing note, the activation hint, the two directions with
their warnings (S1), the action row with progress (S2, S3), the message line, then the preview beside
the summary over the history.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.sync.controller import ACTIVATION_HINT, FULL_CHECK_TIP, NOT_CONNECTED_TEXT
from ctctdesk.sync.operations import Direction
from ctctdesk.ui.sync_history import HistoryPanel
from ctctdesk.ui.sync_views import PlanPanel, SummaryPanel

PUSH_WARNING = ("Changes Constant Contact to match the CRM: lists are created, renamed or deleted there, "
                "contacts added, updated or taken off lists. The CRM is not changed.")
PULL_WARNING = ("Changes the CRM to match Constant Contact: lists, members and contact details come in, "
                "unsubscribes are applied (those people are taken out of every list and never "
                "emailed again). Constant Contact is not changed.")

BUTTON_TEXT = {Direction.TO_CC: "Update Constant Contact from CRM",
               Direction.FROM_CC: "Update CRM from Constant Contact"}


def _direction_box(button: QPushButton, warning: str) -> tuple[QFrame, QLabel]:
    box = QFrame()
    box.setObjectName(button.objectName() + "Box")
    box.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(10, 8, 10, 8)
    layout.addWidget(button)
    label = QLabel(warning)
    label.setObjectName(button.objectName() + "Warning")
    label.setWordWrap(True)
    label.setStyleSheet("color: #555;")
    layout.addWidget(label)
    return box, label


class SyncPage:
    """The widgets of the tab, laid out on `tab` around the three panels."""

    def __init__(self, tab: QWidget, plan: PlanPanel, summary: SummaryPanel, history: HistoryPanel) -> None:
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(8)

        # not connected / broken: say so and offer the way to the settings page
        self.connectionBox = QFrame()
        self.connectionBox.setObjectName("syncConnectionBox")
        self.connectionBox.setStyleSheet("#syncConnectionBox { background: #eef3fb; border: 1px solid #b8c8e6;"
                                         " border-radius: 4px; }")
        hint = QHBoxLayout(self.connectionBox)
        hint.setContentsMargins(10, 6, 10, 6)
        self.connectionLabel = QLabel(NOT_CONNECTED_TEXT)
        self.connectionLabel.setObjectName("syncConnectionLabel")
        self.connectionLabel.setWordWrap(True)
        self.openSettingsButton = QPushButton("Open Settings → Constant Contact")
        self.openSettingsButton.setObjectName("openConnectionSettingsButton")
        hint.addWidget(self.connectionLabel, 1)
        hint.addWidget(self.openSettingsButton)
        self.connectionBox.hide()
        layout.addWidget(self.connectionBox)
        self.noteLabel = QLabel()
        self.noteLabel.setObjectName("syncNoteLabel")
        self.noteLabel.setWordWrap(True)
        self.noteLabel.setStyleSheet("#syncNoteLabel { background: #f3f7ee; border: 1px solid #c5d9b0;"
                                     " border-radius: 4px; padding: 6px 10px; }")
        self.noteLabel.hide()
        layout.addWidget(self.noteLabel)
        self.activationHint = QLabel(ACTIVATION_HINT)
        self.activationHint.setObjectName("activationHint")
        self.activationHint.setWordWrap(True)
        self.activationHint.setStyleSheet("#activationHint { background: #fff8e1; border: 1px solid #e6c86e;"
                                          " border-radius: 4px; padding: 6px 10px; }")
        self.activationHint.hide()
        layout.addWidget(self.activationHint)

        # S1: the two directions, each with its warning
        self.pushButton = QPushButton(BUTTON_TEXT[Direction.TO_CC])
        self.pushButton.setObjectName("pushButton")
        self.pullButton = QPushButton(BUTTON_TEXT[Direction.FROM_CC])
        self.pullButton.setObjectName("pullButton")
        for button in (self.pushButton, self.pullButton):
            button.setCheckable(True)
            button.setMinimumHeight(34)
            button.setToolTip("Shows a preview first; nothing changes until you press Run.")
        directions = QHBoxLayout()
        directions.setSpacing(10)
        push_box, self.pushWarning = _direction_box(self.pushButton, PUSH_WARNING)
        pull_box, self.pullWarning = _direction_box(self.pullButton, PULL_WARNING)
        directions.addWidget(push_box, 1)
        directions.addWidget(pull_box, 1)
        layout.addLayout(directions)

        # actions and progress (S2, S3)
        actions = QGridLayout()
        actions.setHorizontalSpacing(8)
        self.previewButton = QPushButton("Preview")
        self.previewButton.setObjectName("previewButton")
        self.previewButton.setToolTip("Read both sides again and show what the chosen direction would change.")
        self.runButton = QPushButton("Run")
        self.runButton.setObjectName("runButton")
        self.runButton.setToolTip("Apply exactly the plan shown in the preview.")
        self.cancelButton = QPushButton("Cancel")
        self.cancelButton.setObjectName("cancelButton")
        self.cancelButton.setToolTip("Stop after the current step; what is done is kept and the next run "
                                     "continues.")
        self.syncProgress = QProgressBar()
        self.syncProgress.setObjectName("syncProgress")
        self.syncProgress.setRange(0, 1)
        self.syncProgress.setValue(0)
        self.syncProgress.setTextVisible(False)
        self.syncProgress.setMinimumWidth(220)
        self.syncProgress.hide()  # shown while a preview or run works
        self.syncPhaseLabel = QLabel("Choose a direction to see what it would change.")
        self.syncPhaseLabel.setObjectName("syncPhaseLabel")
        self.syncPhaseLabel.setWordWrap(True)
        self.syncPhaseLabel.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.fullCheckBox = QCheckBox("Full check")
        self.fullCheckBox.setObjectName("fullCheckBox")
        self.fullCheckBox.setToolTip(FULL_CHECK_TIP)
        actions.addWidget(self.previewButton, 0, 0)
        actions.addWidget(self.runButton, 0, 1)
        actions.addWidget(self.cancelButton, 0, 2)
        actions.addWidget(self.fullCheckBox, 0, 3)
        actions.addWidget(self.syncProgress, 0, 4)
        actions.addWidget(self.syncPhaseLabel, 0, 5)
        actions.setColumnStretch(5, 1)
        layout.addLayout(actions)

        self.messageLabel = QLabel()
        self.messageLabel.setObjectName("syncMessageLabel")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        policy = self.messageLabel.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the preview and history stay put when a message appears
        self.messageLabel.setSizePolicy(policy)
        self.messageLabel.hide()
        layout.addWidget(self.messageLabel)

        # preview | (summary over history)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(plan)
        right = QSplitter(Qt.Orientation.Vertical)
        right.setChildrenCollapsible(False)
        right.addWidget(summary)
        right.addWidget(history)
        right.setSizes([300, 260])
        self.right_splitter = right
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([520, 680])
        layout.addWidget(self.splitter, 1)
