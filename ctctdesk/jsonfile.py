"""The one way ctctdesk writes a JSON file: through a temporary file and a rename.

Why one module: settings, the connection's saved state and the daily request counter are all small JSON
files that a crash or a full disk must never leave half-written. A rename within one folder is atomic,
so a reader sees either the old file or the new one. Any layer may import this (it imports nothing from
ctctdesk); the sandbox keeps its own writer because it must stay independent of the rest of ctctdesk.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_json_atomically(path: Path | str, data: object) -> None:
    """Write ``data`` as indented, key-sorted JSON; the old file stays intact until the rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
