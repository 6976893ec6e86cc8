"""Connecting to a database URL: the one place that knows SQLite from PostgreSQL (D5).

`connect(url)` understands `sqlite:///path` (the default, no set-up) and `postgresql://…` (an office
sharing one database between desks) and returns the connected peewee database; binding models and
migrating schemas is the caller's business (see `ctctdesk.crm.db.open_database`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import unquote, urlparse

import peewee

from ctctdesk.storage.errors import DatabaseOpenError

log = logging.getLogger(__name__)

# WAL lets the GUI read while a sync writes; foreign keys make ON DELETE CASCADE work in SQLite.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -32 * 1024,  # 32 MB page cache
    "busy_timeout": 5000,
}


class SharedPostgresqlDatabase(peewee.PostgresqlDatabase):
    """PostgreSQL that opens a new connection when the server dropped the old one.

    Why: a desk stays open for days while the office's server restarts or drops idle connections.
    peewee alone keeps handing out the dead connection, so every later action would fail until the
    app is restarted. The statement that meets the dropped connection still fails (the user is told
    to try again; nothing is retried behind their back), and the next one, outside any transaction,
    runs on a fresh connection.
    """

    def cursor(self, named_cursor=None):
        connection = None if self.is_closed() else self._state.conn
        if connection is not None and connection.closed and self.transaction_depth() == 0:
            log.warning("the database server closed the connection; opening a new one")
            self._state.reset()  # forget the dead connection (closing it again would raise)
        return super().cursor(named_cursor)


def describe_url(url: str) -> str:
    """The URL without any password, for the Settings page and logs."""
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return parsed._replace(netloc=netloc).geturl()
    return url


def _database_for(url: str) -> peewee.Database:
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme in ("sqlite", "sqlite3"):
        path = unquote(url.split("://", 1)[1])
        # sqlite:///relative.db -> "/relative.db" would be absolute; sqlite:////abs -> "//abs".
        # We accept the common form sqlite:///<absolute path> and sqlite:///:memory:.
        if path.startswith("/:memory:") or path == "/:memory:":
            path = ":memory:"
        elif path.startswith("//"):
            path = path[1:]
        elif not path.startswith("/"):
            raise DatabaseOpenError(f"Not a SQLite database URL: {describe_url(url)}")
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return peewee.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS)
    if scheme in ("postgres", "postgresql"):
        from playhouse.db_url import parse

        return SharedPostgresqlDatabase(**parse(url.replace("postgres://", "postgresql://", 1)))
    raise DatabaseOpenError(
        f"Unsupported database URL {describe_url(url)!r}: use sqlite:///path or postgresql://host/db."
    )


def connect(url: str) -> peewee.Database:
    """The database at `url`, connected in the calling thread; raises DatabaseOpenError when it cannot be."""
    db = _database_for(url)
    try:
        db.connect(reuse_if_open=True)
    except peewee.OperationalError as error:
        raise DatabaseOpenError(f"Cannot open the database {describe_url(url)}: {error}") from error
    return db
