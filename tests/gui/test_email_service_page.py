"""Settings → Email service and Settings → Campaign Monitor in the real window, driven as an office worker
would: choose Campaign Monitor, paste the API key, pick the client; the Synchronize tab then names it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QWidget

from ctctdesk.cmon import wiring
from ctctdesk.ui.cmon_page import CmonConnectionPage
from tests.support.cmon_fakes import AGENCY_KEY, GOOD_KEY, FakeCampaignMonitor
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture
from tests.support.interaction import Answers


@pytest.fixture
def keys(memory_keyring):  # noqa: F811 - the in-memory keyring, by a short name
    return memory_keyring


@pytest.fixture
def fake(monkeypatch) -> FakeCampaignMonitor:
    fake = FakeCampaignMonitor()
    monkeypatch.setattr(wiring, "list_clients", fake.list_clients)
    monkeypatch.setattr("ctctdesk.app.campaign_monitor_service", fake.build_service)
    return fake


def switch_to_campaign_monitor(qtbot, window, answers: Answers) -> CmonConnectionPage:
    chooser = window.service_pages.chooser
    window.settings_tab.show_page("Email service")
    qtbot.waitUntil(lambda: chooser.inUseLabel.text() == "In use: Constant Contact — not connected yet; connect "
                                                         "on its page")
    chooser.select("campaign-monitor")
    assert chooser.switchButton.text() == "Switch to Campaign Monitor…"
    qtbot.mouseClick(chooser.switchButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Campaign Monitor" in window.settings_tab.page_titles())
    qtbot.waitUntil(lambda: chooser.inUseLabel.text().startswith("In use: Campaign Monitor"))
    page = window.service_pages.page
    qtbot.waitUntil(lambda: page.status is not None and not page.busy)
    return page


def test_switch_then_connect_by_api_key_with_one_client(qtbot, open_window, office_dir, keys, fake, monkeypatch):
    answers = Answers(monkeypatch)
    window = open_window(office_dir)
    titles = window.settings_tab.page_titles()
    assert titles.index("Email service") + 1 == titles.index("Constant Contact")

    page = switch_to_campaign_monitor(qtbot, window, answers)

    assert answers.asked == ["Use Campaign Monitor instead of Constant Contact? Then connect to Campaign "
                             "Monitor on its page."]  # nothing was connected: nothing to remove
    titles = window.settings_tab.page_titles()
    assert "Constant Contact" not in titles and titles.index("Email service") + 1 == titles.index("Campaign Monitor")
    assert window.settings_tab.page_list.currentItem().text() == "Campaign Monitor"
    assert page.apiKeyEdit.echoMode() is QLineEdit.EchoMode.Password
    assert page.statusLabel.text() == "Not connected to Campaign Monitor."

    qtbot.keyClicks(page.apiKeyEdit, GOOD_KEY)
    qtbot.mouseClick(page.connectButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status is not None and page.status.connected)

    assert page.statusLabel.text() == "Connected to Campaign Monitor, client Harbour Office."
    assert page.clientLabel.text() == "Harbour Office"
    assert page.apiKeyEdit.text() == ""  # the key left the field once it was in the keyring
    tab = window.sync_tab
    qtbot.waitUntil(lambda: tab.pushButton.text() == "Update Campaign Monitor from CRM")
    assert tab.pullButton.text() == "Update CRM from Campaign Monitor"
    assert "Campaign Monitor" in tab.pullWarning.text() and "Constant Contact" not in tab.pullWarning.text()
    lists_tab = window.findChild(QWidget, "listsTab")
    assert lists_tab.service_name() == "Campaign Monitor"  # its questions about linked lists name it
    window.settings_tab.show_page("Automatic sync")
    directions = window.findChild(QComboBox, "scheduleDirection")
    assert directions.itemText(1) == "Update the CRM from Campaign Monitor"


def test_several_clients_are_offered_to_choose_from(qtbot, open_window, office_dir, keys, fake, monkeypatch):
    answers = Answers(monkeypatch)
    window = open_window(office_dir)
    page = switch_to_campaign_monitor(qtbot, window, answers)

    qtbot.keyClicks(page.apiKeyEdit, AGENCY_KEY)
    qtbot.mouseClick(page.connectButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.clientBox.isVisible())
    assert [page.clientCombo.itemText(i) for i in range(page.clientCombo.count())] == ["Alpha Bakery", "Zeta Foods"]
    assert page.statusLabel.text() == "The API key works. Choose one of its 2 clients."

    page.clientCombo.setCurrentIndex(1)
    qtbot.mouseClick(page.chooseClientButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status is not None and page.status.connected)
    assert page.clientLabel.text() == "Zeta Foods"


def test_a_wrong_key_is_said_and_nothing_is_kept(qtbot, open_window, office_dir, keys, fake, monkeypatch):
    answers = Answers(monkeypatch)
    window = open_window(office_dir)
    page = switch_to_campaign_monitor(qtbot, window, answers)

    qtbot.keyClicks(page.apiKeyEdit, "typo-key-77")
    qtbot.mouseClick(page.connectButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused the API key" in page.statusLabel.text())
    assert "typo-key-77" not in page.statusLabel.text()
    assert not keys.entries and page.setupBox.isVisible()


def test_switching_away_asks_names_the_lists_and_disconnects(qtbot, open_window, office_dir, keys, fake,
                                                            monkeypatch):
    answers = Answers(monkeypatch)
    window = open_window(office_dir)
    page = switch_to_campaign_monitor(qtbot, window, answers)
    qtbot.keyClicks(page.apiKeyEdit, GOOD_KEY)
    qtbot.mouseClick(page.connectButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status is not None and page.status.connected)

    answers.answer = False  # first: the person says No
    chooser = window.service_pages.chooser
    window.settings_tab.show_page("Email service")
    chooser.select("constant-contact")
    qtbot.mouseClick(chooser.switchButton, Qt.MouseButton.LeftButton)
    assert answers.titles[-1] == "Switch email service"
    assert "disconnects from Campaign Monitor first" in answers.asked[-1]
    assert chooser.inUseLabel.text().startswith("In use: Campaign Monitor") and keys.entries
    qtbot.waitUntil(lambda: chooser.inUseLabel.text() == "In use: Campaign Monitor — connected (Harbour Office)")

    answers.answer = True
    chooser.select("constant-contact")
    qtbot.mouseClick(chooser.switchButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Constant Contact" in window.settings_tab.page_titles())
    assert not keys.entries
    tab = window.sync_tab
    qtbot.waitUntil(lambda: tab.pushButton.text() == "Update Constant Contact from CRM")


def test_oauth_sign_in_against_the_emulator(qtbot, open_window, office_dir, keys, cmon_sandbox, monkeypatch):
    import json
    import threading

    import requests
    from PySide6.QtGui import QDesktopServices

    opened = []

    def browser(url) -> bool:  # the person's browser: the emulator approves and redirects back at once
        opened.append(url.toString())
        threading.Thread(target=requests.get, args=(url.toString(),), kwargs={"timeout": 10}, daemon=True).start()
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", browser)
    (office_dir / "settings.json").write_text(json.dumps({"email_service": "campaign-monitor"}))
    (office_dir / "campaign-monitor.json").write_text(json.dumps({"api_base_url": cmon_sandbox.api_base_url,
                                                                  "redirect_port": 0}))
    window = open_window(office_dir)
    page = window.service_pages.page
    qtbot.waitUntil(lambda: page.status is not None and not page.busy)

    qtbot.keyClicks(page.oauthClientIdEdit, "office-app")
    qtbot.keyClicks(page.oauthSecretEdit, "office-secret")
    assert page.oauthSecretEdit.echoMode() is QLineEdit.EchoMode.Password
    qtbot.mouseClick(page.oauthButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status is not None and page.status.connected, timeout=15_000)

    assert "client_id=office-app" in opened[0]
    assert page.clientLabel.text() == "Demo Office"
    assert page.oauthSecretEdit.text() == ""  # used once, not kept
    assert json.loads(next(iter(keys.entries.values())))["token_type"] == "Bearer"


def test_a_refused_key_shows_the_banner_and_the_tab_says_so(qtbot, open_window, office_dir, keys, fake, monkeypatch):
    answers = Answers(monkeypatch)
    window = open_window(office_dir)
    page = switch_to_campaign_monitor(qtbot, window, answers)
    qtbot.keyClicks(page.apiKeyEdit, GOOD_KEY)
    qtbot.mouseClick(page.connectButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.status is not None and page.status.connected)

    page.connection.mark_broken("Campaign Monitor no longer accepts the saved API key (deleted or replaced).")

    qtbot.waitUntil(lambda: page.banner.isVisible())
    assert "no longer accepts ctctdesk's API key" in page.banner.message.text()
    assert page.connectButton.text() == "Reconnect" and page.setupBox.isVisible()
    tab = window.sync_tab
    qtbot.waitUntil(lambda: "Campaign Monitor is broken" in tab.connectionLabel.text())
    assert "Settings → Campaign Monitor" in tab.connectionLabel.text()
    window.tabs.setCurrentWidget(tab)
    qtbot.mouseClick(page.banner.findChild(QWidget, "reconnectButton"), Qt.MouseButton.LeftButton)
    assert window.settings_tab.page_list.currentItem().text() == "Campaign Monitor"
    assert any(run.stopped_reason.startswith("Connection broken: Campaign Monitor") and run.service == "Campaign Monitor"
               for run in window.context.sync.history())
