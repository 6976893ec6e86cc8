"""The system tray icon while automatic sync is on: Open, Sync now, Pause automatic sync, Quit (X2).

Closing the window then hides it to the tray, so the scheduled runs go on; a run that failed, was held by
a guard, or found the connection broken says so in a notification (a clean run is silent). Where the
desktop has no tray (`QSystemTrayIcon.isSystemTrayAvailable()` false, as offscreen), there is no icon
and closing the window quits as before; the actions exist either way, so tests can press them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from ctctdesk import email_services
from ctctdesk.sync.schedule import Attempt
from ctctdesk.ui.app_icon import app_icon
from ctctdesk.ui.auto_sync import AutoSync

TITLE = "ctctdesk automatic sync"


class TrayController(QObject):
    """The tray's menu and notifications for one window and its `AutoSync`.

    ``available``: None asks Qt whether the desktop has a tray. ``quit_app`` ends the event loop (tests
    pass their own: quitting the application inside a test would end pytest-qt's waits).
    """

    def __init__(self, window: QWidget, auto: AutoSync, *, available: bool | None = None,
                 quit_app: Callable[[], None] = QApplication.quit) -> None:  # fmt: skip
        super().__init__(window)
        self.window = window
        self.auto = auto
        self._quit_app = quit_app
        self.quitting = False
        self.hidden = False  # the window is hidden to the tray
        self._told_hidden = False
        self.notifications: list[tuple[str, str]] = []  # (title, text) shown, newest last
        self.menu = QMenu(window)
        self.menu.setObjectName("trayMenu")
        self.open_action = self._action("Open", self.open)
        self.sync_action = self._action("Sync now", self.sync_now)
        self.pause_action = self._action("Pause automatic sync", None)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self.auto.set_paused)
        self.menu.addSeparator()
        self.quit_action = self._action("Quit", self.quit)
        if available is None:
            available = QSystemTrayIcon.isSystemTrayAvailable()
        self.icon: QSystemTrayIcon | None = None
        if available:
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
        auto.attempted.connect(self.attempted)
        auto.settingChanged.connect(lambda _setting: self.refresh())
        self.refresh()

    def _action(self, text: str, slot: Callable[[], None] | None) -> QAction:
        action = QAction(text, self.menu)
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        self.menu.addAction(action)
        return action

    @property
    def visible(self) -> bool:
        return self.icon is not None and self.icon.isVisible()

    def refresh(self) -> None:
        """The icon shows while automatic sync is on; its tooltip says the setting."""
        on = self.auto.setting.on
        self.sync_action.setEnabled(on)
        self.pause_action.setEnabled(on)
        if self.icon is not None:
            paused = " (paused)" if self.auto.scheduler.paused else ""
            said = email_services.worded_for(self.auto.setting.describe(), email_services.name_in_use(self.auto.service))
            self.icon.setToolTip(f"ctctdesk — {said}{paused}")
            self.icon.setVisible(on)
        if not on and self.hidden:
            self.open()  # turned off (e.g. `ctctdesk schedule off`): no icon left to come back from

    def should_hide_on_close(self) -> bool:
        """The window's close: hide to the tray (automatic sync goes on) or really close."""
        return self.icon is not None and self.auto.setting.on and not self.quitting

    def hidden_to_tray(self) -> None:
        """The window was hidden: the application must not end with its last visible window."""
        QApplication.setQuitOnLastWindowClosed(False)
        self.hidden = True
        if not self._told_hidden:  # once per session is enough
            self._told_hidden = True
            self.notify("ctctdesk is still running", "Automatic sync goes on; open the window from this icon.",
                        warning=False)  # fmt: skip

    # -- the menu's actions ----------------------------------------------------------------------------
    def open(self) -> None:
        QApplication.setQuitOnLastWindowClosed(True)
        self.hidden = False
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def sync_now(self) -> None:
        self.auto.run_now()

    def set_paused(self, paused: bool) -> None:
        self.pause_action.setChecked(paused)  # toggled → AutoSync.set_paused

    def quit(self) -> None:
        self.quitting = True
        self.window.close()
        if self.icon is not None:
            self.icon.hide()
        self._quit_app()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open()

    # -- what the person hears -------------------------------------------------------------------------
    def attempted(self, attempt: Attempt) -> None:
        if attempt.notify:
            self.notify(TITLE, attempt.message)

    def notify(self, title: str, text: str, *, warning: bool = True) -> None:
        self.notifications.append((title, text))
        if self.icon is not None and self.icon.isVisible():
            icon = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
            self.icon.showMessage(title, text, icon)
