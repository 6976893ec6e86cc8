"""Cancel reaches the waits inside the Constant Contact client for the length of a read or a run.

The client waits in three places a sync can spend a long time: its rate limiter, retries (back-off and
Retry-After) and polling bulk activities. Within `cancellable_waits`, pressing Cancel ends each of them
at once; a request that was waiting its turn is then reported as the run being cancelled.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from ctctdesk.ctct.errors import RequestCancelled
from ctctdesk.sync.email_service import EmailService
from ctctdesk.sync.errors import SyncCancelled


@contextlib.contextmanager
def cancellable_waits(client: EmailService, cancel: threading.Event | None) -> Iterator[None]:
    with client.cancelled_by(cancel):
        try:
            yield
        except RequestCancelled as error:
            raise SyncCancelled("Cancelled.") from error
