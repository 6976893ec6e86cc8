"""What can go wrong with a file of the data folder, and the one sentence that says what to do.

Why a module of its own: the settings file, the Constant Contact files and the database belong to
different layers, each with its own exception family, but the person at the desk needs the same kind
of answer from all of them (which file, what is wrong, what to do) and a script needs one exit code
per kind of trouble. So each layer's file error is also a `DataFileError` carrying a `FileProblem`;
the edges (command line, window) show `str(error)` and map `error.problem` to an exit code. Any layer
may import this module; it imports nothing from ctctdesk.
"""

from __future__ import annotations

import enum
import errno
from pathlib import Path


class FileProblem(enum.Enum):
    #: the file is not what it should be (not JSON, not a database, truncated): fix, delete or restore it
    DAMAGED = "damaged"
    #: another program holds the database longer than ctctdesk waits: close it and try again
    LOCKED = "locked"
    #: the folder or file may not be written (read-only, another user's, I/O error)
    NOT_WRITABLE = "not writable"
    #: the disk (or the user's quota) is full
    DISK_FULL = "disk full"


class DataFileError(Exception):
    """A file of the data folder cannot be used; the message names it and says what to do.

    The neutral modules (settings store, data folder) raise it as is; the CRM and the Constant Contact
    client raise subclasses that belong to their own family too.
    """

    def __init__(self, message: str, *, path: Path | str, problem: FileProblem) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.problem = problem


_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


def problem_of(error: OSError) -> FileProblem:
    """The kind of trouble an OSError from reading or writing a file means."""
    return FileProblem.DISK_FULL if error.errno in _DISK_FULL else FileProblem.NOT_WRITABLE


def cannot_write(path: Path | str, error: OSError) -> str:
    """The sentence for a file that could not be written (the old file, if any, is still whole)."""
    if problem_of(error) is FileProblem.DISK_FULL:
        return (f"ctctdesk could not save {path} because the disk is full: free some space on it and "
                "try again (nothing was changed).")
    return cannot_use_folder(Path(path).parent, error, verb="save", target=path)


def cannot_use_folder(folder: Path | str, error: OSError, *, verb: str = "write in",
                      target: Path | str | None = None) -> str:
    """The sentence for a data folder (or a file in it) that cannot be written: read-only, not ours."""
    reason = error.strerror or str(error)
    return (f"ctctdesk could not {verb} {target or folder} ({reason}): make the folder {folder} writable "
            "for you, or start ctctdesk with --data-dir and a folder you may write in.")


def write_error(path: Path | str, error: OSError) -> DataFileError:
    """A `DataFileError` for a failed write of `path` (the neutral modules' own use)."""
    return DataFileError(cannot_write(path, error), path=path, problem=problem_of(error))
