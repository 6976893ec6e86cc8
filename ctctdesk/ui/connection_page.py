"""Settings → Constant Contact: connect, see the connection, disconnect (C1–C4), and the broken banner (C7).

The page never touches HTTP or the keyring on the GUI thread: every call into the `Connection` service
runs through the window's task runner (`ctctdesk.ui.tasks`), so the window stays responsive while the
admin is in the browser, Cancel works, and closing the window stops a pending connect cleanly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QStyle,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.ctct.connection import Connection, ConnectionState, ConnectionStatus
from ctctdesk.ctct.errors import AuthorizationCancelled
from ctctdesk.ctct.oauth import Cancelled, DeviceAuthorization
from ctctdesk.ctct.tokens import keyring_report
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.page_parts import heading, page_column, set_tone, status_label
from ctctdesk.ui.tasks import TaskFailed, TaskHandle, TaskRunner

if TYPE_CHECKING:
    from ctctdesk.ui.context import UiContext

log = logging.getLogger(__name__)

PAGE_TITLE = "Constant Contact"
EXPLANATION = (
    "Connect ctctdesk to your Constant Contact account to keep email lists in step. "
    "Connect opens your browser at Constant Contact's sign-in page; allow access there and come back. "
    "On a locked-down computer use Connect with a code and allow access from any other device. "
    "The sign-in is kept only in this computer's keyring."
)
CONNECTED_EXPLANATION = (
    "ctctdesk keeps its email lists in step with this Constant Contact account. "
    "Run a synchronization from the Synchronize tab."
)
REDIRECT_HINT = ("In Constant Contact's developer portal, add this address to the redirect URIs of the "
                 "application whose API key you entered.")
DISCONNECT_HINT = ("Disconnecting revokes ctctdesk's access, removes the saved sign-in from this computer "
                   "and removes the email lists that came from or went to Constant Contact. Companies and "
                   "contacts stay in ctctdesk.")
NEVER_SYNCED = "Not yet synchronized"

#: what the page shows under "Last sync": a recorded run (RunSummary-like) or None; read off the GUI thread
LastSyncReader = Callable[[], Any]


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _hint(text: str) -> QLabel:
    label = _plain(text)
    label.setStyleSheet("color: #555;")
    return label


def _value_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def last_sync_text(run: Any) -> str:
    """"2026-05-04 10:12 — Completed (CRM → Constant Contact)", or that there was none yet."""
    if run is None:
        return NEVER_SYNCED
    from ctctdesk.sync.presenting import direction_text, short_result

    started = run.started_at.astimezone() if run.started_at.tzinfo else run.started_at
    direction = direction_text(run.direction, getattr(run, "service", ""))
    return f"{started:%Y-%m-%d %H:%M} — {short_result(run)} ({direction})"


class _StatusBridge(QObject):
    """Carries connection state changes from any thread to the GUI thread."""

    changed = Signal(object)


class ReconnectBanner(QFrame):
    """The banner across the main window when the connection is broken (C7)."""

    reconnectRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reconnectBanner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#reconnectBanner { background: #fff3cd; border: 1px solid #e0b000; }")
        layout = QHBoxLayout(self)
        self.message = QLabel("Constant Contact no longer accepts ctctdesk's access. Nothing is lost: "
                              "reconnect and the next sync catches up.")
        self.message.setWordWrap(True)
        button = QPushButton("Reconnect")
        button.setObjectName("reconnectButton")
        button.clicked.connect(self.reconnectRequested)
        layout.addWidget(self.message, 1)
        layout.addWidget(button)
        self.hide()


class ConnectionPage(QWidget):
    """The page in its three states: not connected, connected, broken (plus 'waiting for you')."""

    statusChanged = Signal(object)
    _urlReady = Signal(str)  # emitted on the worker thread during a browser connect
    _codeReady = Signal(object)  # emitted on the worker thread during a device connect

    def __init__(self, connection: Connection, parent: QWidget | None = None, *,
                 open_url: Callable[[str], None] | None = None,
                 last_sync: LastSyncReader | None = None, tasks: TaskRunner | None = None,
                 leaving_lists: Callable[[], str] | None = None,
                 last_backup: Callable[[], Path | None] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("connectionPage")
        # what a disconnect takes out of the CRM (“Newsletter” (120 members), …) and where its backup went
        self._leaving_lists = leaving_lists or (lambda: "")
        self._last_backup = last_backup or (lambda: None)
        self.connection = connection
        self.tasks = tasks if tasks is not None else TaskRunner(self)  # the window's; own when alone
        self._last_sync = last_sync
        self._last_run: Any = None
        self._open_url = open_url or (lambda url: QDesktopServices.openUrl(QUrl(url)))
        self._busy = False
        self._cancel: threading.Event | None = None
        self._status: ConnectionStatus | None = None
        self._tray: QSystemTrayIcon | None = None
        self.banner = ReconnectBanner()
        self.banner.reconnectRequested.connect(self.start_browser_connect)
        self._bridge = _StatusBridge(self)
        self._bridge.changed.connect(self._on_status_changed, Qt.ConnectionType.QueuedConnection)
        listener = self._bridge.changed.emit
        connection.add_listener(listener)
        self.destroyed.connect(lambda *_: connection.remove_listener(listener))
        self._urlReady.connect(self._browser_url_ready)
        self._codeReady.connect(self._device_code_ready)
        self._build()
        self.refresh()

    # -- layout -------------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = page_column(self)

        layout.addWidget(heading(PAGE_TITLE, "connectionPageHeading"))

        self.statusLabel = status_label("connectionStatusLabel", "Checking the connection…")
        layout.addWidget(self.statusLabel)

        layout.addWidget(self._build_setup())
        layout.addWidget(self._build_waiting())
        layout.addWidget(self._build_connected())
        for box in (self.setupBox, self.waitingBox, self.connectedBox):
            box.hide()

    def _build_setup(self) -> QWidget:
        """Not connected / broken: what connecting does, the application's key, the two ways in."""
        self.setupBox = QWidget()
        setup = QVBoxLayout(self.setupBox)
        setup.setContentsMargins(0, 0, 0, 0)
        setup.setSpacing(10)
        explanation = QLabel(EXPLANATION)
        explanation.setObjectName("connectionExplanation")
        explanation.setWordWrap(True)
        setup.addWidget(explanation)

        application = QGroupBox("Your Constant Contact application")
        box = QVBoxLayout(application)
        form = QFormLayout()
        box.addLayout(form)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(8)
        self.apiKeyEdit = QLineEdit(self.connection.settings.client_id)
        self.apiKeyEdit.setObjectName("apiKeyEdit")
        self.apiKeyEdit.setPlaceholderText("API key (client id) of your Constant Contact application")
        self.apiKeyEdit.editingFinished.connect(self._save_api_key)
        self.apiKeyEdit.setMaximumWidth(440)
        form.addRow("API key:", self.apiKeyEdit)
        self.redirectUriLabel = QLabel(self.connection.settings.redirect_uri)
        self.redirectUriLabel.setObjectName("redirectUriLabel")
        self.redirectUriLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.redirectUriLabel.setToolTip("Register this address as a redirect URI of the application.")
        self.copyRedirectUriButton = QPushButton("Copy")
        self.copyRedirectUriButton.setObjectName("copyRedirectUriButton")
        self.copyRedirectUriButton.setToolTip("Copy the redirect URI to the clipboard")
        self.copyRedirectUriButton.clicked.connect(self.copy_redirect_uri)
        redirect = QHBoxLayout()
        redirect.addWidget(self.redirectUriLabel)
        redirect.addSpacing(8)
        redirect.addWidget(self.copyRedirectUriButton)
        redirect.addStretch(1)
        form.addRow("Redirect URI to register:", redirect)
        box.addWidget(_hint(REDIRECT_HINT))  # under the form, full width: wraps without gaps
        setup.addWidget(application)

        self.keyringLabel = QLabel("Checking the keyring…")
        self.keyringLabel.setObjectName("keyringLabel")
        self.keyringLabel.setWordWrap(True)
        self.keyringLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        setup.addWidget(self.keyringLabel)
        self._keyring: tuple[bool, str] | None = None

        buttons = QHBoxLayout()
        self.connectButton = QPushButton("Connect")
        self.connectButton.setObjectName("connectButton")
        self.connectButton.setDefault(True)
        self.connectButton.setToolTip("Opens your browser at Constant Contact's sign-in page.")
        self.connectButton.clicked.connect(self.start_browser_connect)
        self.connectWithCodeButton = QPushButton("Connect with a code")
        self.connectWithCodeButton.setObjectName("connectWithCodeButton")
        self.connectWithCodeButton.setToolTip("Shows a code to enter on any other device "
                                              "(for computers where no browser can be opened).")
        self.connectWithCodeButton.clicked.connect(self.start_device_connect)
        buttons.addWidget(self.connectButton)
        buttons.addWidget(self.connectWithCodeButton)
        buttons.addStretch(1)
        setup.addLayout(buttons)
        return self.setupBox

    def _build_waiting(self) -> QWidget:
        """While the admin allows access in the browser (or on another device): what to do, and Cancel."""
        self.waitingBox = QGroupBox("Waiting for Constant Contact")
        waiting = QVBoxLayout(self.waitingBox)
        waiting.setSpacing(8)
        self.waitingLabel = QLabel("Waiting for you to allow access…")
        self.waitingLabel.setObjectName("waitingLabel")
        self.waitingLabel.setWordWrap(True)
        self.waitingLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # A long URL cannot wrap in a label (it would widen the window): show it in a read-only field.
        self.authorizeUrlEdit = QLineEdit()
        self.authorizeUrlEdit.setObjectName("authorizeUrlEdit")
        self.authorizeUrlEdit.setReadOnly(True)
        self.authorizeUrlEdit.setToolTip("If no browser opened, copy this address into one.")
        self.authorizeUrlEdit.hide()
        # Connect with a code: the code large enough to read out and type on another device.
        self.deviceCodeLabel = QLabel()
        self.deviceCodeLabel.setObjectName("deviceCodeLabel")
        self.deviceCodeLabel.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        code_font = self.deviceCodeLabel.font()
        code_font.setPointSizeF(code_font.pointSizeF() * 1.8)
        code_font.setBold(True)
        code_font.setLetterSpacing(code_font.SpacingType.AbsoluteSpacing, 2)
        self.deviceCodeLabel.setFont(code_font)
        self.deviceCodeLabel.hide()
        self.waitingProgress = QProgressBar()
        self.waitingProgress.setObjectName("waitingProgress")
        self.waitingProgress.setRange(0, 0)  # busy: there is no telling how long the admin takes
        self.waitingProgress.setTextVisible(False)
        self.waitingProgress.setMaximumWidth(240)
        self.waitingProgress.setMaximumHeight(12)
        self.cancelButton = QPushButton("Cancel")
        self.cancelButton.setObjectName("cancelConnectButton")
        self.cancelButton.clicked.connect(self.cancel_connect)
        waiting.addWidget(self.waitingLabel)
        waiting.addWidget(self.authorizeUrlEdit)
        waiting.addWidget(self.deviceCodeLabel)
        row = QHBoxLayout()
        row.addWidget(self.waitingProgress)
        row.addSpacing(12)
        row.addWidget(self.cancelButton)
        row.addStretch(1)
        waiting.addLayout(row)
        return self.waitingBox

    def _build_connected(self) -> QWidget:
        """Connected: the account, when it was connected, the last sync, today's requests (C4)."""
        self.connectedBox = QWidget()
        connected = QVBoxLayout(self.connectedBox)
        connected.setContentsMargins(0, 0, 0, 0)
        connected.setSpacing(10)
        connected.addWidget(_plain(CONNECTED_EXPLANATION))

        account = QGroupBox("Connected account")
        form = QFormLayout(account)
        form.setVerticalSpacing(8)
        form.setHorizontalSpacing(16)
        self.accountLabel = _value_label("accountLabel")
        self.accountEmailLabel = _value_label("accountEmailLabel")
        self.sinceLabel = _value_label("connectedSinceLabel")
        self.lastSyncLabel = _value_label("lastSyncLabel")
        self.usageLabel = _value_label("requestsTodayLabel")
        self.usageBar = QProgressBar()
        self.usageBar.setObjectName("requestsTodayBar")
        self.usageBar.setTextVisible(False)
        self.usageBar.setFixedWidth(160)
        self.usageBar.setMaximumHeight(12)
        usage = QHBoxLayout()
        usage.addWidget(self.usageLabel)
        usage.addSpacing(8)
        usage.addWidget(self.usageBar)
        usage.addStretch(1)
        form.addRow("Account name:", self.accountLabel)
        form.addRow("Email:", self.accountEmailLabel)
        form.addRow("Connected since:", self.sinceLabel)
        form.addRow("Last sync:", self.lastSyncLabel)
        form.addRow("API requests today:", usage)
        connected.addWidget(account)

        self.disconnectButton = QPushButton("Disconnect…")
        self.disconnectButton.setObjectName("disconnectButton")
        self.disconnectButton.clicked.connect(self.disconnect_clicked)
        disconnect_row = QHBoxLayout()
        disconnect_row.addWidget(_hint(DISCONNECT_HINT), 1)
        disconnect_row.addSpacing(12)
        disconnect_row.addWidget(self.disconnectButton, 0, Qt.AlignmentFlag.AlignTop)
        connected.addLayout(disconnect_row)
        return self.connectedBox

    def _set_status_tone(self, tone: str) -> None:
        """Colour the status line like a notice: green connected, amber broken, plain otherwise."""
        set_tone(self.statusLabel, tone)

    @Slot()
    def copy_redirect_uri(self) -> None:
        QApplication.clipboard().setText(self.redirectUriLabel.text())
        self.copyRedirectUriButton.setText("Copied")
        button = self.copyRedirectUriButton  # the context: no call once the page is gone
        QTimer.singleShot(2000, button, lambda: button.setText("Copy"))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        """Coming back to the page shows today's request count as it is now (local, no network)."""
        super().showEvent(event)
        if self._status is not None:
            self.refresh()

    # -- state --------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def status(self) -> ConnectionStatus | None:
        return self._status

    def refresh(self, *, ask_constant_contact: bool = False) -> None:
        """Re-read the status in the background (with the account summary when asked)."""
        if self.busy:
            return
        def work(handle: TaskHandle) -> tuple[ConnectionStatus, Any]:
            self._keyring = keyring_report()  # read here, off the GUI thread; shown with the status
            status = self.connection.status(refresh_account=ask_constant_contact)
            return status, self._read_last_sync() if status.connected else None

        self._run("Constant Contact status", work, self._show_refreshed)

    def _read_last_sync(self) -> Any:
        """The newest recorded sync run (background thread); a failure only hides the line's value."""
        if self._last_sync is None:
            return None
        try:
            return self._last_sync()
        except Exception as error:  # the sync history is secondary here: say so in the log, go on
            log.warning("The last sync could not be read for the Constant Contact page: %s", error)
            return None

    def _show_refreshed(self, result: tuple[ConnectionStatus, Any]) -> None:
        status, self._last_run = result
        self._show_status(status)

    def _show_status(self, status: ConnectionStatus) -> None:
        previous = self._status
        self._status = status
        self.waitingBox.hide()
        connected = status.state is ConnectionState.CONNECTED
        self.connectedBox.setVisible(connected)
        self.setupBox.setVisible(not connected)
        usable, keyring_text = self._keyring or (True, "")
        self.keyringLabel.setText(keyring_text)
        self.keyringLabel.setVisible(bool(keyring_text))
        self.keyringLabel.setStyleSheet("" if usable else "color: #b00020;")
        self.connectButton.setEnabled(usable)  # without a keyring, connecting cannot keep the sign-in
        self.connectWithCodeButton.setEnabled(usable)
        if connected:
            name = status.account_name or "(name not available)"
            self.statusLabel.setText(f"Connected to Constant Contact account {name}.")
            self._set_status_tone("ok")
            self.accountLabel.setText(name)
            self.accountEmailLabel.setText(status.account_email or "—")
            since = status.connected_since.astimezone() if status.connected_since else None
            self.sinceLabel.setText(f"{since:%Y-%m-%d %H:%M}" if since else "—")
            self.lastSyncLabel.setText(last_sync_text(self._last_run))
            self.usageLabel.setText(f"{status.requests_today:,} of {status.daily_allowance:,}")
            allowance = max(status.daily_allowance, 1)
            self.usageBar.setRange(0, allowance)
            self.usageBar.setValue(min(status.requests_today, allowance))
            self.usageBar.setToolTip(f"{status.requests_today / allowance:.0%} of today's allowance used")
            self.connectButton.setText("Connect")
        elif status.state is ConnectionState.BROKEN:
            self.statusLabel.setText(f"The connection is broken: {status.broken_reason} "
                                     "Reconnect to continue; nothing has been lost.")
            self._set_status_tone("broken")
            self.connectButton.setText("Reconnect")
        else:
            self.statusLabel.setText("Not connected to Constant Contact.")
            self._set_status_tone("neutral")
            self.connectButton.setText("Connect")
        self.banner.setVisible(status.state is ConnectionState.BROKEN)
        if (status.state is ConnectionState.BROKEN
                and (previous is None or previous.state is not ConnectionState.BROKEN)):
            self._announce_broken(status)
        self.statusChanged.emit(status)

    @Slot(object)
    def _on_status_changed(self, status: ConnectionStatus) -> None:
        if not self.busy:
            self._show_status(status)
        elif status.state is ConnectionState.BROKEN:
            self.banner.show()

    def _announce_broken(self, status: ConnectionStatus) -> None:
        """C7: banner (above), desktop notification where there is a tray, and a logged event."""
        log.warning("Constant Contact connection broken: %s", status.broken_reason)
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        if self._tray is None:
            icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self._tray = QSystemTrayIcon(icon, self)
        self._tray.show()
        self._tray.showMessage("ctctdesk: Constant Contact connection broken",
                               "Reconnect in Settings → Constant Contact. Nothing is lost.",
                               QSystemTrayIcon.MessageIcon.Warning)

    # -- actions ------------------------------------------------------------------------------------
    def _save_api_key(self) -> None:
        text = self.apiKeyEdit.text().strip()
        if text != self.connection.settings.client_id:
            self.connection.set_client_id(text)  # a small JSON file write: fine on the GUI thread

    def _begin_waiting(self, text: str) -> Cancelled:
        self._save_api_key()
        cancel = Cancelled()
        self._cancel = cancel
        self.setupBox.hide()
        self.connectedBox.hide()
        self.waitingLabel.setText(text)
        self.authorizeUrlEdit.hide()
        self.deviceCodeLabel.hide()
        self.waitingBox.show()
        self.cancelButton.setEnabled(True)
        self.statusLabel.setText("Connecting to Constant Contact…")
        self._set_status_tone("neutral")
        return cancel

    @Slot()
    def start_browser_connect(self) -> None:
        if self.busy:
            return
        cancel = self._begin_waiting("Your browser shows Constant Contact's sign-in page. "
                                     "Waiting for you to allow access…")

        url_ready = self._urlReady.emit

        def work(handle: TaskHandle) -> tuple[ConnectionStatus, Any]:
            status = self.connection.connect_browser(url_ready, cancel=cancel)
            return status, self._read_last_sync()  # a reconnect has a sync history already

        self._run("connect to Constant Contact", work, self._connected, cancel=cancel)

    @Slot()
    def start_device_connect(self) -> None:
        if self.busy:
            return
        cancel = self._begin_waiting("Asking Constant Contact for a code…")

        code_ready = self._codeReady.emit

        def work(handle: TaskHandle) -> tuple[ConnectionStatus, Any]:
            status = self.connection.connect_device(code_ready, cancel=cancel)
            return status, self._read_last_sync()

        self._run("connect to Constant Contact with a code", work, self._connected, cancel=cancel)

    @Slot(str)
    def _browser_url_ready(self, url: str) -> None:
        self.waitingLabel.setText(
            "Your browser shows Constant Contact's sign-in page. Waiting for you to allow access…\n"
            "If no browser opened, copy this address into one:")
        self.authorizeUrlEdit.setText(url)
        self.authorizeUrlEdit.setCursorPosition(0)
        self.authorizeUrlEdit.show()
        self._open_url(url)

    @Slot(object)
    def _device_code_ready(self, device: DeviceAuthorization) -> None:
        self.waitingLabel.setText(
            f"On any device, open {device.verification_uri} and enter the code {device.user_code}.\n"
            "Waiting for you to allow access…")
        self.deviceCodeLabel.setText(device.user_code)
        self.deviceCodeLabel.show()

    @Slot()
    def cancel_connect(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.cancelButton.setEnabled(False)
            self.waitingLabel.setText("Cancelling…")

    def _connected(self, result: tuple[ConnectionStatus, Any]) -> None:
        self._cancel = None
        self._show_refreshed(result)

    def confirm(self, question: str) -> bool:
        """Ask the admin; tests replace this method."""
        return interaction_for(self).confirm(self, "Disconnect from Constant Contact", question)

    @Slot()
    def disconnect_clicked(self) -> None:
        if self.busy:
            return
        name = self._status.account_name if self._status else ""
        leaving = self._leaving_lists()
        lists_part = (
            f"These email lists linked to Constant Contact will be removed from ctctdesk: {leaving}. "
            "A backup of them and their members is written to the data folder first."
            if leaving else "No email list is linked to Constant Contact yet."
        )
        if not self.confirm(f"Disconnect ctctdesk from the Constant Contact account {name}?\n\n"
                            "ctctdesk's access is revoked and the saved sign-in is removed from this "
                            f"computer. {lists_part} Companies and contacts stay."):
            return
        self.disconnectButton.setEnabled(False)
        self.statusLabel.setText("Disconnecting…")
        self._run("disconnect from Constant Contact",
                  lambda handle: (self.connection.disconnect(), self.connection.status()), self._disconnected)

    def _disconnected(self, result: tuple[bool, ConnectionStatus]) -> None:
        revoked, status = result
        self.disconnectButton.setEnabled(True)
        self._show_status(status)
        text = self.statusLabel.text()
        if not revoked:
            text = ("Disconnected. Constant Contact could not be reached to revoke the access; it expires "
                    "on its own.")
        backup = self._last_backup()
        if backup is not None:
            text += f"\nThe removed lists and their members were saved to {backup} (File → Import contacts " \
                    "from CSV… reads it back)."
        self.statusLabel.setText(text)

    # -- background work ----------------------------------------------------------------------------
    def _run(self, name: str, work: Callable[[TaskHandle], Any], on_success: Callable[[Any], None], *,
             cancel: threading.Event | None = None) -> None:  # fmt: skip
        """Start one call into the connection service; the page is busy until it has been shown."""
        self._busy = True
        self.tasks.spawn(self._run_async(name, work, on_success, cancel))

    async def _run_async(self, name: str, work: Callable[[TaskHandle], Any],
                         on_success: Callable[[Any], None], cancel: threading.Event | None) -> None:  # fmt: skip
        try:
            try:
                result = await self.tasks.run(name, work, cancel=cancel)
            except TaskFailed as failure:
                self._failed(failure.error, failure.message)
            else:
                on_success(result)
        finally:
            self._busy = False

    def _failed(self, error: BaseException, message: str) -> None:
        self._cancel = None
        self.waitingBox.hide()
        self.disconnectButton.setEnabled(True)
        connected = self._status is not None and self._status.connected
        self.connectedBox.setVisible(connected)
        self.setupBox.setVisible(not connected)
        self._set_status_tone("neutral" if isinstance(error, AuthorizationCancelled) else "broken")
        self.statusLabel.setText(message)  # our errors say what to do; others were logged (task runner)

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel a running connect and wait for it (window closing, tests): stops the task runner."""
        if self._cancel is not None:
            self._cancel.set()
        self.tasks.shutdown(timeout_ms / 1000)


def make_connection_page(window: Any, context: UiContext) -> ConnectionPage:
    """The page over the context's Constant Contact connection, not yet mounted anywhere.

    "Last sync" (C4) is the sync service's newest recorded run, read on a worker thread.
    """
    service = context.sync
    from ctctdesk.sync.lists_backup import describe, linked_lists

    connection = getattr(context.connection, "inner", context.connection)  # the service's own connection
    return ConnectionPage(connection, window, tasks=context.tasks,
                          last_sync=service.last_run if service is not None else None,
                          leaving_lists=lambda: describe(linked_lists()),
                          last_backup=lambda: getattr(context, "last_disconnect_backup", None))  # fmt: skip


def install_connection_ui(window: Any, context: UiContext) -> ConnectionPage:
    """Mount the page in Settings and the banner above the tabs of the main window."""
    page = make_connection_page(window, context)
    window.settings_tab.add_page(PAGE_TITLE, page)
    area = window.banner_area  # a layout above the tabs (older windows: a widget holding one)
    (area if isinstance(area, QLayout) else area.layout()).addWidget(page.banner)

    def reconnect() -> None:
        window.settings_tab.show_page(PAGE_TITLE)

    page.banner.reconnectRequested.connect(reconnect)  # closing the window stops a pending connect
    return page
