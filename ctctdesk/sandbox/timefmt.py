"""Timestamps as the V3 API writes and reads them.

The service writes UTC instants with milliseconds and a `Z` (`2022-07-16T16:37:59.091Z`, as in the spec's
examples) and accepts ISO-8601 instants in query parameters such as `updated_after`.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=4096)
def _second(whole_seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(whole_seconds))


def iso(epoch: float | None) -> str | None:
    """Paging 100,000 contacts formats half a million of these, so the per-second part is cached."""
    if epoch is None:
        return None
    whole = math.floor(epoch)
    millis = min(999, round((epoch - whole) * 1_000_000) // 1000)  # microseconds first, as datetime does
    return f"{_second(whole)}{millis:03d}Z"


def iso_date(epoch: float | None) -> str | None:
    """A calendar date: the spec gives a contact's `deleted_at` the `date` format."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%d")


def parse_instant(text: str) -> float:
    """Seconds since the epoch for an ISO-8601 date or date-time; raises ValueError when malformed.

    A date-time without a zone is read as UTC, like a bare date.
    """
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
