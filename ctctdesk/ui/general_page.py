"""Settings → General: where the data lives (folder, database, log file), so support questions and
backups start from the right place. The role-address list lives on its own page, Settings → Email rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.crm.db import describe_url

if TYPE_CHECKING:
    from ctctdesk.ui.context import UiContext


def _database_text(url: str) -> str:
    if url.startswith("sqlite:"):
        return f"SQLite file {url.split(':///', 1)[-1].replace('//', '/', 1)}"
    return describe_url(url)


class GeneralPage(QWidget):
    def __init__(self, context: UiContext) -> None:
        super().__init__()
        self.setObjectName("generalSettingsPage")
        layout = QVBoxLayout(self)

        where = QGroupBox("Where your data is kept")
        form = QFormLayout(where)
        for label, value, name in (
            ("Data folder:", str(context.data_dir), "dataFolderValue"),
            ("Database:", _database_text(context.database_url), "databaseValue"),
            ("Log file:", str(context.log_path), "logFileValue"),
        ):
            field = QLabel(value)
            field.setObjectName(name)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, field)
        layout.addWidget(where)

        layout.addStretch(1)
