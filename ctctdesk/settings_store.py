"""A small JSON settings file in the data folder, for settings that are not Qt's business.

Qt keeps window geometry in its own ini file; everything else (the database URL of an office that uses
PostgreSQL, sync schedules added later) lives here so the command line reads the same values as the GUI
without importing Qt. Writes go through a temporary file and a rename so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from ctctdesk.jsonfile import write_json_atomically

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "settings.json"


class SettingsStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._values: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            values = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            # A damaged settings file must not stop the app; keep the file for inspection and start afresh.
            log.warning("ignoring unreadable settings file %s: %s", self.path, error)
            return {}
        return values if isinstance(values, dict) else {}

    def reload(self) -> None:
        """Read the file again: another process (``ctctdesk schedule``) may have changed it."""
        self._values = self._load()

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._values[key] = value
        self._save()

    def remove(self, key: str) -> None:
        if self._values.pop(key, None) is not None:
            self._save()

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def _save(self) -> None:
        write_json_atomically(self.path, self._values)
