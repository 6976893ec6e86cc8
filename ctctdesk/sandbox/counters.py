"""Counts of API requests, so tests can prove how many calls a sync made and how fast."""

from __future__ import annotations

import threading
from collections import Counter, deque
from datetime import UTC, datetime
from typing import Any

KEEP_TIMESTAMPS = 20_000


class RequestCounters:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with getattr(self, "_lock", threading.Lock()):
            self.total = 0
            self.by_endpoint: Counter[str] = Counter()
            self.by_day: Counter[str] = Counter()
            self.timestamps: deque[float] = deque(maxlen=KEEP_TIMESTAMPS)

    def record(self, endpoint: str, now: float) -> None:
        with self._lock:
            self.total += 1
            self.by_endpoint[endpoint] += 1
            self.by_day[datetime.fromtimestamp(now, tz=UTC).date().isoformat()] += 1
            self.timestamps.append(now)

    def snapshot(self, now: float) -> dict[str, Any]:
        with self._lock:
            today = datetime.fromtimestamp(now, tz=UTC).date().isoformat()
            return {"total": self.total, "today": self.by_day.get(today, 0),
                    "by_endpoint": dict(self.by_endpoint), "by_day": dict(self.by_day),
                    "timestamps": list(self.timestamps)}
