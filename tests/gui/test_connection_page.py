"""Settings → Constant Contact in each state, driven like an admin would, against the sandbox."""

import logging
import threading

import pytest
import requests
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QLineEdit,
    QPushButton,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.ctct.errors import AuthRevoked
from ctctdesk.ctct.tokens import TokenStore
from ctctdesk.ui.connection_page import ConnectionPage
from tests.support.ctct_browser import approve_in_browser
from tests.support.ctct_fixtures import (  # noqa: F401
    connect_through_browser,
    memory_keyring,
    sandbox_connection,
)


def browser_that_allows(url):
    threading.Thread(target=approve_in_browser, args=(url,), daemon=True).start()


@pytest.fixture
def window(qtbot, sandbox_connection, memory_keyring):  # noqa: F811
    """A bare window holding the banner above the page, as the main window mounts them."""
    def build(open_url=browser_that_allows):
        holder = QWidget()
        layout = QVBoxLayout(holder)
        page = ConnectionPage(sandbox_connection, open_url=open_url)
        layout.addWidget(page.banner)
        layout.addWidget(page)
        qtbot.addWidget(holder)
        holder.show()
        qtbot.waitUntil(lambda: page.status is not None and not page.busy)
        built.append((holder, page))  # pytest-qt holds widgets weakly
        return page

    built = []
    yield build
    for _holder, page in built:
        page.shutdown()


def find(page, kind, name):
    widget = page.window().findChild(kind, name)
    assert widget is not None, name
    return widget


def test_not_connected_shows_explanation_api_key_and_redirect_uri(window, sandbox_connection):  # noqa: F811
    page = window()
    assert "Not connected" in find(page, QLabel, "connectionStatusLabel").text()
    assert find(page, QLineEdit, "apiKeyEdit").text() == "ctctdesk-demo"
    assert find(page, QLabel, "redirectUriLabel").text() == sandbox_connection.settings.redirect_uri
    find(page, QPushButton, "copyRedirectUriButton").click()
    assert QApplication.clipboard().text() == sandbox_connection.settings.redirect_uri
    assert find(page, QPushButton, "connectButton").isVisible()
    assert find(page, QPushButton, "connectWithCodeButton").isVisible()
    assert not find(page, QPushButton, "disconnectButton").isVisible()
    assert not page.banner.isVisible()


def test_api_key_entered_is_saved(window, sandbox_connection, qtbot):  # noqa: F811
    page = window()
    edit = find(page, QLineEdit, "apiKeyEdit")
    edit.clear()
    qtbot.keyClicks(edit, "office-app-key")
    edit.editingFinished.emit()
    assert sandbox_connection.settings.client_id == "office-app-key"


def test_connect_waits_responsively_then_shows_the_account(window, qtbot):
    page = window()
    qtbot.mouseClick(find(page, QPushButton, "connectButton"), qtbot_left())
    qtbot.waitUntil(lambda: not page.busy, timeout=20_000)
    status_text = find(page, QLabel, "connectionStatusLabel").text()
    assert "Connected" in status_text and "ctctdesk Demo Office" in status_text
    assert find(page, QLabel, "accountLabel").text() == "ctctdesk Demo Office"
    assert find(page, QLabel, "accountEmailLabel").text() == "owner@example.org"
    assert find(page, QLabel, "lastSyncLabel").text() == "Not yet synchronized"
    assert find(page, QLabel, "requestsTodayLabel").text() == "1 of 10,000"
    assert find(page, QPushButton, "disconnectButton").isVisible()
    assert not find(page, QPushButton, "connectButton").isVisible()


def test_waiting_for_access_can_be_cancelled(window, qtbot, sandbox_connection):  # noqa: F811
    opened = []
    page = window(open_url=opened.append)  # the admin never acts in the browser
    qtbot.mouseClick(find(page, QPushButton, "connectButton"), qtbot_left())
    qtbot.waitUntil(lambda: bool(opened))
    waiting = find(page, QLabel, "waitingLabel")
    assert waiting.isVisible() and "Waiting for you to allow access" in waiting.text()
    assert find(page, QLineEdit, "authorizeUrlEdit").text() == opened[0]  # in case no browser opened
    qtbot.mouseClick(find(page, QPushButton, "cancelConnectButton"), qtbot_left())
    qtbot.waitUntil(lambda: not page.busy, timeout=15_000)
    assert "cancelled" in find(page, QLabel, "connectionStatusLabel").text()
    assert find(page, QPushButton, "connectButton").isVisible()
    assert sandbox_connection.status().state is ConnectionState.NOT_CONNECTED


