"""Request limits per account: 4 requests a second and a daily allowance, as the real service applies.

Both count on the sandbox clock. A refused request does not use up the allowance. The answer to a
refused request is built by the server: 429 with an error body whose `error_key` names the limit
(`throttled`, `quota_exceeded`); like the real service it sends no `Retry-After` unless configured to.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import UTC, datetime, timedelta


class RateLimiter:
    def __init__(self, per_second: float | None, per_day: int | None):
        self.per_second = per_second
        self.per_day = per_day
        self._lock = threading.Lock()
        self._recent: dict[str, deque[float]] = {}
        self._days: dict[str, tuple[str, int]] = {}

    def configure(self, *, per_second: float | None, per_day: int | None) -> None:
        with self._lock:
            self.per_second = per_second
            self.per_day = per_day

    def reset(self) -> None:
        with self._lock:
            self._recent.clear()
            self._days.clear()

    def check(self, account: str, now: float) -> tuple[str, int] | None:
        """Record the request and return None, or (which limit, seconds to wait) when it is refused."""
        with self._lock:
            day = datetime.fromtimestamp(now, tz=UTC).date().isoformat()
            stored_day, used = self._days.get(account, (day, 0))
            if stored_day != day:
                used = 0
            if self.per_day is not None and used >= self.per_day:
                midnight = datetime.fromisoformat(day).replace(tzinfo=UTC) + timedelta(days=1)
                return "daily", max(1, math.ceil(midnight.timestamp() - now))
            if self.per_second is not None and self.per_second > 0:
                window = self._recent.setdefault(account, deque())
                while window and window[0] <= now - 1.0:
                    window.popleft()
                if len(window) >= self.per_second:
                    return "rate", max(1, math.ceil(window[0] + 1.0 - now))
                window.append(now)
            self._days[account] = (day, used + 1)
            return None
