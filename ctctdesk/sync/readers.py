"""Which reading strategy a run uses: the email service's own, when it brings one.

The remote reader (`remote_reader.read_remote`) is Constant Contact's: a contact search with
``updated_after``, ``optout_after`` and list counts. A service whose reads look nothing like that
(Campaign Monitor reads per list and per state since a date) provides ``read_remote`` itself, with the
same arguments and the same `RemoteRead`, and the engine calls it instead; the planner sees the same
snapshots either way. Likewise a service whose writes no read would bring back (Campaign Monitor: a
value edit moves no date a read can filter on) hands them over with ``take_written`` after a push, and
the service folds them into the mirror.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol, runtime_checkable

from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.progress import ProgressCallback
from ctctdesk.sync.remote_reader import RemoteRead, read_remote
from ctctdesk.sync.snapshot import RemoteContact

DEFAULT_NAME = "Constant Contact"


class RemoteReader(Protocol):
    def __call__(self, client: EmailService, *, account_id: str, cursor: str = "",
                 known: Mapping[str, RemoteContact] | None = None, on_progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None, now: datetime | None = None,
                 known_names: tuple[Mapping[str, str], Mapping[str, str]] | None = None) -> RemoteRead: ...  # fmt: skip


@runtime_checkable
class ReadsItself(Protocol):
    def read_remote(self, *, account_id: str, cursor: str = "", known: Mapping[str, RemoteContact] | None = None,
                    on_progress: ProgressCallback | None = None, cancel: threading.Event | None = None,
                    now: datetime | None = None,
                    known_names: tuple[Mapping[str, str], Mapping[str, str]] | None = None) -> RemoteRead: ...  # fmt: skip


@runtime_checkable
class ReportsWrites(Protocol):
    def take_written(self) -> Mapping[str, RemoteContact]:
        """The contacts written since the last call, as the service now holds them; forgets them."""
        ...


def read(client: EmailService, **arguments) -> RemoteRead:  # noqa: ANN003 - RemoteReader's arguments
    """Read the remote side with the service's own reader, or Constant Contact's."""
    if isinstance(client, ReadsItself):
        return client.read_remote(**arguments)
    return read_remote(client, **arguments)


def written_by(client: EmailService) -> Mapping[str, RemoteContact]:
    return client.take_written() if isinstance(client, ReportsWrites) else {}


def display_name(client: object) -> str:
    """What the service is called in the tab, the history and the command line."""
    return str(getattr(client, "display_name", "") or DEFAULT_NAME)
