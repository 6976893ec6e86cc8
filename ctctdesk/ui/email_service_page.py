"""Settings → Email service: Constant Contact or Campaign Monitor, one at a time per data folder.

The page chooses; the page named after the chosen service (Settings → Constant Contact or Settings →
Campaign Monitor, right under this one) connects. Switching is a disconnect of the service in use, with
the backup of its lists (the composition root's `switch_service`), asked through the dialog seam first.
`install_email_service_ui` mounts both pages and swaps the service's page after a switch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ctctdesk import email_services
from ctctdesk.ctct.errors import CtctError
from ctctdesk.ui.connection_page import _hint, _plain
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.page_parts import heading, page_column
from ctctdesk.ui.tasks import TaskFailed, TaskRunner

log = logging.getLogger(__name__)

PAGE_TITLE = "Email service"
EXPLANATION = ("ctctdesk keeps its email lists in step with one email service at a time. Choose the one "
               "your office uses, then connect to it on its own page, listed right under this one.")
SERVICE_NOTES = {
    email_services.CONSTANT_CONTACT: "Sign in through the browser (or with a code on another device).",
    email_services.CAMPAIGN_MONITOR: "Connect with the account's API key, then choose the client whose "
                                     "lists ctctdesk should use.",
}
SWITCH_HINT = ("Switching disconnects the service in use: the email lists linked to it leave ctctdesk after a "
               "backup to the data folder. Companies and contacts stay.")


class EmailServicePage(QWidget):
    """The choice of service. `switch(service)` does the switch (on a worker thread); `leaving_lists()`
    names the lists a disconnect removes; `serviceSwitched` carries the new service once done."""

    serviceSwitched = Signal(str)

    def __init__(self, connection: Any, *, switch: Callable[[str], object],
                 leaving_lists: Callable[[], str] | None = None, tasks: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("emailServicePage")
        self.connection = connection  # the ActiveConnection: says which service is in use
        self._switch = switch
        self._leaving_lists = leaving_lists or (lambda: "")
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self._busy = False
        self._state_text = ("", "")  # (service, " — connected (…)") as last read
        self._build()
        self.show_current()

    def _build(self) -> None:
        layout = page_column(self)

        layout.addWidget(heading(PAGE_TITLE, "emailServiceHeading"))
        layout.addWidget(_plain(EXPLANATION))

        self.inUseLabel = QLabel()
        self.inUseLabel.setObjectName("serviceInUseLabel")
        self.inUseLabel.setStyleSheet("#serviceInUseLabel { background: #f4f4f4; border: 1px solid #d0d0d0;"
                                      " border-radius: 4px; padding: 6px 10px; }")
        layout.addWidget(self.inUseLabel)

        box = QGroupBox("Email service of this data folder")
        choices = QVBoxLayout(box)
        choices.setSpacing(4)
        self.group = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        for service in email_services.SERVICES:
            radio = QRadioButton(email_services.display_name(service))
            radio.setObjectName("serviceRadio-" + service)
            self.group.addButton(radio)
            self.radios[service] = radio
            choices.addWidget(radio)
            note = _hint(SERVICE_NOTES[service])
            note.setContentsMargins(24, 0, 0, 6)
            choices.addWidget(note)
            radio.toggled.connect(self._choice_changed)
        layout.addWidget(box)

        buttons = QHBoxLayout()
        self.switchButton = QPushButton("Switch")
        self.switchButton.setObjectName("switchServiceButton")
        self.switchButton.clicked.connect(self.switch_clicked)
        buttons.addWidget(self.switchButton)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(_hint(SWITCH_HINT))
        self.messageLabel = QLabel()
        self.messageLabel.setObjectName("serviceMessageLabel")
        self.messageLabel.setWordWrap(True)
        self.messageLabel.hide()
        layout.addWidget(self.messageLabel)

    # -- state --------------------------------------------------------------------------------------
    @property
    def chosen(self) -> str:
        return next((s for s, radio in self.radios.items() if radio.isChecked()), self.connection.service)

    def show_current(self) -> None:
        self.radios[self.connection.service].setChecked(True)
        self._show_in_use()
        self._choice_changed()

    def _show_in_use(self) -> None:
        current = self.connection.service
        said, state = self._state_text
        self.inUseLabel.setText(f"In use: {email_services.display_name(current)}" + (state if said == current else ""))

    @Slot()
    def _choice_changed(self, *_args: Any) -> None:
        chosen = self.chosen
        differs = chosen != self.connection.service
        self.switchButton.setEnabled(differs and not self._busy)
        self.switchButton.setText(f"Switch to {email_services.display_name(chosen)}…" if differs
                                  else "Switch")

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        """Coming to the page says whether the service in use is connected (read off the GUI thread)."""
        super().showEvent(event)
        if not self._busy:
            self.tasks.spawn(self._read_state())

    async def _read_state(self) -> None:
        service = self.connection.service
        try:
            status = await self.tasks.run("email service status", lambda handle: self.connection.status())
        except TaskFailed:
            return  # the service's own page says what is wrong
        if service != self.connection.service or self._busy:
            return
        if status.connected:
            state = " — connected" + (f" ({status.account_name})" if status.account_name else "")
        elif status.state.value == "broken":
            state = " — the connection is broken; reconnect on its page"
        else:
            state = " — not connected yet; connect on its page"
        self._state_text = (service, state)
        self._show_in_use()  # the radio buttons stay as the person left them

    def select(self, service: str) -> None:
        """Tick a service's radio button (as a click would)."""
        self.radios[service].setChecked(True)

    # -- switching ----------------------------------------------------------------------------------
    @Slot()
    def switch_clicked(self) -> None:
        if self._busy:
            return
        target = self.chosen
        if target == self.connection.service:
            return
        old = self.connection.display_name
        new = email_services.display_name(target)
        try:  # local files and the keyring only, no network
            connected = self.connection.status().state.value != "not connected"
        except CtctError:  # the state cannot be read (no keyring…): ask as if connected, the cautious way
            connected = True
        if connected:
            leaving = self._leaving_lists()
            lists_part = (f"These email lists linked to {old} are removed from ctctdesk, after a backup of "
                          f"them and their members to the data folder: {leaving}."
                          if leaving else f"No email list is linked to {old} yet.")
            question = (f"Switch the email service from {old} to {new}?\n\nctctdesk disconnects from {old} "
                        f"first and removes its saved sign-in from this computer. {lists_part} Companies and "
                        f"contacts stay. Then connect to {new} on its page.")
        else:
            question = f"Use {new} instead of {old}? Then connect to {new} on its page."
        if not interaction_for(self).confirm(self, "Switch email service", question):
            self.show_current()
            return
        self._busy = True
        self.switchButton.setEnabled(False)
        self.messageLabel.setText(f"Switching to {new}…")
        self.messageLabel.show()
        self.tasks.spawn(self._switch_async(target))

    async def _switch_async(self, target: str) -> None:
        try:
            await self.tasks.run("switch email service", lambda handle: self._switch(target))
        except TaskFailed as failure:
            self.messageLabel.setText(failure.message)
            self.messageLabel.setStyleSheet("color: #b00020;")
        else:
            self.messageLabel.setStyleSheet("")
            self.messageLabel.setText(f"ctctdesk now uses {email_services.display_name(target)}.")
            self.serviceSwitched.emit(target)
        finally:
            self._busy = False
            self.show_current()


