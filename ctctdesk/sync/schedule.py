"""Automatic sync (X2) without Qt: the setting, when the next run is due, and one scheduled run.

Why apart from the window: the rules — when a run is due, that several missed slots give one run, that
a scheduled run never confirms a guard and never runs on a broken connection or a used-up allowance —
are then plain Python that tests drive with an injected clock. The window's driver
(`ctctdesk.ui.auto_sync`) only wakes on a timer, asks `Scheduler.due` and hands `run_scheduled` to the
task runner; ``ctctdesk schedule`` reads and writes the same setting in ``settings.json``.

Times are wall-clock times (UTC, aware). A monotonic clock stops while the computer sleeps, so a
schedule on it would run late by the length of every sleep; the wall clock jumps instead, and a jump
over several slots simply makes the next run due once (the next slot is counted from the run, never
from the missed slots).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

from ctctdesk import email_services
from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.ctct.errors import AuthExpired, AuthRevoked, CtctError
from ctctdesk.sync.errors import GuardTripped, PullFirst, RunInProgress, SyncError
from ctctdesk.sync.operations import Direction

log = logging.getLogger(__name__)

SCHEDULE_SETTING = "schedule"  # key in settings.json: the setting, shared by the window and the command line
LAST_RUN_SETTING = "schedule_last_run"  # key in settings.json: when the last scheduled run was started
MIN_MINUTES = 5
MAX_MINUTES = 1440
TRIGGER = "schedule"


class Mode(enum.StrEnum):
    OFF = "off"
    EVERY = "every"
    DAILY = "daily"


DIRECTION_WORDS = {Direction.TO_CC: "to Constant Contact", Direction.FROM_CC: "from Constant Contact",
                   Direction.BOTH: "both ways (from Constant Contact first)"}  # fmt: skip
CLI_DIRECTIONS = {"to-cc": Direction.TO_CC, "from-cc": Direction.FROM_CC, "both": Direction.BOTH}


class ScheduleError(SyncError):
    """A schedule that cannot be kept (minutes out of range, a time that is not HH:MM)."""


@dataclass(frozen=True)
class ScheduleSetting:
    """Off (the default), every N minutes, or daily at a local time; and which way the runs go."""

    mode: Mode = Mode.OFF
    minutes: int = 60
    at: time = time(7, 0)
    direction: Direction = Direction.BOTH

    def __post_init__(self) -> None:
        if not MIN_MINUTES <= self.minutes <= MAX_MINUTES:
            raise ScheduleError(f"Every N minutes: N must be from {MIN_MINUTES} to {MAX_MINUTES:,}, "
                                f"not {self.minutes}.")  # fmt: skip

    @property
    def on(self) -> bool:
        return self.mode is not Mode.OFF

    def describe(self) -> str:
        """One line for the settings page, the tray's tooltip and ``ctctdesk schedule show``."""
        if self.mode is Mode.OFF:
            return "Automatic sync is off."
        when = f"every {self.minutes} minutes" if self.mode is Mode.EVERY else f"daily at {self.at:%H:%M}"
        return f"Automatic sync {when}, {DIRECTION_WORDS[self.direction]}."

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode.value, "minutes": self.minutes, "at": f"{self.at:%H:%M}",
                "direction": self.direction.value}  # fmt: skip

    @classmethod
    def from_json(cls, value: Any) -> ScheduleSetting:
        """The stored setting; anything unreadable is "off" (a damaged file must not start runs)."""
        if not isinstance(value, dict):
            return cls()
        try:
            return cls(mode=Mode(value.get("mode", "off")), minutes=int(value.get("minutes", 60)),
                       at=parse_time(str(value.get("at", "07:00"))),
                       direction=Direction(value.get("direction", Direction.BOTH.value)))  # fmt: skip
        except (ValueError, TypeError, ScheduleError) as error:
            log.warning("Ignoring an unreadable automatic sync setting: %s", error)
            return cls()


