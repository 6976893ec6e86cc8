"""What Help → About and `ctctdesk --version` both say: one Qt-free function, so the two never differ.

The facts a person (or the person helping them on the phone) needs: the version, where the data folder
is, which database it uses (its URL without a password) and the Qt version the window runs on. Nothing
here opens the database or imports Qt.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

from ctctdesk import __version__


def qt_version() -> str:
    """The installed PySide6 (Qt for Python) version, read from its package metadata."""
    try:
        return metadata.version("PySide6")
    except metadata.PackageNotFoundError:
        try:
            return metadata.version("PySide6-Essentials")
        except metadata.PackageNotFoundError:
            return "not installed"


def about_facts(data_dir: Path, database_url: str | None = None) -> list[tuple[str, str]]:
    """(label, value) pairs; `database_url` defaults to the data folder's configured database."""
    from ctctdesk.crm.db import database_url_for, describe_url
    from ctctdesk.settings_store import SETTINGS_FILE_NAME, SettingsStore

    data_dir = Path(data_dir)
    if database_url is None:
        settings_file = data_dir / SETTINGS_FILE_NAME
        configured = SettingsStore(settings_file).get("database_url") if settings_file.exists() else None
        database_url = configured or database_url_for(data_dir)
    return [
        ("Version", f"ctctdesk {__version__}"),
        ("Data folder", str(data_dir)),
        ("Database", describe_url(database_url)),
        ("Qt version", qt_version()),
    ]


def about_text(data_dir: Path, database_url: str | None = None) -> str:
    return "\n".join(f"{label}: {value}" for label, value in about_facts(data_dir, database_url))
