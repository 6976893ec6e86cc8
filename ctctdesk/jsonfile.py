"""The one way ctctdesk writes a JSON file (through a temporary file and a rename) and reads one back;
`replacing` gives the same guarantee to any other text file (a CSV export, a backup).

Why one module: settings, the connection's saved state and the daily request counter are all small JSON
files that a crash or a full disk must never leave half-written. A rename within one folder is atomic,
so a reader sees either the old file or the new one. Any layer may import this (it imports nothing from
ctctdesk); the sandbox keeps its own writer because it must stay independent of the rest of ctctdesk.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


class DamagedJsonFile(ValueError):
    """A JSON file that is not valid JSON, or not the object ctctdesk wrote; `detail` says where."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail


def read_json_object(path: Path | str) -> dict[str, Any] | None:
    """The JSON object saved at `path`, or None when there is no such file.

    Raises DamagedJsonFile when the file holds something else (half a file, an editor's typo, binary
    junk), so the caller can say which file to fix instead of quietly using defaults; OSError (no
    permission to read) passes through.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise DamagedJsonFile(path, "it is not text") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise DamagedJsonFile(path, f"line {error.lineno}, column {error.colno}: {error.msg}") from None
    if not isinstance(value, dict):
        raise DamagedJsonFile(path, f"it holds a {type(value).__name__}, not a JSON object")
    return value


@contextlib.contextmanager
def replacing(path: Path | str, *, encoding: str = "utf-8", newline: str | None = None) -> Iterator[IO[str]]:
    """A text handle whose content replaces ``path`` only when the block ends without an error.

    The old file (or no file) stays until then; on an error (full disk, read-only folder, a failed
    query) the temporary file is removed and the error passes to the caller.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomically(path: Path | str, data: object) -> None:
    """Write ``data`` as indented, key-sorted JSON; the old file stays intact until the rename.

    OSError (read-only folder, full disk) passes to the caller, which knows what the file is for; the
    temporary file is removed first, so a failed write leaves nothing behind.
    """
    text = json.dumps(data, indent=2, sort_keys=True)  # a value that is not JSON fails before any file
    with replacing(path) as handle:
        handle.write(text)
