"""The one way ctctdesk cuts a long sequence into batches.

Why one helper: SQL ``IN (…)`` lists and bulk inserts must stay below the database's variable limit,
and Constant Contact's bulk calls take a bounded number of ids each. Every layer batches the same way;
any layer may import this (it imports nothing from ctctdesk).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Ids per SQL ``IN (…)`` or rows per bulk statement: far below SQLite's variable limit.
SQL_BATCH = 500


def chunks(items: Sequence[T] | Iterable[T], size: int = SQL_BATCH) -> Iterator[list[T]]:
    """Consecutive batches of at most ``size`` items, in order; nothing for an empty input."""
    if size < 1:
        raise ValueError("a batch holds at least one item")
    sequence = items if isinstance(items, Sequence) else list(items)
    for start in range(0, len(sequence), size):
        yield list(sequence[start : start + size])
