"""Settings → Constant Contact shows the last sync (C4); a broken connection shows in the history (C7).

Driven on demo mode's set-up (a sample CRM, the in-process sandbox, a connection made through the
normal device flow), like tests/gui/test_sync_tab.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QProgressBar, QTableView, QTreeView

from ctctdesk.app import build_window
from ctctdesk.ctct.errors import AuthRevoked
from ctctdesk.demo import start_demo
from ctctdesk.ui.connection_page import PAGE_TITLE
from tests.support.clocks import client_clock
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sandbox_fixtures import config_for

SLOW = 60_000


@pytest.fixture
def demo(tmp_path: Path) -> Iterator:
    clock = client_clock()
    started = start_demo(tmp_path / "demo", sandbox_config=config_for(), crm_contacts=50, clock=clock)
    clock.follow(started.sandbox.clock.advance)  # bulk jobs progress while the client "waits"
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def demo_window(qtbot, demo):
    window = build_window(demo.data_dir, context=demo.context)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    tab = window.sync_tab
    window.tabs.setCurrentWidget(tab)  # the tab reads the connection when first looked at
    qtbot.waitUntil(lambda: tab.idle and tab.connected, timeout=SLOW)
    yield window
    tab.shutdown()
    window.close()
    demo.context.close()


def label(window, name: str) -> QLabel:
    widget = window.findChild(QLabel, name)
    assert widget is not None, name
    return widget


def test_the_settings_page_shows_the_last_sync_and_todays_requests(qtbot, demo_window):
    last_sync = label(demo_window, "lastSyncLabel")
    demo_window.settings_tab.show_page(PAGE_TITLE)
    qtbot.waitUntil(lambda: last_sync.isVisible() and last_sync.text() == "Not yet synchronized",
                    timeout=SLOW)

    tab = demo_window.sync_tab
    tab.start_activation()
    qtbot.waitUntil(lambda: tab.idle, timeout=SLOW)
    assert not tab.last_error, tab.last_error

    demo_window.tabs.setCurrentWidget(tab)
    demo_window.settings_tab.show_page(PAGE_TITLE)  # coming back to the page reads it again
    qtbot.waitUntil(lambda: "Completed (Constant Contact → CRM)" in last_sync.text(), timeout=SLOW)
    used = int(label(demo_window, "requestsTodayLabel").text().split(" of ")[0].replace(",", ""))
    assert used > 1  # the activation's requests count
    assert demo_window.findChild(QProgressBar, "requestsTodayBar").value() == used


def test_a_broken_connection_appears_in_the_synchronize_history(qtbot, demo_window, demo):
    tab = demo_window.sync_tab
    demo_window.tabs.setCurrentWidget(tab)
    history = demo_window.findChild(QTableView, "historyView")
    model = history.model()
    before = model.rowCount()

    demo.sandbox.oauth.reset()  # Constant Contact no longer knows ctctdesk's tokens
    refused = []

    def background_request():  # as a scheduled sync would meet it, off the GUI thread
        try:
            demo.context.connection.client().account_summary()
        except AuthRevoked as error:
            refused.append(error)

    worker = threading.Thread(target=background_request)
    worker.start()
    worker.join(15)
    assert refused

    qtbot.waitUntil(lambda: model.rowCount() == before + 1, timeout=SLOW)
    assert model.index(0, model.DIRECTION).data() == "Connection"
    assert model.index(0, model.RESULT).data() == "Connection broken"
    reason = model.index(0, model.RESULT).data(Qt.ItemDataRole.ToolTipRole)
    assert reason.startswith("Connection broken: ") and "refused" in reason
    assert model.index(0, model.REQUESTS).data() == ""  # not a run: no counts to show

    history.selectRow(0)
    summary = demo_window.findChild(QTreeView, "summaryView").model()
    qtbot.waitUntil(lambda: tab.idle and summary.index(0, 0).data() == reason, timeout=SLOW)
    assert demo_window.findChild(QLabel, "syncConnectionLabel").isVisible()  # and the tab says so
