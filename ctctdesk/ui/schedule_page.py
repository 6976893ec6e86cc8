"""Settings → Automatic sync (X2): off, every N minutes or daily at a time, and which way the runs go.

The page edits a `ScheduleSetting` and hands it to `AutoSync.change` on Save, which keeps it in
``settings.json`` (so ``ctctdesk schedule show`` reads the same) and counts the next run from then.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from ctctdesk import email_services
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.schedule import MAX_MINUTES, MIN_MINUTES, Mode, ScheduleSetting
from ctctdesk.ui.auto_sync import AutoSync

PAGE_TITLE = "Automatic sync"
DIRECTIONS = (
    (Direction.BOTH, "Both ways: from Constant Contact first, then to it"),
    (Direction.FROM_CC, "Update the CRM from Constant Contact"),
    (Direction.TO_CC, "Update Constant Contact from the CRM"),
)
NOTE = ("Runs while ctctdesk is open — also when its window is closed to the system tray. A scheduled run "
        "is an ordinary run (trigger “Schedule” in the history): it never confirms a large removal by "
        "itself, and it skips while another run is going. To sync with the app closed, run "
        "“ctctdesk sync” from cron, a systemd timer or the Windows Task Scheduler (see the README).")


class SchedulePage(QWidget):
    def __init__(self, auto: AutoSync, parent: QWidget | None = None, *,
                 service_name: Callable[[], str] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.auto = auto
        self._service_name = service_name  # the email service in use, named in the directions
        self.setObjectName("scheduleSettings")
        layout = QVBoxLayout(self)

        when = QGroupBox("When")
        when_layout = QVBoxLayout(when)
        self.off = QRadioButton("Off — sync only when I press Run")
        self.off.setObjectName("scheduleOff")
        self.every = QRadioButton("Every")
        self.every.setObjectName("scheduleEvery")
        self.minutes = QSpinBox()
        self.minutes.setObjectName("scheduleMinutes")
        self.minutes.setRange(MIN_MINUTES, MAX_MINUTES)
        self.minutes.setSuffix(" minutes")
        self.daily = QRadioButton("Daily at")
        self.daily.setObjectName("scheduleDaily")
        self.at = QTimeEdit()
        self.at.setObjectName("scheduleTime")
        self.at.setDisplayFormat("HH:mm")
        self.group = QButtonGroup(self)
        grid = QGridLayout()
        grid.addWidget(self.off, 0, 0, 1, 2)
        for row, (button, editor) in enumerate(((self.every, self.minutes), (self.daily, self.at)), start=1):
            self.group.addButton(button)
            grid.addWidget(button, row, 0)
            grid.addWidget(editor, row, 1)
        grid.setColumnStretch(2, 1)
        when_layout.addLayout(grid)
        self.group.addButton(self.off)
        layout.addWidget(when)

        which = QGroupBox("Which way")
        form = QFormLayout(which)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        self.direction = QComboBox()
        self.direction.setObjectName("scheduleDirection")
        for value, text in DIRECTIONS:
            self.direction.addItem(text, value.value)
        form.addRow("Direction:", self.direction)
        layout.addWidget(which)
        self._name_directions()

        buttons = QHBoxLayout()
        self.save = QPushButton("Save")
        self.save.setObjectName("scheduleSave")
        self.save.clicked.connect(self.apply)
        buttons.addWidget(self.save)
        self.state = QLabel()
        self.state.setObjectName("scheduleState")
        buttons.addWidget(self.state, 1)
        layout.addLayout(buttons)
        note = QLabel(NOTE)
        note.setWordWrap(True)
        note.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(note)
        layout.addStretch(1)

        for signal in (self.group.buttonToggled, self.minutes.valueChanged, self.at.timeChanged,
                       self.direction.currentIndexChanged):  # fmt: skip
            signal.connect(self._edited)
        self.show_setting(auto.setting)
        auto.settingChanged.connect(self.show_setting)

    def show_setting(self, setting: ScheduleSetting) -> None:
        {Mode.OFF: self.off, Mode.EVERY: self.every, Mode.DAILY: self.daily}[setting.mode].setChecked(True)
        self.minutes.setValue(setting.minutes)
        self.at.setTime(QTime(setting.at.hour, setting.at.minute))
        self.direction.setCurrentIndex(self.direction.findData(setting.direction.value))
        self._edited()

    def edited_setting(self) -> ScheduleSetting:
        mode = Mode.EVERY if self.every.isChecked() else Mode.DAILY if self.daily.isChecked() else Mode.OFF
        at = self.at.time()
        return ScheduleSetting(mode=mode, minutes=self.minutes.value(),
                               at=ScheduleSetting().at.replace(hour=at.hour(), minute=at.minute()),
                               direction=Direction(self.direction.currentData()))  # fmt: skip

    def _edited(self, *_args: object) -> None:
        setting = self.edited_setting()
        self.minutes.setEnabled(setting.mode is Mode.EVERY)
        self.at.setEnabled(setting.mode is Mode.DAILY)
        self.direction.setEnabled(setting.on)
        changed = setting != self.auto.setting
        self.save.setEnabled(changed)
        self.state.setText("Not saved yet." if changed else self._saved_text())

    def _saved_text(self) -> str:
        name = self._service_name() if self._service_name is not None else email_services.DEFAULT_NAME
        text = email_services.worded_for(self.auto.setting.describe(), name)
        due = self.auto.scheduler.next_due()
        if self.auto.scheduler.paused and self.auto.setting.on:
            text += " Paused from the tray icon."
        elif due is not None:
            text += f" Next run: {due.astimezone():%a %H:%M}."
        return text

    def _name_directions(self) -> None:
        """The directions name the email service in use (Campaign Monitor after a switch)."""
        name = self._service_name() if self._service_name is not None else "Constant Contact"
        for index, (_value, text) in enumerate(DIRECTIONS):
            self.direction.setItemText(index, text.replace("Constant Contact", name))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._name_directions()
        super().showEvent(event)

    def apply(self) -> None:
        self.auto.change(self.edited_setting())
