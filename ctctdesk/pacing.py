"""Pacing that any API client needs: a sliding-window rate limiter, retry back-off and Retry-After.

Service-neutral: the Constant Contact client (`ctctdesk.ctct.http`) and the Campaign Monitor client
(`ctctdesk.cmon.client`) both build on it, each raising its own exception family (a client subclasses
`RateLimiter` to name its own cancel exception).
"""

from __future__ import annotations

import collections
import datetime as dt
import random
import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

from ctctdesk.timing import Clock, SystemClock


class Cancelled(Exception):
    """Cancel was pressed while waiting for a turn; clients name their own exception in `cancelled_error`."""


class RateLimiter:
    """Sliding-window limiter: at most `max_requests` sends in any window of `period` seconds.

    `safety` widens the window a little, because the server stamps a request when it arrives, not when we
    sent it, and two arrivals can be closer together than the two sends were. A client subclasses it to
    raise its own layer's cancel exception (`cancelled_error`).
    """

    cancelled_error: type[Exception] = Cancelled

    def __init__(self, max_requests: int = 4, period: float = 1.0, safety: float = 0.12,
                 clock: Clock | None = None) -> None:
        self.max_requests = max_requests
        self.window = period + safety
        self.clock = clock or SystemClock()
        self._sent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def acquire(self, cancel: threading.Event | None = None) -> None:
        """Block until one more request may be sent, and count it as sent now.

        Raises `cancelled_error` when `cancel` is set while waiting, also while another thread holds
        the limiter for its own wait.
        """
        while not self._lock.acquire(timeout=0.1):  # waiters queue on the lock: fair enough
            if cancel is not None and cancel.is_set():
                raise self.cancelled_error()
        try:
            while True:
                now = self.clock.monotonic()
                while self._sent and self._sent[0] <= now - self.window:
                    self._sent.popleft()
                if len(self._sent) < self.max_requests:
                    self._sent.append(now)
                    return
                if self.clock.sleep(self._sent[0] + self.window - now, cancel):
                    raise self.cancelled_error()
        finally:
            self._lock.release()


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter between `base * 2**n / 2` and `base * 2**n`, capped."""

    attempts: int = 6
    base: float = 0.5
    cap: float = 30.0
    #: a longer Retry-After is not waited out inside a call: the run stops and says so
    max_retry_after: float = 60.0
    #: all the waiting one logical request may do across its retries
    max_total_wait: float = 120.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        backoff = min(self.cap, self.base * (2 ** attempt))
        jittered = random.uniform(backoff / 2, backoff)
        if retry_after is not None:
            return max(retry_after, jittered)
        return jittered


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number, or a date measured against `now`.

    Give `now` as the server's time (its `Date` header) when known: a date is the server's, and this
    computer's clock may be off by more than the wait itself.
    """
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
        reference = now or dt.datetime.now(moment.tzinfo or dt.UTC)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return max(0.0, (moment - reference).total_seconds())
    except (TypeError, ValueError):
        return None
