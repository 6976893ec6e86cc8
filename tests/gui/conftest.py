"""Fixtures that open the real main window on a real data folder (offscreen), and a bare CRM database
for widgets tested on their own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ctctdesk.app import build_context
from ctctdesk.crm import db
from tests.support.crm_fixtures import open_crm, small_office


@pytest.fixture(autouse=True)
def event_loop(qapp):
    """The asyncio loop on Qt's event loop, made exactly as `ctctdesk` makes it: coroutines of the task
    runner run while pytest-qt waits, as they run under ``app.exec()`` for users."""
    from ctctdesk.ui.tasks import ensure_event_loop

    return ensure_event_loop(qapp)


@pytest.fixture(autouse=True)
def no_unanswered_dialogs(monkeypatch):
    """A question or message nobody answered fails the test at once instead of waiting for a person."""
    from ctctdesk.ui.interaction import Interaction

    monkeypatch.setattr(Interaction, "unattended", True)


@pytest.fixture
def office_dir(tmp_path: Path) -> Path:
    """A data folder holding the small office of tests/support/crm_fixtures.py."""
    data_dir = tmp_path / "office"
    context = build_context(data_dir)
    small_office()
    context.close()
    return data_dir


@pytest.fixture
def open_window(qtbot) -> Iterator[Callable]:
    """open_window(data_dir) -> shown MainWindow; windows still open are closed (state saved) at the end."""
    from ctctdesk.app import build_window

    opened = []

    def _open(data_dir: Path):
        window = build_window(data_dir)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window

    yield _open
    for window in opened:
        if window.isVisible():
            window.close()
        window.context.close()


@pytest.fixture
def crm(tmp_path: Path):
    """An open CRM database in a temporary folder, for widgets tested without the main window."""
    database = open_crm(tmp_path / "data")
    yield database
    db.close_database()


@pytest.fixture
def office(crm):
    """The small office of tests/support/crm_fixtures.py in that database (ids by name)."""
    return small_office()
