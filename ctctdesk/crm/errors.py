"""The one exception family of the CRM layer.

Everything the CRM refuses (a duplicate list name, a contact that may not be in a list, a file that is not
CSV) is a `CrmError` whose message is written for the person at the desk, so the edge (dialog, command
line) can show `str(error)` as it is.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import peewee

from ctctdesk.file_problems import DataFileError

_P = ParamSpec("_P")
_R = TypeVar("_R")


class CrmError(Exception):
    """Base of every error the CRM layer raises on purpose; the message is user-facing."""


class InvalidNameError(CrmError):
    """A name (list, tag, company) is empty or otherwise unusable."""


class DuplicateNameError(CrmError):
    """A name that must be unique (case-insensitively) is already taken."""


class NotFoundError(CrmError):
    """A record the caller referred to no longer exists (deleted meanwhile, or a wrong id)."""


class NotEligibleError(CrmError):
    """A contact may not be put in an email list (no email, role address, Do Not Contact, ...)."""


class DatabaseOpenError(CrmError):
    """The database URL is not understood or the database cannot be opened."""


class CsvFormatError(CrmError):
    """A file offered for import is not a CSV file we can read; nothing was written."""


class DatabaseUnavailableError(CrmError):
    """The database refused a read or write (locked by another desk, disk full, server gone)."""


class DatabaseFileError(DatabaseUnavailableError, DataFileError):
    """The SQLite file is damaged, locked by another program, not writable, or its disk is full; the
    message names the file and what to do (see `storage.connection.database_file_error`)."""


def as_crm_error(error: Exception) -> CrmError | None:
    """The CrmError a driver error on the open database means when it is the file's fault, else None."""
    from ctctdesk.storage.connection import database_file_error
    from ctctdesk.storage.proxy import database_proxy

    problem = database_file_error(database_proxy.obj, error)
    if problem is None:
        return None
    return DatabaseFileError(str(problem), path=problem.path, problem=problem.problem)


def database_errors_as_crm_errors(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Turn the driver's operational errors into a CrmError the window or command line can show.

    Only OperationalError/InterfaceError: those are conditions of the environment. Programming errors
    (IntegrityError from a bug, wrong SQL) still surface as such.
    """

    @functools.wraps(function)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return function(*args, **kwargs)
        except (peewee.OperationalError, peewee.InterfaceError, peewee.DatabaseError) as error:
            logging.getLogger(function.__module__).error("database error in %s: %s", function.__name__, error)
            file_error = as_crm_error(error)
            if file_error is not None:
                raise file_error from error
            if not isinstance(error, (peewee.OperationalError, peewee.InterfaceError)):
                raise
            raise DatabaseUnavailableError(
                f"The database could not be updated ({error}). Nothing was changed; please try again."
            ) from error

    return wrapper
