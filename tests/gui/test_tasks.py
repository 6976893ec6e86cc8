"""The task runner on the real qasync loop (the one `ctctdesk` runs): progress, errors, cancel, closing.

The Synchronize tab is driven here over a stand-in sync service, so each behaviour of the runner shows
where a user sees it, in well under a second; tests/gui/test_sync_tab.py drives the real engine.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from ctctdesk.ctct.connection import ConnectionState, ConnectionStatus
from ctctdesk.sync.errors import SyncError
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.presenting import Node
from ctctdesk.sync.progress import Progress
from ctctdesk.sync.service import RunSummary, StopReason
from ctctdesk.ui import sync_tab as sync_tab_module
from ctctdesk.ui.sync_tab import SyncTab
from ctctdesk.ui.tasks import UNEXPECTED_TEXT, TaskFailed, TaskRunner

STEPS = 2_000


@dataclass(frozen=True)
class FakePlan:
    direction: Direction
    is_empty: bool = False
    changes: tuple = ("one change",)


@dataclass(frozen=True)
class FakePreview:
    direction: Direction
    plan: FakePlan
    needs_confirmation: bool = False
    guard_reason: str = ""
    pending_other_way: int = 0


class FakeConnection:
    def __init__(self) -> None:
        self.listeners: list = []

    def add_listener(self, listener) -> None:
        self.listeners.append(listener)

    def remove_listener(self, listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def status(self, **_options) -> ConnectionStatus:
        return ConnectionStatus(ConnectionState.CONNECTED, settings=None)


@dataclass
class FakeService:
    """Previews report many steps fast; runs wait for Cancel (or `release`); `error` makes previews fail."""

    error: Exception | None = None
    release: threading.Event = field(default_factory=threading.Event)
    threads: set = field(default_factory=set)

    def history(self, limit: int = 200) -> list:
        return []

    def has_pulled(self) -> bool:
        return True

    def preview(self, direction, *, on_progress=None, cancel=None, full=False) -> FakePreview:
        self.threads.add(threading.current_thread().name)
        if self.error is not None:
            raise self.error
        for done in range(1, STEPS + 1):
            on_progress(Progress("Reading Constant Contact", done, STEPS))
        return FakePreview(Direction(direction), FakePlan(Direction(direction)))

    def run(self, preview, *, trigger, on_progress=None, cancel=None, force=False) -> RunSummary:
        on_progress(Progress("Importing contacts", 0, 10))
        while not (cancel.is_set() or self.release.is_set()):
            cancel.wait(0.01)
        stop = StopReason.CANCELLED if cancel.is_set() else StopReason.COMPLETED
        now = datetime.now(UTC)
        return RunSummary(7, preview.direction, trigger, now, now, {}, {}, (), 1, stop=stop)


@pytest.fixture
def tab(qtbot, monkeypatch):
    monkeypatch.setattr(sync_tab_module, "plan_tree", lambda plan, pending_other_way=0: Node("plan"))
    service = FakeService()
    widget = SyncTab(service, FakeConnection())
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitUntil(lambda: widget.idle and widget.connected)
    yield widget
    widget.shutdown()


def test_progress_reaches_the_widget_throttled_and_the_last_value_arrives(qtbot, tab):
    seen: list[Progress] = []
    tab.progressed.connect(seen.append)
    tab.choose(Direction.FROM_CC)
    qtbot.waitUntil(lambda: tab.idle)
    assert tab.preview is not None and not tab.last_error
    assert seen and seen[-1].done == STEPS  # the last report is always shown
    assert len(seen) < STEPS / 20  # thousands of reports, a handful of repaints (at most ~10 a second)
    assert tab.service.threads and threading.current_thread().name not in tab.service.threads


def test_the_runner_delivers_progress_on_the_gui_thread_before_the_result(qtbot):
    runner = TaskRunner()
    received: list[tuple[int, str]] = []
    results: list[int] = []

    def work(handle) -> int:
        for value in range(500):
            handle.report(value)
        return 499

    async def start() -> None:
        results.append(await runner.run("count", work, on_progress=lambda value: received.append(
            (value, threading.current_thread().name))))
        results.append(received[-1][0])  # already delivered when the result arrives

    runner.spawn(start())
    qtbot.waitUntil(lambda: len(results) == 2)
    assert results == [499, 499]
    assert {name for _, name in received} == {threading.current_thread().name}
    assert len(received) < 50
    runner.shutdown()


def test_an_error_of_ours_shows_its_message(qtbot, tab):
    tab.service.error = SyncError("The plan cannot be made: Constant Contact sent an empty account.")
    tab.choose(Direction.FROM_CC)
    qtbot.waitUntil(lambda: tab.idle)
    message = tab.findChild(QLabel, "syncMessageLabel")
    assert message.isVisible()
    assert message.text() == "The plan cannot be made: Constant Contact sent an empty account."
    assert tab.findChild(QLabel, "syncPhaseLabel").text() == "Stopped."
    assert tab.pullButton.isEnabled() and not tab.runButton.isEnabled()


def test_an_unexpected_error_shows_a_plain_message_and_logs_the_traceback(qtbot, tab, caplog):
    tab.service.error = KeyError("cc_id")
    with caplog.at_level(logging.ERROR, logger="ctctdesk.ui.tasks"):
        tab.choose(Direction.FROM_CC)
        qtbot.waitUntil(lambda: tab.idle)
    assert tab.findChild(QLabel, "syncMessageLabel").text() == UNEXPECTED_TEXT
    assert "Traceback" not in tab.last_error
    record = next(r for r in caplog.records if r.name == "ctctdesk.ui.tasks")
    assert record.exc_info is not None and isinstance(record.exc_info[1], KeyError)


def test_cancel_stops_a_running_sync(qtbot, tab):
    tab.choose(Direction.TO_CC)
    qtbot.waitUntil(lambda: tab.idle and tab.runButton.isEnabled())
    qtbot.mouseClick(tab.runButton, Qt.MouseButton.LeftButton)
    assert tab.busy and tab.cancelButton.isEnabled() and tab.syncProgress.isVisible()
    qtbot.mouseClick(tab.cancelButton, Qt.MouseButton.LeftButton)
    assert "Cancelling" in tab.syncPhaseLabel.text()
    assert not tab.cancelButton.isEnabled()
    qtbot.waitUntil(lambda: tab.idle)
    assert tab.last_summary.cancelled and not tab.syncProgress.isVisible()
    assert tab.controller.view().pull.enabled


def test_shutting_down_while_a_task_runs_cancels_and_waits(qtbot, tab):
    tab.choose(Direction.TO_CC)
    qtbot.waitUntil(lambda: tab.idle and tab.runButton.isEnabled())
    tab.start_run()
    qtbot.waitUntil(lambda: tab.tasks.busy)
    assert tab.tasks.shutdown(timeout=10)  # the window closing: every task ended in time
    assert not tab.service.release.is_set()  # it ended because it was cancelled, not released
    qtbot.wait(50)  # the loop resumes the cancelled coroutine; nothing may be raised from it
    assert tab.tasks.busy is False


def test_work_after_shutdown_is_not_started(qtbot):
    runner = TaskRunner()
    runner.shutdown()
    outcome: list[str] = []

    async def start() -> None:
        try:
            await runner.run("late", lambda handle: outcome.append("ran"))
        except TaskFailed:
            outcome.append("failed")

    task = runner.spawn(start())
    qtbot.waitUntil(task.done)
    assert task.cancelled() and outcome == []