class ServicePages:
    """The Email service page and the page of the service in use, kept in step after a switch."""

    def __init__(self, window: Any, context: Any, *, switch: Callable[[str], object],
                 mount_constant_contact: Callable[[], Any]) -> None:  # fmt: skip
        from ctctdesk.sync.lists_backup import describe, linked_lists

        self.window = window
        self.context = context
        self._mount_cc = mount_constant_contact
        self.chooser = EmailServicePage(context.connection, switch=switch, tasks=context.tasks,
                                        leaving_lists=lambda: describe(linked_lists()))
        window.settings_tab.add_page(PAGE_TITLE, self.chooser)
        self.title = ""
        self.page: Any = None
        self._mount(context.connection.service, replace=False)
        self.chooser.serviceSwitched.connect(self._switched)

    def show_banner(self) -> None:
        """The service refused the access during a sync: its page's reconnect banner shows."""
        if self.page is not None:
            self.page.banner.show()

    def _mount(self, service: str, *, replace: bool) -> None:
        settings = self.window.settings_tab
        old_title, old_page = self.title, self.page
        if service == email_services.CAMPAIGN_MONITOR:
            page, title = self._campaign_monitor_page(), email_services.display_name(service)
        else:
            page, title = self._mount_cc(), email_services.display_name(service)
        if replace:
            settings.replace_page(old_title, title, page)
            old_page.banner.hide()
            old_page.banner.deleteLater()
            old_page.deleteLater()
        else:
            settings.add_page(title, page)
        area = self.window.banner_area
        (area if isinstance(area, QLayout) else area.layout()).addWidget(page.banner)
        page.banner.reconnectRequested.connect(lambda: settings.show_page(title))
        self.title, self.page = title, page

    def _campaign_monitor_page(self) -> Any:
        from ctctdesk.sync.lists_backup import describe, linked_lists
        from ctctdesk.ui.cmon_page import CmonConnectionPage

        context = self.context
        service = context.sync
        return CmonConnectionPage(context.connection.inner, tasks=context.tasks,
                                  last_sync=service.last_run if service is not None else None,
                                  leaving_lists=lambda: describe(linked_lists()),
                                  last_backup=lambda: getattr(context, "last_disconnect_backup", None))

    @Slot(str)
    def _switched(self, service: str) -> None:
        self._mount(service, replace=True)
        self.window.settings_tab.show_page(self.title)
