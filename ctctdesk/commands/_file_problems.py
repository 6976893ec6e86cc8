"""Exit codes for a file of the data folder that cannot be used, the same for every sub-command.

The sentence comes from the layer that met the problem (`str(error)` names the file and what to do);
this module only picks the code from the kind of trouble (`ctctdesk.file_problems.FileProblem`), so a
script can tell "repair something" from "try again later" from "free some space".
"""

from __future__ import annotations

from ctctdesk.file_problems import DataFileError, FileProblem

EXIT_DAMAGED = 13  # a file is damaged or not what it should be: fix, delete or restore it
EXIT_LOCKED = 14  # the database stayed locked by another program: close it, try again
EXIT_NOT_WRITABLE = 15  # the data folder or a file in it may not be written (read-only, another user's)
EXIT_DISK_FULL = 16  # the disk is full: free some space, try again

EXIT_CODES = {
    FileProblem.DAMAGED: EXIT_DAMAGED,
    FileProblem.LOCKED: EXIT_LOCKED,
    FileProblem.NOT_WRITABLE: EXIT_NOT_WRITABLE,
    FileProblem.DISK_FULL: EXIT_DISK_FULL,
}

EPILOG = ("13 a data file is damaged, 14 the database is locked by another program, 15 the data folder "
          "is not writable, 16 the disk is full")


def exit_code(error: BaseException, default: int) -> int:
    """The code of a data-file problem, or `default` for any other error."""
    if isinstance(error, DataFileError):
        return EXIT_CODES[error.problem]
    return default
