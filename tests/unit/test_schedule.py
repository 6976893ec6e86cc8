"""X2 without Qt: the setting, when runs are due on an injected clock, and what a scheduled attempt does
when it must not run (broken connection, allowance used up, another run going, a guard)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.settings_store import SettingsStore
from ctctdesk.sync.errors import RunInProgress
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.schedule import (
    Mode,
    Outcome,
    ScheduleError,
    Scheduler,
    ScheduleSetting,
    load_setting,
    parse_time,
    run_scheduled,
    save_setting,
)
from ctctdesk.sync.service import ContactError, StopReason

START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def runs_over(scheduler: Scheduler, clock: Clock, *, minutes: int, step: int = 1) -> list[datetime]:
    """Tick like the window's timer for `minutes`; the times a run started."""
    started = []
    for _ in range(0, minutes, step):
        clock.advance(minutes=step)
        if scheduler.due():
            scheduler.mark_ran()
            started.append(clock.now)
    return started


# -- the setting -------------------------------------------------------------------------------------


def test_the_setting_round_trips_through_settings_json(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")
    assert load_setting(store) == ScheduleSetting()  # off by default
    assert not load_setting(store).on
    chosen = ScheduleSetting(Mode.DAILY, 30, time(7, 45), Direction.FROM_CC)
    save_setting(store, chosen)
    assert load_setting(SettingsStore(tmp_path / "settings.json")) == chosen
    assert chosen.describe() == "Automatic sync daily at 07:45, from Constant Contact."


def test_a_damaged_setting_is_off_rather_than_a_surprise_run(tmp_path):
    store = SettingsStore(tmp_path / "settings.json")
    store.set("schedule", {"mode": "every", "minutes": 1})
    assert load_setting(store).mode is Mode.OFF
    store.set("schedule", "nonsense")
    assert load_setting(store).mode is Mode.OFF


@pytest.mark.parametrize("minutes", [4, 1441, 0])
def test_every_n_minutes_is_from_5_to_1440(minutes):
    with pytest.raises(ScheduleError, match="5 to 1,440"):
        ScheduleSetting(Mode.EVERY, minutes)


@pytest.mark.parametrize("text", ["25:00", "7", "07:60", "noon"])
def test_a_daily_time_must_be_hh_mm(text):
    with pytest.raises(ScheduleError, match="HH:MM"):
        parse_time(text)


# -- when runs are due --------------------------------------------------------------------------------


def test_every_n_minutes_runs_when_due():
    clock = Clock()
    scheduler = Scheduler(ScheduleSetting(Mode.EVERY, 15), clock)
    started = runs_over(scheduler, clock, minutes=60)
    assert [t - START for t in started] == [timedelta(minutes=m) for m in (15, 30, 45, 60)]


def test_daily_runs_at_its_time_once_a_day():
    clock = Clock()
    scheduler = Scheduler(ScheduleSetting(Mode.DAILY, at=time(7, 30)), clock, tz=UTC)
    started = runs_over(scheduler, clock, minutes=3 * 24 * 60, step=5)
    assert [f"{t:%d %H:%M}" for t in started] == ["02 07:30", "03 07:30", "04 07:30"]


def test_off_and_paused_never_run():
    clock = Clock()
    assert runs_over(Scheduler(ScheduleSetting(), clock), clock, minutes=600) == []
    paused = Scheduler(ScheduleSetting(Mode.EVERY, 5), clock, paused=True)
    assert runs_over(paused, clock, minutes=600) == []
    paused.paused = False
    assert len(runs_over(paused, clock, minutes=10)) == 2


def test_after_a_sleep_over_many_slots_it_catches_up_once():
    clock = Clock()
    scheduler = Scheduler(ScheduleSetting(Mode.EVERY, 10), clock)
    assert len(runs_over(scheduler, clock, minutes=20)) == 2
    clock.advance(hours=5)  # the lid was closed: 30 slots missed, the wall clock jumps
    assert scheduler.due()
    scheduler.mark_ran()
    assert not scheduler.due(), "one catch-up run, not one per missed slot"
    assert [t - clock.now for t in runs_over(scheduler, clock, minutes=20)] == [
        timedelta(minutes=-10), timedelta(0)]  # fmt: skip


def test_a_daily_run_missed_over_a_long_weekend_runs_once():
    clock = Clock()
    scheduler = Scheduler(ScheduleSetting(Mode.DAILY, at=time(7, 0)), clock, tz=UTC)
    clock.advance(days=3)  # asleep from Monday 06:00 to Thursday 06:00: three 07:00 slots missed
    assert scheduler.due()
    scheduler.mark_ran()
    assert not scheduler.due()
    # then Thursday's own slot, and Friday's
    assert [f"{t:%d %H:%M}" for t in runs_over(scheduler, clock, minutes=26 * 60, step=5)] == [
        "05 07:00", "06 07:00"]  # fmt: skip


def test_the_last_run_survives_a_restart_so_a_daily_run_is_not_repeated():
    clock = Clock(datetime(2026, 3, 2, 7, 1, tzinfo=UTC))
    kept: list[datetime] = []
    first = Scheduler(ScheduleSetting(Mode.DAILY, at=time(7, 0)), clock, tz=UTC, on_ran=kept.append,
                      last_run=datetime(2026, 3, 1, 7, 0, tzinfo=UTC))  # fmt: skip
    assert first.due()
    first.mark_ran()
    clock.advance(minutes=30)
    again = Scheduler(ScheduleSetting(Mode.DAILY, at=time(7, 0)), clock, tz=UTC, last_run=kept[-1])
    assert not again.due()


def test_a_new_setting_counts_from_when_it_was_saved():
    clock = Clock()
    scheduler = Scheduler(ScheduleSetting(), clock)
    clock.advance(hours=2)
    scheduler.change(ScheduleSetting(Mode.EVERY, 30))
    assert not scheduler.due()
    clock.advance(minutes=30)
    assert scheduler.due()


# -- one attempt ---------------------------------------------------------------------------------------


@dataclass
class Status:
    state: ConnectionState = ConnectionState.CONNECTED
    requests_today: int = 0
    daily_allowance: int = 10_000
    broken_reason: str = ""


@dataclass
class Summary:
    stop: StopReason = StopReason.COMPLETED
    errors: tuple = ()
    stopped_reason: str = ""
    counts: dict = field(default_factory=dict)


@dataclass
class Preview:
    needs_confirmation: bool = False
    guard_reason: str = ""


class FakeService:
    """Records what a scheduled attempt asked of the service."""

    def __init__(self, *, preview: Preview | None = None, result: Any = None, holder: str = "") -> None:
        self._preview = preview or Preview()
        self._result = result if result is not None else Summary()
        self.holder = holder
        self.calls: list[str] = []
        self.recorded: list[tuple[StopReason, str]] = []

    def running(self) -> str:
        return self.holder

    def preview(self, direction, **_options):
        self.calls.append(f"preview {Direction(direction).value}")
        return self._preview

    def run(self, preview, *, trigger="button", force=False, **_options):
        self.calls.append(f"run {trigger} force={force}")
        if isinstance(self._result, Exception):
            raise self._result
        return self._result

    def record_skipped(self, direction, trigger, stop, reason):
        assert trigger == "schedule"
        self.recorded.append((stop, reason))
        return Summary(stop=stop, stopped_reason=reason)


def test_a_clean_run_is_silent_and_never_forced():
    service = FakeService()
    attempt = run_scheduled(service, Status(), Direction.BOTH)
    assert attempt.outcome is Outcome.COMPLETED and not attempt.notify
    assert service.calls == ["preview both", "run schedule force=False"]


def test_a_guard_holds_the_run_and_says_so():
    service = FakeService(preview=Preview(needs_confirmation=True, guard_reason="55 of 60 removed"))
    attempt = run_scheduled(service, Status(), Direction.TO_CC)
    assert attempt.outcome is Outcome.HELD and attempt.notify
    assert service.calls == ["preview to_cc"], "no run without a person's confirmation"
    assert service.recorded[0][0] is StopReason.GUARD and "55 of 60 removed" in service.recorded[0][1]


def test_a_broken_connection_is_recorded_once_and_nothing_is_read():
    service = FakeService()
    status = Status(ConnectionState.BROKEN, broken_reason="access refused")
    attempt = run_scheduled(service, status, Direction.BOTH)
    assert attempt.outcome is Outcome.BROKEN and attempt.notify
    assert service.calls == []
    assert service.recorded == [(StopReason.AUTH, attempt.message)] and "access refused" in attempt.message
    again = run_scheduled(service, status, Direction.BOTH, previous=attempt.outcome)
    assert again.outcome is Outcome.BROKEN and not again.notify and len(service.recorded) == 1


def test_a_used_up_allowance_does_not_run():
    service = FakeService()
    attempt = run_scheduled(service, Status(requests_today=10_000), Direction.FROM_CC)
    assert attempt.outcome is Outcome.QUOTA and attempt.notify and service.calls == []
    assert service.recorded[0][0] is StopReason.QUOTA and "tomorrow" in attempt.message


def test_not_connected_waits_quietly():
    service = FakeService()
    attempt = run_scheduled(service, Status(ConnectionState.NOT_CONNECTED), Direction.FROM_CC)
    assert attempt.outcome is Outcome.NOT_CONNECTED and not attempt.notify
    assert service.calls == [] and service.recorded == []


@pytest.mark.parametrize("holder, window_busy", [("at 10:12 from the command line", False), ("", True)])
def test_another_run_going_skips_the_slot_and_records_why(holder, window_busy):
    service = FakeService(holder=holder)
    attempt = run_scheduled(service, Status(), Direction.BOTH, window_busy=window_busy)
    assert attempt.outcome is Outcome.BUSY and not attempt.notify and service.calls == []
    stop, reason = service.recorded[0]
    assert stop is StopReason.SKIPPED
    assert (holder or "Synchronize tab") in reason


def test_a_run_that_lost_the_race_for_the_lock_is_skipped():
    service = FakeService(result=RunInProgress("Another synchronization is running (started just now)"))
    attempt = run_scheduled(service, Status(), Direction.BOTH)
    assert attempt.outcome is Outcome.BUSY and service.recorded[0][0] is StopReason.SKIPPED


@pytest.mark.parametrize("summary, outcome", [
    (Summary(StopReason.ERROR, stopped_reason="Constant Contact is unavailable"), Outcome.FAILED),
    (Summary(errors=(ContactError("a@b.example", "refused"),)), Outcome.FAILED),
    (Summary(StopReason.AUTH, stopped_reason="access refused"), Outcome.BROKEN),
    (Summary(StopReason.GUARD, stopped_reason="The push needs confirmation"), Outcome.HELD),
])  # fmt: skip
def test_a_run_that_did_not_end_cleanly_is_told(summary, outcome):
    attempt = run_scheduled(FakeService(result=summary), Status(), Direction.BOTH)
    assert attempt.outcome is outcome and attempt.notify and attempt.summary is summary