def parse_time(text: str) -> time:
    """"HH:MM" (24-hour clock) → time; raises ScheduleError with the reason."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise ScheduleError(f"A daily time is HH:MM on the 24-hour clock, e.g. 07:30 — not {text!r}.") from error


class _Settings(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def set(self, key: str, value: Any) -> None: ...


def load_setting(settings: _Settings) -> ScheduleSetting:
    return ScheduleSetting.from_json(settings.get(SCHEDULE_SETTING))


def save_setting(settings: _Settings, setting: ScheduleSetting) -> None:
    settings.set(SCHEDULE_SETTING, setting.to_json())


def next_due(setting: ScheduleSetting, since: datetime, *, tz: tzinfo | None = None) -> datetime | None:
    """When the next scheduled run is due, counted from ``since`` (the last scheduled run, or when the
    schedule began); None when off. ``tz``: the zone of the daily time (None: this computer's)."""
    if setting.mode is Mode.OFF:
        return None
    if setting.mode is Mode.EVERY:
        return since + timedelta(minutes=setting.minutes)
    local = since.astimezone(tz)
    slot = local.replace(hour=setting.at.hour, minute=setting.at.minute, second=0, microsecond=0)
    if slot <= local:
        slot = (local + timedelta(days=1)).replace(hour=setting.at.hour, minute=setting.at.minute,
                                                   second=0, microsecond=0)  # fmt: skip
    return slot.astimezone(UTC)


@dataclass
class Scheduler:
    """Is a scheduled run due now? Remembers the last scheduled run (``on_ran`` stores it across restarts).

    One attempt per slot, whatever its outcome: a skipped or held slot is recorded once, and the next
    slot comes ``minutes`` later (or the next day). After a sleep over several slots, `due` is true once
    and the next slot counts from that run.
    """

    setting: ScheduleSetting
    clock: Callable[[], datetime]
    last_run: datetime | None = None
    tz: tzinfo | None = None
    on_ran: Callable[[datetime], None] | None = None
    paused: bool = False
    _began: datetime | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._began = self.clock()

    def change(self, setting: ScheduleSetting) -> None:
        """A new setting counts from now (a new "every 10 minutes" does not run at once)."""
        if setting != self.setting:
            self.setting = setting
            self._began = self.clock()
            self.last_run = None

    def next_due(self) -> datetime | None:
        if self.paused:
            return None
        since = self.last_run if self.last_run is not None else self._began
        assert since is not None
        return next_due(self.setting, since, tz=self.tz)

    def due(self) -> bool:
        due = self.next_due()
        return due is not None and self.clock() >= due

    def mark_ran(self) -> None:
        """The slot was used (run, skipped or held): the next one counts from now."""
        self.last_run = self.clock()
        if self.on_ran is not None:
            self.on_ran(self.last_run)


# -- one scheduled run ---------------------------------------------------------------------------------


class Outcome(enum.Enum):
    """How a scheduled attempt ended; `notify` says which ones the person hears about (tray)."""

    COMPLETED = "completed"  # a clean run: silent
    FAILED = "failed"  # the run stopped with an error, or finished with contact errors
    HELD = "held"  # a guard needs a person's confirmation (R14); nothing past the guard was sent
    BROKEN = "broken"  # Constant Contact refused the access (C7): reconnect
    QUOTA = "quota"  # today's request allowance is used up (R12)
    BUSY = "busy"  # another run was going (this window, ``ctctdesk sync``, another desk)
    NOT_CONNECTED = "not connected"  # no account: nothing to do, nothing recorded
    CANCELLED = "cancelled"  # the window closed (or Cancel) during the run

    @property
    def notify(self) -> bool:
        return self in (Outcome.FAILED, Outcome.HELD, Outcome.BROKEN, Outcome.QUOTA)


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    message: str
    summary: Any = None  # the RunSummary when a run was recorded
    repeated: bool = False  # the same broken connection or used-up allowance as the slot before: not news

    @property
    def notify(self) -> bool:
        """Tell the person (tray notification)? A clean run is silent; so is a repeat."""
        return self.outcome.notify and not self.repeated


class _Service(Protocol):
    def preview(self, direction: Direction | str, *, on_progress: Any = None, cancel: Any = None) -> Any: ...

    def run(self, preview: Any, *, trigger: str = ..., on_progress: Any = None, cancel: Any = None,
            force: bool = False) -> Any: ...  # fmt: skip

    def running(self) -> str: ...

    def record_skipped(self, direction: Direction, trigger: str, stop: Any, reason: str) -> Any: ...


def run_scheduled(service: _Service, status: Any, direction: Direction, *, window_busy: bool = False,
                  previous: Outcome | None = None, cancel: Any = None, on_progress: Any = None) -> Attempt:  # fmt: skip
    """One scheduled attempt (on a worker thread): check, preview, run with trigger "schedule".

    ``status`` is the connection's `ConnectionStatus` (read without asking Constant Contact). Never
    passes ``force``: a plan that trips a guard is recorded as held and waits for a person. A slot that
    cannot run is recorded in the history with the reason, except "not connected" (nothing to sync);
    a broken connection or a used-up allowance met again by the next slot (``previous``) is not
    recorded again, so a weekend of five-minute slots leaves one entry, not hundreds.
    """
    from ctctdesk.sync.service import StopReason

    def skipped(outcome: Outcome, stop: StopReason, message: str) -> Attempt:
        if outcome is previous and outcome in (Outcome.BROKEN, Outcome.QUOTA):
            return Attempt(outcome, message, repeated=True)
        return Attempt(outcome, message, service.record_skipped(direction, TRIGGER, stop, message))

    name = email_services.name_in_use(service)  # the service in use, named in what the tray says
    if status.state is ConnectionState.NOT_CONNECTED:
        return Attempt(Outcome.NOT_CONNECTED, f"Automatic sync waits: not connected to {name}.")
    if status.state is ConnectionState.BROKEN:
        reason = status.broken_reason or f"{name} refused the access"
        return skipped(Outcome.BROKEN, StopReason.AUTH,
                       f"Automatic sync did not run: the connection is broken ({reason}); reconnect in "
                       f"Settings → {name}.")  # fmt: skip
    if status.requests_today >= status.daily_allowance:
        return skipped(Outcome.QUOTA, StopReason.QUOTA,
                       f"Automatic sync did not run: today's allowance of {status.daily_allowance:,} "
                       "requests is used up; it continues tomorrow.")  # fmt: skip
    holder = service.running()
    if window_busy or holder:
        where = f" (started {holder})" if holder else " in the Synchronize tab"
        return skipped(Outcome.BUSY, StopReason.SKIPPED,
                       f"Automatic sync skipped: another synchronization was running{where}.")
    try:
        preview = service.preview(direction, on_progress=on_progress, cancel=cancel)
        if preview.needs_confirmation:
            return skipped(Outcome.HELD, StopReason.GUARD,
                           f"Automatic sync held: this run would remove a lot ({preview.guard_reason}); "
                           "run it from the Synchronize tab to confirm.")  # fmt: skip
        summary = service.run(preview, trigger=TRIGGER, on_progress=on_progress, cancel=cancel)
    except RunInProgress as error:
        return skipped(Outcome.BUSY, StopReason.SKIPPED, f"Automatic sync skipped: {error}")
    except (GuardTripped, PullFirst) as error:
        return skipped(Outcome.HELD, StopReason.GUARD, f"Automatic sync held: {error}")
    except (AuthRevoked, AuthExpired) as error:
        # the run (or the connection listener) has recorded it already
        return Attempt(Outcome.BROKEN, f"Automatic sync stopped: the connection is broken ({error}).")
    except (CtctError, SyncError) as error:
        return skipped(Outcome.FAILED, StopReason.ERROR, f"Automatic sync failed: {error}")
    return _attempt_of(summary)


def _attempt_of(summary: Any) -> Attempt:
    from ctctdesk.sync.service import StopReason

    outcome = {StopReason.COMPLETED: Outcome.COMPLETED, StopReason.CANCELLED: Outcome.CANCELLED,
               StopReason.QUOTA: Outcome.QUOTA, StopReason.AUTH: Outcome.BROKEN,
               StopReason.GUARD: Outcome.HELD}.get(summary.stop, Outcome.FAILED)  # fmt: skip
    if outcome is Outcome.COMPLETED and summary.errors:
        return Attempt(Outcome.FAILED, f"Automatic sync finished with {len(summary.errors):,} contact "
                                       "errors; see the Synchronize tab's history.", summary)  # fmt: skip
    messages = {
        Outcome.COMPLETED: "Automatic sync completed.",
        Outcome.CANCELLED: "Automatic sync was cancelled.",
        Outcome.QUOTA: f"Automatic sync stopped: {summary.stopped_reason}",
        Outcome.BROKEN: f"Automatic sync stopped: the connection is broken ({summary.stopped_reason}).",
        Outcome.HELD: f"Automatic sync held: {summary.stopped_reason}",
        Outcome.FAILED: f"Automatic sync failed: {summary.stopped_reason}",
    }
    return Attempt(outcome, messages[outcome], summary)
