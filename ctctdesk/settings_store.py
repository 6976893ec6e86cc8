"""A small JSON settings file in the data folder, for settings that are not Qt's business.

Qt keeps window geometry in its own ini file; everything else (the database URL of an office that uses
PostgreSQL, sync schedules added later) lives here so the command line reads the same values as the GUI
without importing Qt. Writes go through a temporary file and a rename so a crash never leaves half a file.

A settings file that cannot be read is never skipped: an office desk whose `database_url` names the
shared PostgreSQL database would otherwise quietly open an empty local SQLite file instead. Reading and
writing problems are `SettingsError`s (this module's family) that name the file and what to do.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from ctctdesk.file_problems import DataFileError, FileProblem, cannot_use_folder, cannot_write, problem_of
from ctctdesk.jsonfile import DamagedJsonFile, read_json_object, write_json_atomically

log = logging.getLogger(__name__)

SETTINGS_FILE_NAME = "settings.json"


class SettingsError(DataFileError):
    """The settings file cannot be read (not valid JSON, no permission) or saved (read-only, disk full)."""


class SettingsStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._values: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            values = read_json_object(self.path)
        except DamagedJsonFile as error:
            log.error("the settings file %s is damaged: %s", self.path, error.detail)
            raise SettingsError(
                f"The settings file {self.path} is not valid JSON ({error.detail}): fix it, or delete it "
                "to go back to the default settings (an office database URL must then be entered again).",
                path=self.path, problem=FileProblem.DAMAGED,
            ) from None
        except OSError as error:
            raise SettingsError(cannot_use_folder(self.path.parent, error, verb="read", target=self.path),
                                path=self.path, problem=problem_of(error)) from None
        return values if values is not None else {}

    def reload(self) -> None:
        """Read the file again: another process (``ctctdesk schedule``) may have changed it."""
        self._values = self._load()

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._save({**self._values, key: value})

    def remove(self, key: str) -> None:
        if key in self._values:
            self._save({name: value for name, value in self._values.items() if name != key})

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)

    def _save(self, values: dict[str, Any]) -> None:
        """Write `values`, and only then take them: a failed save leaves file and memory as they were."""
        try:
            write_json_atomically(self.path, values)
        except OSError as error:
            log.error("could not save %s: %s", self.path, error)
            raise SettingsError(cannot_write(self.path, error), path=self.path,
                                problem=problem_of(error)) from None
        self._values = values
