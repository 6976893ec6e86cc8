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

from ctctdesk.file_problems import FileProblem, cannot_use_folder
from ctctdesk.storage.errors import DatabaseFileError, DatabaseOpenError

log = logging.getLogger(__name__)

#: how long a statement waits for another program's lock on a SQLite file before it gives up
BUSY_TIMEOUT_MS = 5000

# WAL lets the GUI read while a sync writes; foreign keys make ON DELETE CASCADE work in SQLite.
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "cache_size": -32 * 1024,  # 32 MB page cache
    "busy_timeout": BUSY_TIMEOUT_MS,
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
    """The database at `url`, connected in the calling thread; raises DatabaseOpenError when it cannot be
    (a DatabaseFileError when the SQLite file is damaged, locked, not writable or its disk full)."""
    try:
        db = _database_for(url)
    except OSError as error:  # the folder of a SQLite file could not be created
        folder = Path(unquote(url.split("://", 1)[1])).parent
        raise DatabaseFileError(cannot_use_folder(folder, error), path=folder,
                                problem=FileProblem.NOT_WRITABLE) from error
    try:
        db.connect(reuse_if_open=True)
    except peewee.DatabaseError as error:
        raise database_file_error(db, error) or DatabaseOpenError(
            f"Cannot open the database {describe_url(url)}: {error}") from error
    return db


# SQLite's result codes (Python 3.11 names them on the driver's exception) and, for older drivers, the
# words of its messages: which kind of trouble each means for the person at the desk.
_SQLITE_PROBLEMS = (
    (("SQLITE_NOTADB", "SQLITE_CORRUPT", "file is not a database", "disk image is malformed",
      "malformed database schema"), FileProblem.DAMAGED),
    (("SQLITE_BUSY", "SQLITE_LOCKED", "database is locked", "database table is locked"), FileProblem.LOCKED),
    (("SQLITE_FULL", "database or disk is full"), FileProblem.DISK_FULL),
    (("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "readonly database", "unable to open database file",
      "disk I/O error"), FileProblem.NOT_WRITABLE),
)


def _file_problem_in(error: BaseException) -> tuple[FileProblem, BaseException] | None:
    """The kind of file trouble named by `error` or the errors it happened during, with that error."""
    for _ in range(5):
        words = f"{getattr(error, 'sqlite_errorname', '')} {error}"
        for signs, problem in _SQLITE_PROBLEMS:
            if any(sign in words for sign in signs):
                return problem, error
        if error.__context__ is None:
            return None
        error = error.__context__
    return None


def database_file_error(db: peewee.Database | None, error: Exception) -> DatabaseFileError | None:
    """The DatabaseFileError that a driver error on a SQLite file means, or None (PostgreSQL, or a
    problem that is not the file's, such as a bug in a statement)."""
    if not isinstance(db, peewee.SqliteDatabase) or db.database == ":memory:":
        return None
    # The driver's exception is the context of peewee's; SQLite's own cause may be one step further
    # back (a full disk ends the transaction, so peewee's rollback then fails with a second error).
    found = _file_problem_in(error)
    if found is None:
        return None
    problem, error = found
    path = Path(db.database)
    message = {
        FileProblem.DAMAGED: f"The database {path} is damaged or is not a ctctdesk database ({error}): restore "
                             "it from a backup, or move it out of the data folder to start with an empty one.",
        FileProblem.LOCKED: f"The database {path} is locked by another program: close the other ctctdesk "
                            "window or command that uses this data folder and try again (nothing was changed).",
        FileProblem.DISK_FULL: f"ctctdesk could not write to the database {path} because the disk is full: "
                               "free some space on it and try again (nothing was changed).",
        FileProblem.NOT_WRITABLE: f"ctctdesk could not open or write the database {path} ({error}): make the "
                                  f"folder {path.parent} and the files in it writable for you, or start "
                                  "ctctdesk with --data-dir and a folder you may write in.",
    }[problem]
    return DatabaseFileError(message, path=path, problem=problem)
