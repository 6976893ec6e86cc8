"""The storage layer's exception family; messages are written for the person at the desk.

The CRM, which opens the database for the window and the command line, turns these into `CrmError`s
with the same message, so the edges keep showing one family per layer above.
"""


class StorageError(Exception):
    """Base of every error raised by ctctdesk.storage."""


class DatabaseOpenError(StorageError):
    """The database URL is not understood or the database cannot be opened."""


class SchemaError(StorageError):
    """The schema cannot be brought up to date (written by a newer app, or an upgrade that must stop)."""
