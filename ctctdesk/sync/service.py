"""The sync service: the one entry point the Synchronize tab, the scheduler and the command line use.

It reads both sides, plans with the pure planner, and runs the plan through the executor, recording
every run in the history (S5). It never touches Qt; long calls take ``on_progress`` and ``cancel`` so a
worker thread can drive them and the GUI stays responsive.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import peewee

from ctctdesk.ctct.connection import Connection
from ctctdesk.sync.errors import SyncError
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.plan import Plan
from ctctdesk.sync.progress import ProgressCallback

TRIGGERS = ("button", "schedule", "command line", "activation")


class GuardTripped(SyncError):
    """R14: the plan removes too much; run it only after the user confirmed (or with --force)."""


class SyncCancelled(SyncError):
    """The user cancelled before anything was planned."""


@dataclass(frozen=True)
class Preview:
    direction: Direction
    plan: Plan
    lines: Any  # ctctdesk.sync.describe output when available (per-list tree data)
    needs_confirmation: bool  # R14 guard tripped
    guard_reason: str
    pending_other_way: int


@dataclass(frozen=True)
class ContactError:
    email: str
    message: str


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    direction: str
    trigger: str
    started_at: datetime
    finished_at: datetime | None
    counts: Mapping[str, int]  # e.g. {"lists created": 1, "contacts added": 120, …}
    per_list: Mapping[str, Mapping[str, int]]
    errors: tuple[ContactError, ...]
    requests_used: int
    cancelled: bool = False
    stopped_reason: str = ""  # quota, auth, error text; "" when complete
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return not self.cancelled and not self.stopped_reason and not self.errors


class SyncService:
    def __init__(self, database: peewee.Database, connection: Connection) -> None:
        self.database = database
        self.connection = connection
        self._lock = threading.Lock()

    def preview(self, direction: Direction | str, *, on_progress: ProgressCallback | None = None,
                cancel: threading.Event | None = None) -> Preview:  # fmt: skip
        """Read both sides (remote incrementally after the first sync) and plan; change nothing.

        ``both`` = from_cc then to_cc: the push part is planned after the pull is applied, so the
        preview holds the from_cc plan and a note that the push is planned after it.
        """
        raise NotImplementedError

    def run(self, preview: Preview, *, trigger: str = "button", on_progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None, force: bool = False) -> RunSummary:  # fmt: skip
        """Apply a previewed plan and record the run.

        Raises GuardTripped when ``preview.needs_confirmation`` and not ``force``. Cancel → summary with
        ``cancelled=True``; quota exhausted → summary with ``stopped_reason``; AuthRevoked/AuthExpired
        are raised after the run is recorded in the history.
        """
        raise NotImplementedError

    def history(self, limit: int = 200) -> list[RunSummary]:
        """Recorded runs, newest first."""
        raise NotImplementedError

    def run_details(self, run_id: int) -> RunSummary:
        raise NotImplementedError

    def activate(self, *, on_progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None) -> RunSummary:  # fmt: skip
        """C5: the first pull after connecting — lists and contacts come into the CRM before any push."""
        raise NotImplementedError

    def forget_account(self) -> int:
        """C6: remove the Constant-Contact-linked lists and the baseline locally; returns lists removed."""
        raise NotImplementedError

    def pending_other_way(self) -> int | None:
        """The last known count of changes waiting to flow the other way (tab header)."""
        raise NotImplementedError
