"""Settings → Email rules: the role-address list (R1), editable, with the built-in defaults restorable.

Role addresses are shared mailboxes (info@, sales@…) that are never sent to the email service in use
(Constant Contact or Campaign Monitor, named on the page). Saving a
new list re-checks every contact; before saving, the page says how many contacts would become role
addresses and how many list memberships they would lose.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ctctdesk import email_services
from ctctdesk.crm import editing, rules
from ctctdesk.crm.errors import CrmError
from ctctdesk.ui.crm_events import CrmChange, CrmEvents
from ctctdesk.ui.interaction import interaction_for

INTRO = (
    "Addresses of shared mailboxes (role addresses such as info@ or sales@) are never sent to "
    "Constant Contact, and contacts with such an address cannot be ticked in email lists.\n"
    "Type one prefix per line — the part before the @; “sales” matches sales@any-domain and "
    "sales+news@any-domain."
)


def _prefixes_from_text(text: str) -> tuple[str, ...]:
    return rules.normalise_prefixes(text.replace(",", "\n").splitlines())


class RoleAddressSettingsPage(QWidget):
    def __init__(self, events: CrmEvents, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("roleAddressSettings")
        self.events = events

        title = QLabel("Email rules")
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.3)
        title.setFont(font)
        #: the email service in use (`email_services.name_in_use`), named in the introduction
        self.service_name: Callable[[], str] = lambda: email_services.DEFAULT_NAME
        self.intro = intro = QLabel(INTRO, objectName="roleAddressIntro")
        intro.setWordWrap(True)
        self.editor = QPlainTextEdit(objectName="rolePrefixesEdit")
        self.editor.setTabChangesFocus(True)
        self.editor.setMinimumHeight(220)
        self.restore_button = QPushButton("Restore built-in defaults", objectName="restoreRolePrefixesButton")
        self.revert_button = QPushButton("Revert", objectName="revertRolePrefixesButton")
        self.save_button = QPushButton("Save", objectName="saveRolePrefixesButton")
        self.save_button.setDefault(True)
        self.message = QLabel(objectName="roleAddressMessage")
        self.message.setWordWrap(True)

        self.editor.setMaximumWidth(320)
        side = QVBoxLayout()
        side.addWidget(self.save_button)
        side.addWidget(self.revert_button)
        side.addSpacing(16)
        side.addWidget(self.restore_button)
        side.addStretch()
        body = QHBoxLayout()
        body.addWidget(self.editor, 1)
        body.addLayout(side)
        body.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(QLabel("Role-address prefixes:"))
        layout.addLayout(body, 1)
        layout.addWidget(self.message)

        self.restore_button.clicked.connect(self.restore_defaults)
        self.revert_button.clicked.connect(self.load)
        self.save_button.clicked.connect(self.save)
        self.editor.textChanged.connect(self._update_buttons)
        self.load()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt name)
        super().showEvent(event)
        self.intro.setText(email_services.worded_for(INTRO, self.service_name()))
        if not self.save_button.isEnabled():  # nothing typed here: show what is saved now
            self.load()

    def load(self) -> None:
        self._saved = rules.normalise_prefixes(rules.load_role_prefixes())
        self.editor.setPlainText("\n".join(self._saved))
        self.message.clear()
        self._update_buttons()

    def prefixes(self) -> tuple[str, ...]:
        return _prefixes_from_text(self.editor.toPlainText())

    def _update_buttons(self) -> None:
        changed = self.prefixes() != tuple(self._saved)
        self.save_button.setEnabled(changed)
        self.revert_button.setEnabled(changed)
        self.restore_button.setEnabled(
            self.prefixes() != rules.normalise_prefixes(rules.DEFAULT_ROLE_PREFIXES)
        )

    def restore_defaults(self) -> None:
        self.editor.setPlainText("\n".join(rules.normalise_prefixes(rules.DEFAULT_ROLE_PREFIXES)))
        self.message.setText("Built-in defaults restored — press Save to use them.")

    def save(self) -> bool:
        prefixes = self.prefixes()
        impact = editing.role_prefix_impact(prefixes)
        if impact.contacts:
            if not interaction_for(self).confirm(
                self,
                "Save email rules",
                f"{impact.contacts:,} contact{'s' if impact.contacts != 1 else ''} will count as role "
                f"addresses and can no longer be in email lists; {impact.memberships:,} list "
                f"membership{'s' if impact.memberships != 1 else ''} will be removed.\n\nSave the new rules?",
            ):
                return False
        try:
            rules.save_role_prefixes(prefixes)
        except CrmError as error:
            interaction_for(self).warn(self, "Save email rules", str(error))
            return False
        self.load()
        parts = ["Saved."]
        if impact.contacts:
            parts.append(
                f"{impact.contacts:,} contact(s) are now role addresses; {impact.memberships:,} list "
                "membership(s) removed."
            )
        if impact.freed:
            parts.append(f"{impact.freed:,} contact(s) may be added to email lists again.")
        self.message.setText(" ".join(parts))
        self.events.emit(CrmChange.RULES | CrmChange.CONTACTS | CrmChange.MEMBERSHIPS)
        return True
