"""The window's automatic sync (X2): a timer that asks the scheduler, and the run through the task runner.

The rules live in `ctctdesk.sync.schedule`; this driver only wakes every `TICK_SECONDS`, asks whether a
run is due, and starts `run_scheduled` as any other background job of the window (`TaskRunner`), so
closing the window cancels it like a run started by the button. `attempted` carries each attempt's
`Attempt` to the tray (notifications) and the Synchronize tab (history).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ctctdesk.sync.schedule import (
    LAST_RUN_SETTING,
    Attempt,
    Outcome,
    Scheduler,
    ScheduleSetting,
    load_setting,
    run_scheduled,
    save_setting,
)
from ctctdesk.ui.tasks import TaskFailed, TaskHandle

log = logging.getLogger(__name__)

TICK_SECONDS = 30  # how often the driver looks at the clock; a run starts at most this late
SLEPT_AFTER = timedelta(seconds=3 * TICK_SECONDS)  # a gap this long between ticks: the computer slept


def wall_clock() -> datetime:
    """Now, UTC and aware (the scheduler compares it with daily times in the local zone)."""
    return datetime.now(UTC)


def _parse(value: Any) -> datetime | None:
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when is not None and when.tzinfo is None else when


class AutoSync(QObject):
    """Runs the scheduled syncs of one window.

    ``service`` is the `SyncService`; ``status`` reads the connection's state without asking Constant
    Contact; ``window_busy`` says whether the Synchronize tab is previewing or running; ``clock`` is
    the wall clock (UTC), injected by tests.
    """

    attempted = Signal(object)  # Attempt
    settingChanged = Signal(object)  # ScheduleSetting  # noqa: N815 (Qt naming)

    def __init__(self, *, service: Any, status: Callable[[], Any], settings: Any, tasks: Any,
                 window_busy: Callable[[], bool] = lambda: False,
                 clock: Callable[[], datetime] = wall_clock, tz: tzinfo | None = None,
                 tick_seconds: float = TICK_SECONDS, parent: QObject | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.service = service
        self._status = status
        self.settings = settings
        self.tasks = tasks
        self.window_busy = window_busy
        self.clock = clock
        self.scheduler = Scheduler(load_setting(settings), clock, _parse(settings.get(LAST_RUN_SETTING)), tz,
                                   on_ran=lambda at: settings.set(LAST_RUN_SETTING, at.isoformat()))  # fmt: skip
        self.running = False
        self.last: Attempt | None = None
        self._last_tick: datetime | None = None
        self._settings_stamp: int | None = None
        self.timer = QTimer(self)
        self.timer.setInterval(int(tick_seconds * 1000))
        self.timer.timeout.connect(self.tick)

    @property
    def setting(self) -> ScheduleSetting:
        return self.scheduler.setting

    def start(self) -> None:
        """Begin looking at the clock (the window calls this once it is built)."""
        self._last_tick = self.clock()
        self._follow_settings_file()
        self.timer.start()

    def change(self, setting: ScheduleSetting) -> None:
        """Settings → Automatic sync saved a new setting: kept in settings.json, counted from now."""
        save_setting(self.settings, setting)
        self.scheduler.change(setting)
        self.settingChanged.emit(setting)

    def set_paused(self, paused: bool) -> None:
        self.scheduler.paused = paused
        self.settingChanged.emit(self.setting)

    def tick(self) -> bool:
        """Start the scheduled run when it is due; True when one started."""
        now = self.clock()
        if self._last_tick is not None and now - self._last_tick >= SLEPT_AFTER:
            # a sleep (or a clock change): the missed slots give one run, not one each
            log.info("The clock moved %s since the last look (the computer slept?)", now - self._last_tick)
        self._last_tick = now
        self._follow_settings_file()
        if self.running or not self.scheduler.due():
            return False
        self.run_now()
        return True

    def _follow_settings_file(self) -> None:
        """``ctctdesk schedule …`` changed settings.json while the window is open: take the new setting."""
        path = getattr(self.settings, "path", None)
        if path is None:
            return
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            stamp = 0  # no file yet
        if stamp == self._settings_stamp:
            return
        first, self._settings_stamp = self._settings_stamp is None, stamp
        if first:
            return
        self.settings.reload()
        setting = load_setting(self.settings)
        if setting != self.setting:
            log.info("Automatic sync changed from outside the window: %s", setting.describe())
            self.scheduler.change(setting)
            self.settingChanged.emit(setting)

    def run_now(self) -> None:
        """Start one scheduled run now (also the tray's "Sync now"); it uses up the current slot."""
        if self.running:
            return
        self.scheduler.mark_ran()
        self.running = True
        direction = self.setting.direction
        busy = bool(self.window_busy())
        previous = self.last.outcome if self.last is not None else None

        def work(handle: TaskHandle) -> Attempt:
            return run_scheduled(self.service, self._status(), direction, window_busy=busy,
                                 previous=previous, cancel=handle.cancel)  # fmt: skip

        self.tasks.spawn(self._attempt(work))

    async def _attempt(self, work: Callable[[TaskHandle], Attempt]) -> None:
        try:
            attempt = await self.tasks.run("automatic sync", work)
        except TaskFailed as failure:
            attempt = Attempt(Outcome.FAILED, f"Automatic sync failed: {failure.message}")
        finally:
            self.running = False
        self.last = attempt
        log.info("%s", attempt.message)
        self.attempted.emit(attempt)
