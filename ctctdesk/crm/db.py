"""Opening the CRM database: connect (storage), bind the models, bring the schema up to date.

`open_database(url)` understands `sqlite:///path` (the default, no set-up) and `postgresql://…` (an office
sharing one database between desks); the plumbing lives in `ctctdesk.storage`. Here the CRM adds what
is its own: the default file of a data folder, its schema component, and storage errors turned into
`CrmError`s with the same message, so the window and the command line keep one family to catch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import peewee

from ctctdesk.crm import schema
from ctctdesk.crm.errors import CrmError, DatabaseFileError, DatabaseOpenError, as_crm_error
from ctctdesk.storage import errors as storage_errors
from ctctdesk.storage.connection import SQLITE_PRAGMAS, connect, describe_url
from ctctdesk.storage.migrations import Component
from ctctdesk.storage.migrations import migrate as migrate_components
from ctctdesk.storage.proxy import close_database, database_proxy

log = logging.getLogger(__name__)

DATABASE_FILE_NAME = "ctctdesk.sqlite3"

# Callers (the window, the command line, tests) import these from here, next to open_database.
__all__ = [
    "DATABASE_FILE_NAME",
    "SQLITE_PRAGMAS",
    "close_database",
    "database_url_for",
    "describe_url",
    "migrate",
    "open_database",
]


def database_url_for(data_dir: Path) -> str:
    """The default database of a data folder: a SQLite file inside it."""
    return f"sqlite:///{(Path(data_dir) / DATABASE_FILE_NAME).resolve()}"


@contextmanager
def _storage_errors_as_crm_errors() -> Iterator[None]:
    try:
        yield
    except storage_errors.DatabaseFileError as error:
        raise DatabaseFileError(str(error), path=error.path, problem=error.problem) from error
    except storage_errors.DatabaseOpenError as error:
        raise DatabaseOpenError(str(error)) from error
    except storage_errors.StorageError as error:
        raise CrmError(str(error)) from error


def migrate(database: peewee.Database, components: Iterable[Component]) -> dict[str, int]:
    """Bring the given schema components up to date (see `storage.migrations.migrate`), with CrmErrors."""
    with _storage_errors_as_crm_errors():
        try:
            return migrate_components(database, components)
        except peewee.DatabaseError as error:  # a damaged file may pass the opening and fail here
            file_error = as_crm_error(error)
            if file_error is None:
                raise
            raise file_error from error


def open_database(url: str, components: Iterable[Component] = ()) -> peewee.Database:
    """Open the database at `url`, bind every model to it and migrate the CRM schema, then `components`.

    The sync service asks for its own tables when it is built over the database (`sync.store`); pass
    other components here to have them migrated at opening.
    """
    with _storage_errors_as_crm_errors():
        db = connect(url)
    database_proxy.initialize(db)  # first, so the errors of migrating name this database's file
    migrate(db, [schema.CRM_SCHEMA, *components])
    log.info("opened database %s", describe_url(url))
    return db
