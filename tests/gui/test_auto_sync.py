"""X2 in the window: the timer's driver on an injected clock, Settings → Automatic sync, and the tray's
actions (offscreen there is no tray: the controller's actions are pressed directly, and a tray is
pretended where closing to it is tested)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtWidgets import QApplication

from ctctdesk.settings_store import SettingsStore
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.schedule import Mode, Outcome, ScheduleSetting, load_setting
from ctctdesk.sync.service import StopReason
from ctctdesk.ui.auto_sync import AutoSync
from ctctdesk.ui.schedule_page import SchedulePage
from ctctdesk.ui.tasks import TaskRunner
from ctctdesk.ui.tray import TrayController
from tests.gui.test_sync_tab import demo, demo_window  # noqa: F401 - fixtures by name
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture by name
from tests.unit.test_schedule import Clock, FakeService, Preview, Status


@pytest.fixture
def runner():
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


def make_auto(tmp_path, runner, service, *, status=None, busy=False, setting=None):
    settings = SettingsStore(tmp_path / "settings.json")
    clock = Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    auto = AutoSync(service=service, status=lambda: status or Status(), settings=settings, tasks=runner,
                    window_busy=lambda: busy, clock=clock)  # fmt: skip
    auto.change(setting or ScheduleSetting(Mode.EVERY, 10, direction=Direction.FROM_CC))
    return auto, clock, settings


def tick_and_wait(qtbot, auto):
    with qtbot.waitSignal(auto.attempted, timeout=10_000) as signal:
        assert auto.tick()
    return signal.args[0]


def test_the_timer_starts_a_scheduled_run_when_it_is_due(qtbot, tmp_path, runner):
    service = FakeService()
    auto, clock, settings = make_auto(tmp_path, runner, service)
    clock.advance(minutes=9)
    assert not auto.tick()
    clock.advance(minutes=1)
    attempt = tick_and_wait(qtbot, auto)
    assert attempt.outcome is Outcome.COMPLETED
    assert service.calls == ["preview from_cc", "run schedule force=False"]
    assert not auto.running and not auto.tick()
    assert SettingsStore(tmp_path / "settings.json").get("schedule_last_run") == clock.now.isoformat()


def test_after_a_sleep_the_timer_catches_up_once(qtbot, tmp_path, runner):
    service = FakeService()
    auto, clock, _ = make_auto(tmp_path, runner, service)
    clock.advance(hours=6)  # the computer slept through 36 slots
    tick_and_wait(qtbot, auto)
    clock.advance(seconds=30)
    assert not auto.tick()
    assert service.calls.count("run schedule force=False") == 1


def test_a_busy_synchronize_tab_skips_the_slot(qtbot, tmp_path, runner):
    service = FakeService()
    auto, clock, _ = make_auto(tmp_path, runner, service, busy=True)
    clock.advance(minutes=10)
    attempt = tick_and_wait(qtbot, auto)
    assert attempt.outcome is Outcome.BUSY and service.calls == []
    assert service.recorded[0][0] is StopReason.SKIPPED


def test_tray_notifies_a_held_run_and_a_broken_connection_once_but_not_a_clean_run(qtbot, tmp_path, runner):
    service = FakeService()
    window = QApplication.activeWindow() or _widget(qtbot)
    auto, clock, _ = make_auto(tmp_path, runner, service)
    tray = TrayController(window, auto, available=False, quit_app=lambda: None)
    clock.advance(minutes=10)
    tick_and_wait(qtbot, auto)
    assert tray.notifications == []

    service._preview = Preview(needs_confirmation=True, guard_reason="55 of 60 removed")
    clock.advance(minutes=10)
    tick_and_wait(qtbot, auto)
    assert len(tray.notifications) == 1 and "held" in tray.notifications[0][1]

    auto._status = lambda: Status(state=_broken(), broken_reason="access refused")
    for _ in range(3):
        clock.advance(minutes=10)
        tick_and_wait(qtbot, auto)
    assert len(tray.notifications) == 2 and "broken" in tray.notifications[1][1]


def _broken():
    from ctctdesk.ctct.connection import ConnectionState

    return ConnectionState.BROKEN


def _widget(qtbot):
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def test_tray_actions_sync_now_pause_open_and_quit(qtbot, tmp_path, runner):
    service = FakeService()
    window = _widget(qtbot)
    auto, clock, _ = make_auto(tmp_path, runner, service)
    quits = []
    tray = TrayController(window, auto, available=False, quit_app=lambda: quits.append(True))
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "Open", "Sync now", "Pause automatic sync", "Quit"]  # fmt: skip

    with qtbot.waitSignal(auto.attempted, timeout=10_000):
        tray.sync_action.trigger()  # not due yet: "Sync now" runs anyway
    assert service.calls[-1] == "run schedule force=False"

    tray.pause_action.trigger()
    assert auto.scheduler.paused
    clock.advance(hours=3)
    assert not auto.tick(), "paused: no run"
    tray.pause_action.trigger()
    assert auto.tick()
    qtbot.waitUntil(lambda: not auto.running)

    window.hide()
    tray.open_action.trigger()
    assert window.isVisible()
    tray.quit_action.trigger()
    assert quits == [True] and not window.isVisible()


def test_without_a_tray_automatic_sync_stays_off_the_close_path(qtbot, tmp_path, runner):
    auto, _, _ = make_auto(tmp_path, runner, FakeService())
    tray = TrayController(_widget(qtbot), auto, available=False, quit_app=lambda: None)
    assert not tray.should_hide_on_close()


# -- in the main window ----------------------------------------------------------------------------


def test_the_settings_page_saves_the_schedule_to_settings_json(qtbot, office_dir, open_window, tmp_path):
    window = open_window(office_dir)
    page = window.findChild(SchedulePage, "scheduleSettings")
    assert page is not None and "Automatic sync" in window.settings_tab.page_titles()
    assert page.off.isChecked() and not page.save.isEnabled()
    assert not page.minutes.isEnabled() and not page.at.isEnabled()

    page.every.setChecked(True)
    page.minutes.setValue(15)
    page.direction.setCurrentIndex(page.direction.findData("to_cc"))
    assert page.save.isEnabled() and page.state.text() == "Not saved yet."
    page.save.click()
    assert not page.save.isEnabled()
    assert "every 15 minutes, to Constant Contact" in page.state.text() and "Next run" in page.state.text()
    assert load_setting(SettingsStore(office_dir / "settings.json")) == ScheduleSetting(
        Mode.EVERY, 15, direction=Direction.TO_CC)  # fmt: skip

    window.settings_tab.show_page("Automatic sync")
    qtbot.waitExposed(page)
    page.grab().save(str(tmp_path / "schedule-page.png"))
    window.close()

    again = open_window(office_dir)  # the same setting, read back
    page = again.findChild(SchedulePage, "scheduleSettings")
    assert page.every.isChecked() and page.minutes.value() == 15
    assert page.direction.currentData() == "to_cc"


def test_offscreen_there_is_no_tray_and_closing_quits_as_before(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    window.auto_sync.change(ScheduleSetting(Mode.EVERY, 5))
    assert window.tray.icon is None
    window.close()
    assert not window.isVisible() and not window.tray.quitting


def test_with_a_tray_closing_hides_the_window_while_automatic_sync_is_on(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    quits = []
    window.tray = TrayController(window, window.auto_sync, available=True, quit_app=lambda: quits.append(1))
    try:
        assert not window.tray.should_hide_on_close() and not window.tray.visible  # off: closes as before
        window.auto_sync.change(ScheduleSetting(Mode.DAILY))
        assert window.tray.visible
        window.close()
        assert not window.isVisible() and not window.context.tasks._closed, "hidden, still running"
        assert not QApplication.quitOnLastWindowClosed()
        window.tray.open_action.trigger()
        assert window.isVisible() and QApplication.quitOnLastWindowClosed()
        window.close()
        assert not window.isVisible()
        window.auto_sync.change(ScheduleSetting())  # turned off while hidden: the window comes back
        assert window.isVisible() and not window.tray.visible
        window.auto_sync.change(ScheduleSetting(Mode.DAILY))
        window.tray.quit_action.trigger()
        assert quits == [1] and not window.isVisible() and window.context.tasks._closed
    finally:
        QApplication.setQuitOnLastWindowClosed(True)
        if window.tray.icon is not None:
            window.tray.icon.hide()


def test_a_scheduled_attempt_in_the_window_waits_quietly_when_not_connected(qtbot, office_dir, open_window):
    window = open_window(office_dir)
    auto = window.auto_sync
    auto.change(ScheduleSetting(Mode.EVERY, 5))
    auto.clock = lambda: datetime.now(UTC) + timedelta(minutes=6)
    auto.scheduler.clock = auto.clock
    with qtbot.waitSignal(auto.attempted, timeout=10_000) as signal:
        assert auto.tick()
    assert signal.args[0].outcome is Outcome.NOT_CONNECTED
    assert window.tray.notifications == []
    assert window.context.sync.history() == []


def test_a_schedule_set_from_the_command_line_reaches_the_open_window(qtbot, office_dir, open_window):
    from ctctdesk.cli import main

    window = open_window(office_dir)
    auto = window.auto_sync
    page = window.findChild(SchedulePage, "scheduleSettings")
    assert not auto.setting.on
    assert main(["--data-dir", str(office_dir), "schedule", "daily", "06:15", "--direction", "from-cc"]) == 0
    auto.tick()
    assert auto.setting == ScheduleSetting(Mode.DAILY, at=auto.setting.at, direction=Direction.FROM_CC)
    assert f"{auto.setting.at:%H:%M}" == "06:15"
    assert page.daily.isChecked() and page.at.time().toString("HH:mm") == "06:15"


def test_a_scheduled_run_in_the_demo_window_lands_in_the_history_and_refreshes_the_preview(
    qtbot, demo_window,  # noqa: F811 - fixture by name
):
    from tests.gui.test_sync_tab import activate, preview

    window = demo_window
    tab = window.sync_tab
    activate(qtbot, tab)
    shown = preview(qtbot, window, "pushButton")
    assert not shown.plan.is_empty  # the demo's CRM has lists Constant Contact lacks
    auto = window.auto_sync
    auto.change(ScheduleSetting(Mode.EVERY, 5, direction=Direction.TO_CC))
    later = datetime.now(UTC) + timedelta(minutes=6)
    auto.clock = auto.scheduler.clock = lambda: later

    with qtbot.waitSignal(auto.attempted, timeout=60_000) as signal:
        assert auto.tick()
    attempt = signal.args[0]
    assert attempt.outcome is Outcome.COMPLETED, attempt.message
    assert window.tray.notifications == [], "a clean run is silent"
    qtbot.waitUntil(lambda: tab.idle and tab.preview is not None and tab.preview is not shown, timeout=60_000)
    assert tab.preview.plan.is_empty, "the preview shown was read again after the scheduled run"
    newest = window.context.sync.history()[0]
    assert (newest.trigger, newest.direction) == ("schedule", Direction.TO_CC)


def test_with_campaign_monitor_the_tray_names_it_when_the_connection_breaks(qtbot, tmp_path, runner):
    from types import SimpleNamespace

    service = FakeService()
    service.connection = SimpleNamespace(display_name="Campaign Monitor")  # the service in use
    auto, clock, _ = make_auto(tmp_path, runner, service)
    tray = TrayController(_widget(qtbot), auto, available=False, quit_app=lambda: None)
    auto._status = lambda: Status(state=_broken(), broken_reason="")
    clock.advance(minutes=10)
    tick_and_wait(qtbot, auto)
    [(_title, text)] = tray.notifications
    assert "Campaign Monitor refused the access" in text and "Settings → Campaign Monitor" in text
    assert "Constant Contact" not in text
