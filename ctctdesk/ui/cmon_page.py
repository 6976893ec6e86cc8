"""Settings → Campaign Monitor: connect by API key, choose the client, see the connection, disconnect.

The same three states as the Constant Contact page (not connected, connected, broken) and the same
habits: every call into the connection runs on the window's task runner, questions go through the
dialog seam, the API key is typed into a masked field and cleared from it once it is in the keyring.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.cmon.connection import (
    ClientChoice,
    CmonConnection,
    CmonStatus,
    credentials_of_key,
    keyring_sentence,
)
from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.ctct.tokens import TokenSet
from ctctdesk.ui.connection_page import (
    ReconnectBanner,
    _hint,
    _plain,
    _value_label,
    last_sync_text,
)
from ctctdesk.ui.interaction import interaction_for
from ctctdesk.ui.page_parts import heading, page_column, set_tone, status_label
from ctctdesk.ui.tasks import TaskFailed, TaskHandle, TaskRunner

log = logging.getLogger(__name__)

PAGE_TITLE = "Campaign Monitor"
EXPLANATION = (
    "Connect ctctdesk to your Campaign Monitor account to keep email lists in step. Paste the account's "
    "API key below and press Connect; then choose the client whose lists ctctdesk should use. "
    "The key is kept only in this computer's keyring."
)
KEY_HINT = ("Campaign Monitor shows the API key under Account settings → API keys. Anyone with the key can "
            "use the account, so ctctdesk never writes it to a file or the log.")
CONNECTED_EXPLANATION = ("ctctdesk keeps its email lists in step with the lists of this Campaign Monitor "
                         "client. Run a synchronization from the Synchronize tab.")
DISCONNECT_HINT = ("Disconnecting removes the saved API key from this computer and removes the email lists "
                   "that came from or went to Campaign Monitor. Companies and contacts stay in ctctdesk.")
OAUTH_HINT = ("For an office that signs in with its own Campaign Monitor OAuth application instead of an API "
              "key: register the redirect URI below on it, enter its client id and secret (the secret is used "
              "once and not kept), then press “Sign in with the browser”.")
BANNER_TEXT = ("Campaign Monitor no longer accepts ctctdesk's API key. Nothing is lost: reconnect and the "
               "next sync catches up.")


class _StatusBridge(QObject):
    changed = Signal(object)


class CmonConnectionPage(QWidget):
    """The Campaign Monitor page; `banner` is the window's "reconnect" banner for this service."""

    statusChanged = Signal(object)
    _urlReady = Signal(str)  # emitted on the worker thread during an OAuth sign-in

    def __init__(self, connection: CmonConnection, parent: QWidget | None = None, *,
                 tasks: TaskRunner | None = None, last_sync: Callable[[], Any] | None = None,
                 leaving_lists: Callable[[], str] | None = None,
                 last_backup: Callable[[], Path | None] | None = None,
                 open_url: Callable[[str], None] | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._open_url = open_url or (lambda url: QDesktopServices.openUrl(QUrl(url)))
        self._pending: TokenSet | None = None  # the key or tokens waiting for the choice of client
        self._cancel: threading.Event | None = None
        self.setObjectName("cmonConnectionPage")
        self.connection = connection
        self.tasks = tasks if tasks is not None else TaskRunner(self)
        self._last_sync = last_sync
        self._leaving_lists = leaving_lists or (lambda: "")
        self._last_backup = last_backup or (lambda: None)
        self._busy = False
        self._status: CmonStatus | None = None
        self._last_run: Any = None
        self._keyring: tuple[bool, str] | None = None
        self._clients: list[ClientChoice] = []
        self.banner = ReconnectBanner()
        self.banner.message.setText(BANNER_TEXT)
        self._bridge = _StatusBridge(self)
        self._bridge.changed.connect(self._on_status_changed, Qt.ConnectionType.QueuedConnection)
        listener = self._bridge.changed.emit
        connection.add_listener(listener)
        self.destroyed.connect(lambda *_: connection.remove_listener(listener))
        self._urlReady.connect(self._browser_url_ready)
        self._build()
        self.refresh()

    # -- layout -------------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = page_column(self)

        layout.addWidget(heading(PAGE_TITLE, "cmonPageHeading"))

        self.statusLabel = status_label("cmonStatusLabel", "Checking the connection…")
        layout.addWidget(self.statusLabel)

        layout.addWidget(self._build_setup())
        layout.addWidget(self._build_client_choice())
        layout.addWidget(self._build_connected())
        for box in (self.setupBox, self.clientBox, self.connectedBox):
            box.hide()

    def _build_setup(self) -> QWidget:
        self.setupBox = QWidget()
        setup = QVBoxLayout(self.setupBox)
        setup.setContentsMargins(0, 0, 0, 0)
        setup.setSpacing(10)
        setup.addWidget(_plain(EXPLANATION))
        account = QGroupBox("Your Campaign Monitor account")
        box = QVBoxLayout(account)
        form = QFormLayout()
        box.addLayout(form)
        self.apiKeyEdit = QLineEdit()
        self.apiKeyEdit.setObjectName("cmonApiKeyEdit")
        self.apiKeyEdit.setEchoMode(QLineEdit.EchoMode.Password)  # a secret: never shown on screen
        self.apiKeyEdit.setPlaceholderText("API key of your Campaign Monitor account")
        self.apiKeyEdit.setMaximumWidth(440)
        self.apiKeyEdit.returnPressed.connect(self.start_connect)
        form.addRow("API key:", self.apiKeyEdit)
        box.addWidget(_hint(KEY_HINT))
        setup.addWidget(account)
        self.keyringLabel = QLabel()
        self.keyringLabel.setObjectName("cmonKeyringLabel")
        self.keyringLabel.setWordWrap(True)
        setup.addWidget(self.keyringLabel)
        buttons = QHBoxLayout()
        self.connectButton = QPushButton("Connect")
        self.connectButton.setObjectName("cmonConnectButton")
        self.connectButton.setDefault(True)
        self.connectButton.setToolTip("Checks the key with Campaign Monitor and lists its clients.")
        self.connectButton.clicked.connect(self.start_connect)
        buttons.addWidget(self.connectButton)
        buttons.addStretch(1)
        setup.addLayout(buttons)
        setup.addWidget(self._build_oauth())
        return self.setupBox

    def _build_oauth(self) -> QWidget:
        """The other way in: OAuth through the browser, with the office's own OAuth application."""
        box = QGroupBox("Or sign in with an OAuth application")
        layout = QVBoxLayout(box)
        layout.addWidget(_hint(OAUTH_HINT))
        form = QFormLayout()
        self.oauthClientIdEdit = QLineEdit(self.connection.settings.oauth_client_id)
        self.oauthClientIdEdit.setObjectName("cmonOAuthClientIdEdit")
        self.oauthClientIdEdit.setMaximumWidth(440)
        self.oauthSecretEdit = QLineEdit()
        self.oauthSecretEdit.setObjectName("cmonOAuthSecretEdit")
        self.oauthSecretEdit.setEchoMode(QLineEdit.EchoMode.Password)
        self.oauthSecretEdit.setMaximumWidth(440)
        self.redirectUriLabel = _value_label("cmonRedirectUriLabel")
        self.redirectUriLabel.setText(self.connection.settings.redirect_uri)
        form.addRow("Client id:", self.oauthClientIdEdit)
        form.addRow("Client secret:", self.oauthSecretEdit)
        form.addRow("Redirect URI to register:", self.redirectUriLabel)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.oauthButton = QPushButton("Sign in with the browser")
        self.oauthButton.setObjectName("cmonOAuthButton")
        self.oauthButton.clicked.connect(self.start_oauth)
        self.cancelButton = QPushButton("Cancel")
        self.cancelButton.setObjectName("cmonCancelButton")
        self.cancelButton.clicked.connect(self.cancel_sign_in)
        self.cancelButton.hide()
        row.addWidget(self.oauthButton)
        row.addWidget(self.cancelButton)
        row.addStretch(1)
        layout.addLayout(row)
        return box

    def _build_client_choice(self) -> QWidget:
        """The key reaches several clients: which one's lists does ctctdesk keep in step?"""
        self.clientBox = QGroupBox("Choose the client")
        box = QVBoxLayout(self.clientBox)
        box.addWidget(_plain("This API key reaches several clients. The email lists ctctdesk keeps in step "
                             "belong to one of them; choose it once here."))
        row = QHBoxLayout()
        self.clientCombo = QComboBox()
        self.clientCombo.setObjectName("cmonClientCombo")
        self.clientCombo.setMinimumWidth(260)
        self.chooseClientButton = QPushButton("Use this client")
        self.chooseClientButton.setObjectName("cmonChooseClientButton")
        self.chooseClientButton.clicked.connect(self.choose_client)
        self.backButton = QPushButton("Back")
        self.backButton.setObjectName("cmonClientBackButton")
        self.backButton.clicked.connect(self._back_to_key)
        row.addWidget(self.clientCombo)
        row.addSpacing(8)
        row.addWidget(self.chooseClientButton)
        row.addWidget(self.backButton)
        row.addStretch(1)
        box.addLayout(row)
        return self.clientBox

    def _build_connected(self) -> QWidget:
        self.connectedBox = QWidget()
        connected = QVBoxLayout(self.connectedBox)
        connected.setContentsMargins(0, 0, 0, 0)
        connected.setSpacing(10)
        connected.addWidget(_plain(CONNECTED_EXPLANATION))
        account = QGroupBox("Connected client")
        form = QFormLayout(account)
        form.setVerticalSpacing(8)
        form.setHorizontalSpacing(16)
        self.clientLabel = _value_label("cmonClientLabel")
        self.sinceLabel = _value_label("cmonConnectedSinceLabel")
        self.lastSyncLabel = _value_label("cmonLastSyncLabel")
        self.usageLabel = _value_label("cmonRequestsTodayLabel")
        form.addRow("Client:", self.clientLabel)
        form.addRow("Connected since:", self.sinceLabel)
        form.addRow("Last sync:", self.lastSyncLabel)
        form.addRow("API requests today:", self.usageLabel)
        connected.addWidget(account)
        self.disconnectButton = QPushButton("Disconnect…")
        self.disconnectButton.setObjectName("cmonDisconnectButton")
        self.disconnectButton.clicked.connect(self.disconnect_clicked)
        row = QHBoxLayout()
        row.addWidget(_hint(DISCONNECT_HINT), 1)
        row.addSpacing(12)
        row.addWidget(self.disconnectButton, 0, Qt.AlignmentFlag.AlignTop)
        connected.addLayout(row)
        return self.connectedBox

    def _set_tone(self, tone: str) -> None:
        set_tone(self.statusLabel, tone)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._status is not None:
            self.refresh()

    # -- state --------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def status(self) -> CmonStatus | None:
        return self._status

    def refresh(self, *, ask_campaign_monitor: bool = False) -> None:
        if self.busy:
            return

        def work(handle: TaskHandle) -> tuple[CmonStatus, Any]:
            self._keyring = keyring_sentence()
            status = self.connection.status(refresh_account=ask_campaign_monitor)
            return status, self._read_last_sync() if status.connected else None

        self._run("Campaign Monitor status", work, self._show_refreshed)

    def _read_last_sync(self) -> Any:
        if self._last_sync is None:
            return None
        try:
            return self._last_sync()
        except Exception as error:  # secondary here: say so in the log, go on
            log.warning("The last sync could not be read for the Campaign Monitor page: %s", error)
            return None

    def _show_refreshed(self, result: tuple[CmonStatus, Any]) -> None:
        status, self._last_run = result
        self._show_status(status)

    def _show_status(self, status: CmonStatus) -> None:
        self._status = status
        connected = status.state is ConnectionState.CONNECTED
        self.clientBox.hide()
        self.connectedBox.setVisible(connected)
        self.setupBox.setVisible(not connected)
        usable, keyring_text = self._keyring or (True, "")
        self.keyringLabel.setText(keyring_text)
        self.keyringLabel.setVisible(bool(keyring_text))
        self.keyringLabel.setStyleSheet("color: #555;" if usable else "color: #b00020;")
        self.connectButton.setEnabled(usable)
        if connected:
            self.statusLabel.setText(f"Connected to Campaign Monitor, client {status.client_name}.")
            self._set_tone("ok")
            self.clientLabel.setText(status.client_name or "—")
            since = status.connected_since.astimezone() if status.connected_since else None
            self.sinceLabel.setText(f"{since:%Y-%m-%d %H:%M}" if since else "—")
            self.lastSyncLabel.setText(last_sync_text(self._last_run))
            self.usageLabel.setText(f"{status.requests_today:,}")
            self.connectButton.setText("Connect")
        elif status.state is ConnectionState.BROKEN:
            self.statusLabel.setText(f"The connection is broken: {status.broken_reason} Enter the API key "
                                     "again to reconnect; nothing has been lost.")
            self._set_tone("broken")
            self.connectButton.setText("Reconnect")
        else:
            self.statusLabel.setText("Not connected to Campaign Monitor.")
            self._set_tone("neutral")
            self.connectButton.setText("Connect")
        self.banner.setVisible(status.state is ConnectionState.BROKEN)
        self.statusChanged.emit(status)

    @Slot(object)
    def _on_status_changed(self, status: CmonStatus) -> None:
        if not self.busy:
            self._show_status(status)
        elif status.state is ConnectionState.BROKEN:
            self.banner.show()

    # -- actions ------------------------------------------------------------------------------------
    @Slot()
    def start_connect(self) -> None:
        """Check the key and list its clients; one client is chosen at once, several are offered."""
        if self.busy:
            return
        key = self.apiKeyEdit.text().strip()
        if not key:
            self.statusLabel.setText("Enter the API key of your Campaign Monitor account first.")
            self._set_tone("broken")
            self.apiKeyEdit.setFocus()
            return
        self.connectButton.setEnabled(False)
        self.statusLabel.setText("Checking the API key with Campaign Monitor…")
        self._set_tone("neutral")

        self._pending = credentials_of_key(key)
        self._run("connect to Campaign Monitor", self._check_credentials(self._pending), self._key_checked)

    def _check_credentials(self, credentials: TokenSet) -> Callable[[TaskHandle], tuple[str, Any]]:
        """Worker: the clients the key or tokens reach; the only one is chosen at once."""
        def work(handle: TaskHandle) -> tuple[str, Any]:
            clients = self.connection.clients_for(credentials)
            if len(clients) == 1:
                return "connected", (self.connection.connect_with(credentials, clients[0]), self._read_last_sync())
            return "choose", clients

        return work

    @Slot()
    def start_oauth(self) -> None:
        """Sign in through the browser; then the same choice of client as with a key."""
        if self.busy:
            return
        client_id = self.oauthClientIdEdit.text().strip()
        secret = self.oauthSecretEdit.text().strip()
        if not client_id or not secret:
            self.statusLabel.setText("Enter the client id and the client secret of your OAuth application.")
            self._set_tone("broken")
            return
        if client_id != self.connection.settings.oauth_client_id:
            self.connection.set_oauth_client_id(client_id)
        cancel = threading.Event()
        self._cancel = cancel
        self.oauthButton.setEnabled(False)
        self.connectButton.setEnabled(False)
        self.cancelButton.show()
        self.statusLabel.setText("Your browser shows Campaign Monitor's sign-in page. Waiting for you to allow "
                                 "access…")
        self._set_tone("neutral")
        url_ready = self._urlReady.emit

        def work(handle: TaskHandle) -> tuple[str, Any]:
            tokens = self.connection.sign_in_browser(url_ready, client_secret=secret, cancel=cancel)
            self._pending = tokens
            return self._check_credentials(tokens)(handle)

        self._run("sign in to Campaign Monitor", work, self._key_checked)

    @Slot(str)
    def _browser_url_ready(self, url: str) -> None:
        self._open_url(url)

    @Slot()
    def cancel_sign_in(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def _key_checked(self, result: tuple[str, Any]) -> None:
        kind, value = result
        self._sign_in_ended()
        if kind == "connected":
            self._pending = None
            self.apiKeyEdit.clear()  # it is in the keyring now; the field does not keep it
            self._show_refreshed(value)
            return
        self._clients = list(value)
        if not self._clients:
            self.statusLabel.setText("This Campaign Monitor account has no client yet: add one in Campaign "
                                     "Monitor, then connect again.")
            self._set_tone("broken")
            return
        self.clientCombo.clear()
        for client in self._clients:
            self.clientCombo.addItem(client.name, client.client_id)
        self.setupBox.hide()
        self.connectedBox.hide()
        self.clientBox.show()
        self.statusLabel.setText(f"The API key works. Choose one of its {len(self._clients)} clients.")
        self._set_tone("neutral")

    def _sign_in_ended(self) -> None:
        self._cancel = None
        self.oauthSecretEdit.clear()  # used once, never kept
        self.cancelButton.hide()
        self.oauthButton.setEnabled(True)
        self.connectButton.setEnabled(True)

    @Slot()
    def choose_client(self) -> None:
        if self.busy or not self._clients or self._pending is None:
            return
        credentials = self._pending
        chosen = self._clients[max(self.clientCombo.currentIndex(), 0)]
        self.chooseClientButton.setEnabled(False)

        def work(handle: TaskHandle) -> tuple[CmonStatus, Any]:
            return self.connection.connect_with(credentials, chosen), self._read_last_sync()

        def done(result: tuple[CmonStatus, Any]) -> None:
            self.chooseClientButton.setEnabled(True)
            self.apiKeyEdit.clear()
            self._clients = []
            self._pending = None
            self._show_refreshed(result)

        self._run("choose the Campaign Monitor client", work, done)

    def _back_to_key(self) -> None:
        self._clients = []
        self._pending = None
        self.clientBox.hide()
        self.setupBox.show()
        self.statusLabel.setText("Not connected to Campaign Monitor.")

    @Slot()
    def disconnect_clicked(self) -> None:
        if self.busy:
            return
        name = self._status.client_name if self._status else ""
        leaving = self._leaving_lists()
        lists_part = (
            f"These email lists linked to Campaign Monitor will be removed from ctctdesk: {leaving}. "
            "A backup of them and their members is written to the data folder first."
            if leaving else "No email list is linked to Campaign Monitor yet."
        )
        if not interaction_for(self).confirm(
                self, "Disconnect from Campaign Monitor",
                f"Disconnect ctctdesk from the Campaign Monitor client {name}?\n\nThe saved API key is "
                f"removed from this computer. {lists_part} Companies and contacts stay."):
            return
        self.disconnectButton.setEnabled(False)
        self.statusLabel.setText("Disconnecting…")
        self._run("disconnect from Campaign Monitor",
                  lambda handle: (self.connection.disconnect(), self.connection.status()), self._disconnected)

    def _disconnected(self, result: tuple[bool, CmonStatus]) -> None:
        _revoked, status = result
        self.disconnectButton.setEnabled(True)
        self._show_status(status)
        text = "Disconnected from Campaign Monitor; the API key was removed from this computer."
        backup = self._last_backup()
        if backup is not None:
            text += (f"\nThe removed lists and their members were saved to {backup} (File → Import contacts "
                     "from CSV… reads it back).")
        self.statusLabel.setText(text)

    # -- background work ----------------------------------------------------------------------------
    def _run(self, name: str, work: Callable[[TaskHandle], Any], on_success: Callable[[Any], None]) -> None:
        self._busy = True
        self.tasks.spawn(self._run_async(name, work, on_success))

    async def _run_async(self, name: str, work: Callable[[TaskHandle], Any],
                         on_success: Callable[[Any], None]) -> None:  # fmt: skip
        try:
            try:
                result = await self.tasks.run(name, work, cancel=self._cancel)
            except TaskFailed as failure:
                self._failed(failure.message)
            else:
                on_success(result)
        finally:
            self._busy = False

    def _failed(self, message: str) -> None:
        self._sign_in_ended()
        self.connectButton.setEnabled(True)
        self.chooseClientButton.setEnabled(True)
        self.disconnectButton.setEnabled(True)
        connected = self._status is not None and self._status.connected
        self.connectedBox.setVisible(connected)
        if not connected and not self._clients:
            self.setupBox.show()
        self._set_tone("broken")
        self.statusLabel.setText(message)  # our errors say what to do, and never hold the key

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel a running sign-in and wait for it (window closing, tests)."""
        if self._cancel is not None:
            self._cancel.set()
        self.tasks.shutdown(timeout_ms / 1000)
