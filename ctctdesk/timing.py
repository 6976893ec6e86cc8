"""Time as a parameter: the clock every wait of an API client asks, and the Cancel those waits obey.

Service-neutral (Constant Contact's client and Campaign Monitor's both use it), so it lives outside both.

The rate limiter, retry back-off, Retry-After, activity polling and the sign-in flows all wait. They
take a `Clock` instead of calling `time` directly, for two reasons: every wait must end as soon as the
person presses Cancel (a `threading.Event`), and tests must not spend real seconds in them. The
product uses `SystemClock`; tests use `FakeClock`, whose sleep moves its time forward at once.

`CancelScope` carries the cancel event of the run in progress on a thread to the transport, so the
layers in between (the client's typed calls) need not pass it along on every call; `CancellableWaits`
gives a transport its waits on both.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable, Iterator
from typing import Protocol


class Clock(Protocol):
    """Monotonic time for intervals and deadlines, UTC wall time for dates, and a cancellable sleep."""

    def monotonic(self) -> float: ...

    def now(self) -> dt.datetime: ...

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        """Wait `seconds`, or less if `cancel` is set meanwhile. True when the wait ended by Cancel."""
        ...


class SystemClock:
    """The real clock. Sleeping waits on the cancel event itself, so Cancel wakes it at once."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        if cancel is None:
            if seconds > 0:
                time.sleep(seconds)
            return False
        if seconds <= 0:
            return cancel.is_set()
        return cancel.wait(seconds)


class FakeClock:
    """A clock for tests: sleeping moves its time forward at once instead of waiting.

    Its time is the real time plus every second slept (or `advance`d) so far: code that runs between
    the waits still takes the time it takes, as it would against the real service, and only the
    waiting is skipped. `slept` records every sleep, so a test can check the pacing it asked for.
    `follow(listener)` calls `listener(seconds)` whenever this clock skips ahead, e.g. the sandbox
    clock's `advance`, so a bulk activity progresses while the client "waits" for it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._skipped = 0.0
        self._listeners: list[Callable[[float], object]] = []
        self.slept: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return time.monotonic() + self._skipped

    def now(self) -> dt.datetime:
        with self._lock:
            return dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self._skipped)

    def follow(self, listener: Callable[[float], object]) -> None:
        """Call `listener(seconds)` each time this clock skips ahead."""
        self._listeners.append(listener)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._skipped += seconds
        for listener in list(self._listeners):
            listener(seconds)

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        if cancel is not None and cancel.is_set():
            return True
        with self._lock:
            self.slept.append(seconds)
        if seconds > 0:
            self.advance(seconds)
        time.sleep(0)  # give other threads their turn: a poll loop on this clock must not starve them
        return cancel is not None and cancel.is_set()


class CancelScope:
    """The cancel event the waits on the current thread obey, bound for the length of a run.

    A thread-local, so a sync run's Cancel stops that run's waits and not, say, a status check the
    Settings page makes at the same time on another thread.
    """

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def event(self) -> threading.Event | None:
        return getattr(self._local, "event", None)

    @contextlib.contextmanager
    def bound(self, event: threading.Event | None) -> Iterator[None]:
        """Within the block, waits on this thread end when `event` is set (None: no change)."""
        if event is None:
            yield
            return
        previous = self.event
        self._local.event = event
        try:
            yield
        finally:
            self._local.event = previous


class CancellableWaits:
    """The waits of an API client's transport: on its `clock`, each ended by the cancel event bound to
    `cancel_scope` on the calling thread, with the client's own exception (`cancelled_error`)."""

    clock: Clock
    cancel_scope: CancelScope
    cancelled_error: type[Exception]

    @property
    def cancel_event(self) -> threading.Event | None:
        """The cancel event bound on the calling thread, if any."""
        return self.cancel_scope.event

    def cancelled_by(self, cancel: threading.Event | None) -> contextlib.AbstractContextManager[None]:
        """Context manager: within it, this thread's waits end when `cancel` is set."""
        return self.cancel_scope.bound(cancel)

    def _wait(self, seconds: float) -> float:
        """Wait `seconds` on the clock and return them, or raise `cancelled_error` when Cancel ends the wait."""
        if self.clock.sleep(seconds, self.cancel_event):
            raise self.cancelled_error()
        return seconds
