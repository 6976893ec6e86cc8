"""The one exception family of the CRM layer.

Everything the CRM refuses (a duplicate list name, a contact that may not be in a list, a file that is not
CSV) is a `CrmError` whose message is written for the person at the desk, so the edge (dialog, command
line) can show `str(error)` as it is.
"""

from __future__ import annotations


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
