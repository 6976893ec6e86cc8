"""Plain SQL for the sync's bulk reads and writes, on SQLite and PostgreSQL alike.

Why not the ORM here: at 100,000 contacts peewee spends most of the time building query objects
(one per row for inserts, one tuple wrapper per row for reads). The statements below are the same
portable SQL, sent with the driver's own ``executemany`` and cursors.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ctctdesk.storage.proxy import database_proxy


def _db():
    return database_proxy.obj


def quote(name: str) -> str:
    """A quoted identifier (standard SQL double quotes: SQLite and PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


def select(sql: str, params: Sequence[Any] = ()) -> Iterator[tuple]:
    """Rows of ``sql``; ``?`` placeholders become the driver's own."""
    db = _db()
    cursor = db.execute_sql(sql.replace("?", db.param), params)
    while True:
        rows = cursor.fetchmany(5000)
        if not rows:
            return
        yield from rows


def insert_many(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *,
                ignore_conflicts: bool = False) -> None:  # fmt: skip
    """INSERT every row with one prepared statement (call inside a transaction)."""
    db = _db()
    marks = ", ".join([db.param] * len(columns))
    sql = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES ({marks})"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    rows = list(rows)
    if rows:
        db.cursor().executemany(sql, rows)


def execute(sql: str, params: Sequence[Any] = ()) -> None:
    """Run a statement that returns no rows (DELETE, UPDATE)."""
    db = _db()
    db.execute_sql(sql.replace("?", db.param), params)
