"""The storage layer's exception family; messages are written for the person at the desk.

The CRM, which opens the database for the window and the command line, turns these into `CrmError`s
with the same message, so the edges keep showing one family per layer above.
"""

from ctctdesk.file_problems import DataFileError


class StorageError(Exception):
    """Base of every error raised by ctctdesk.storage."""


class DatabaseOpenError(StorageError):
    """The database URL is not understood or the database cannot be opened."""


class SchemaError(StorageError):
    """The schema cannot be brought up to date (written by a newer app, or an upgrade that must stop)."""


class DatabaseFileError(StorageError, DataFileError):
    """The SQLite file is damaged, locked by another program, not writable, or its disk is full.

    Also a `DataFileError`, so the edges give it the exit code of its `problem` like any other file of
    the data folder.
    """