def test_connect_with_a_code_shows_the_code_until_allowed(window, qtbot, sandbox, sandbox_connection):  # noqa: F811
    page = window()
    allowed = threading.Event()
    # the admin types the code elsewhere while the page waits for its next poll (fake time)
    sandbox_connection.clock.follow(lambda seconds: allowed.wait(20))
    qtbot.mouseClick(find(page, QPushButton, "connectWithCodeButton"), qtbot_left())
    waiting = find(page, QLabel, "waitingLabel")
    qtbot.waitUntil(lambda: "enter the code" in waiting.text(), timeout=15_000)
    user_code = waiting.text().split("enter the code ")[1].split(".")[0]
    assert "/activate" in waiting.text()
    code = find(page, QLabel, "deviceCodeLabel")
    assert code.isVisible() and code.text() == user_code  # large, to read out and type elsewhere
    requests.post(f"{sandbox.base_url}/_sandbox/device/approve", json={"user_code": user_code}, timeout=10)
    allowed.set()
    qtbot.waitUntil(lambda: not page.busy, timeout=20_000)  # the next poll, 5 seconds later
    assert find(page, QPushButton, "disconnectButton").isVisible()


def test_disconnect_asks_first_then_revokes_and_forgets(window, qtbot, sandbox_connection,  # noqa: F811
                                                        memory_keyring):  # noqa: F811
    connect_through_browser(sandbox_connection)
    page = window()
    assert find(page, QPushButton, "disconnectButton").isVisible()
    questions = []
    page.confirm = lambda text: questions.append(text) or False
    qtbot.mouseClick(find(page, QPushButton, "disconnectButton"), qtbot_left())
    assert questions and "ctctdesk Demo Office" in questions[0]
    assert not page.busy and memory_keyring.entries  # said no: still connected
    page.confirm = lambda text: True
    qtbot.mouseClick(find(page, QPushButton, "disconnectButton"), qtbot_left())
    qtbot.waitUntil(lambda: not page.busy, timeout=10_000)
    assert "Not connected" in find(page, QLabel, "connectionStatusLabel").text()
    assert memory_keyring.entries == {}


def test_broken_connection_shows_the_banner_and_logs(window, qtbot, sandbox, sandbox_connection,  # noqa: F811
                                                     caplog, monkeypatch):
    notifications = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "showMessage", lambda icon, *args: notifications.append(args))
    connect_through_browser(sandbox_connection)
    page = window()
    tokens = TokenStore().load(sandbox_connection.settings.profile)
    requests.post(sandbox_connection.settings.revoke_url,
                  data={"token": tokens.refresh_token, "client_id": "ctctdesk-demo"}, timeout=10)
    requests.post(f"{sandbox.base_url}/_sandbox/clock", json={"advance_seconds": 86_500}, timeout=10)
    caplog.set_level(logging.WARNING)
    failures = []

    def background_sync():  # as the sync engine would meet it, off the GUI thread
        try:
            sandbox_connection.client().account_summary()
        except AuthRevoked as error:
            failures.append(error)

    worker = threading.Thread(target=background_sync)
    worker.start()
    worker.join(10)
    assert failures
    banner = find(page, QWidget, "reconnectBanner")
    qtbot.waitUntil(banner.isVisible, timeout=15_000)
    assert "broken" in find(page, QLabel, "connectionStatusLabel").text()
    assert find(page, QPushButton, "connectButton").text() == "Reconnect"
    assert "connection broken" in caplog.text
    assert len(notifications) == 1 and "connection broken" in notifications[0][0]
    # Reconnect from the banner repairs it
    qtbot.mouseClick(find(page, QPushButton, "reconnectButton"), qtbot_left())
    qtbot.waitUntil(lambda: not page.busy and not banner.isVisible(), timeout=20_000)
    assert find(page, QPushButton, "disconnectButton").isVisible()


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_main_window_has_the_page_and_shows_the_banner_when_broken(qtbot, office_dir, open_window):
    (office_dir / "constant-contact-state.json").write_text(
        '{"connected_since": "2026-01-01T00:00:00+00:00", "broken": "Access was revoked."}')
    window = open_window(office_dir)
    assert "Constant Contact" in window.settings_tab.page_titles()
    banner = window.findChild(QWidget, "reconnectBanner")
    qtbot.waitUntil(banner.isVisible, timeout=15_000)
    assert window.banner_area.indexOf(banner) >= 0  # across the top of the window, above the tabs
    qtbot.mouseClick(window.findChild(QPushButton, "reconnectButton"), qtbot_left())
    assert window.tabs.currentWidget() is window.settings_tab
    label = window.findChild(QLabel, "connectionStatusLabel")
    assert label.isVisible()
    # no API key is set for the real service: the page says what to do instead of opening a browser
    qtbot.waitUntil(lambda: "API key" in label.text(), timeout=15_000)


def test_the_page_names_the_keyring_before_connect_is_pressed(window, qtbot):
    page = window()
    label = find(page, QLabel, "keyringLabel")
    assert label.isVisible() and "keyring" in label.text()
    assert find(page, QPushButton, "connectButton").isEnabled()


def test_without_a_keyring_the_page_says_what_to_install_and_connect_waits(window, qtbot):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        page = window()
    finally:
        keyring.set_keyring(previous)
    label = find(page, QLabel, "keyringLabel")
    assert "gnome-keyring" in label.text() and "none is available" in label.text()
    assert not find(page, QPushButton, "connectButton").isEnabled()
    assert not find(page, QPushButton, "connectWithCodeButton").isEnabled()
