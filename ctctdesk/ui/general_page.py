"""Settings → General: where the data lives, and the role-address list (R1) that keeps shared mailboxes
out of email lists."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.crm import rules
from ctctdesk.crm.db import describe_url

if TYPE_CHECKING:
    from ctctdesk.app import AppContext


def _database_text(url: str) -> str:
    if url.startswith("sqlite:"):
        return f"SQLite file {url.split(':///', 1)[-1].replace('//', '/', 1)}"
    return describe_url(url)


class GeneralPage(QWidget):
    def __init__(self, context: AppContext, on_rules_changed: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.setObjectName("generalSettingsPage")
        self._on_rules_changed = on_rules_changed
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

        roles = QGroupBox("Role addresses")
        roles_layout = QVBoxLayout(roles)
        explanation = QLabel(
            "Shared mailboxes are never put in email lists or sent to Constant Contact. One address "
            "beginning per line, e.g. “info” stands for info@ at any company."
        )
        explanation.setWordWrap(True)
        roles_layout.addWidget(explanation)
        self.role_edit = QPlainTextEdit()
        self.role_edit.setObjectName("roleAddressEdit")
        self.role_edit.setTabChangesFocus(True)
        self.role_edit.setMaximumWidth(360)
        self.role_edit.setMinimumHeight(220)
        roles_layout.addWidget(self.role_edit)
        buttons = QHBoxLayout()
        self.save_roles = QPushButton("Save")
        self.save_roles.setObjectName("saveRoleAddressesButton")
        self.default_roles = QPushButton("Restore Defaults")
        self.default_roles.setObjectName("defaultRoleAddressesButton")
        self.roles_status = QLabel()
        self.roles_status.setObjectName("roleAddressStatus")
        buttons.addWidget(self.save_roles)
        buttons.addWidget(self.default_roles)
        buttons.addWidget(self.roles_status, 1)
        roles_layout.addLayout(buttons)
        layout.addWidget(roles)
        layout.addStretch(1)

        self.save_roles.clicked.connect(self.save_role_prefixes)
        self.default_roles.clicked.connect(
            lambda: self.role_edit.setPlainText("\n".join(rules.DEFAULT_ROLE_PREFIXES))
        )
        self.role_edit.setPlainText("\n".join(rules.load_role_prefixes()))

    def save_role_prefixes(self) -> None:
        prefixes = self.role_edit.toPlainText().replace(",", "\n").splitlines()
        changed = rules.save_role_prefixes(prefixes)
        self.role_edit.setPlainText("\n".join(rules.load_role_prefixes()))
        self.roles_status.setText(f"Saved. {changed:,} contacts changed eligibility.")
        if self._on_rules_changed is not None:
            self._on_rules_changed()
