"""What the widgets need from the application: a small protocol, so no widget imports the composition root.

`ctctdesk.app.AppContext` (Qt-free, shared with the command line) provides the data; the window adds
its `TaskRunner` (``tasks``) when `ctctdesk.app.build_window` creates it. A test may hand a widget any
object with these attributes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from ctctdesk.ctct.connection import Connection
    from ctctdesk.settings_store import SettingsStore
    from ctctdesk.sync.service import SyncService
    from ctctdesk.ui.interaction import Interaction
    from ctctdesk.ui.tasks import TaskRunner


class UiContext(Protocol):
    """One window's context: its data folder, settings, services and task runner."""

    data_dir: Path
    database_url: str
    log_path: Path
    settings: SettingsStore
    demo: bool
    extras: dict[str, Any]
    connection: Connection | None
    sync: SyncService | None
    tasks: TaskRunner | None  # set by the window; every widget's background work goes through it
    ask: Interaction | None  # set by the window; every question and message goes through it

    def close(self) -> None: ...
