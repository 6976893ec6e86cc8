"""Run one blocking call (a bulk database write) off the GUI thread and get its result back as a signal.

The database layer opens one connection per thread (peewee), so a worker thread writes through its own
SQLite/PostgreSQL connection while the window keeps painting and reading.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ctctdesk.crm.db import close_database
from ctctdesk.crm.errors import CrmError

log = logging.getLogger(__name__)


class _Signals(QObject):
    succeeded = Signal(object)
    failed = Signal(str)


class _Call(QRunnable):
    def __init__(self, function: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self._function = function
        self._signals = signals

    def run(self) -> None:
        try:
            try:
                result = self._function()
            finally:
                close_database()  # this pool thread's own connection; the GUI thread's stays open
        except CrmError as error:
            self._signals.failed.emit(str(error))
        except Exception:  # noqa: BLE001 — reported to the user and logged with its traceback
            log.exception("background task failed")
            self._signals.failed.emit("Something unexpected went wrong; see the log file for details.")
        else:
            self._signals.succeeded.emit(result)


def run_in_background(
    function: Callable[[], Any],
    on_success: Callable[[Any], None],
    on_failure: Callable[[str], None],
    parent: QObject,
) -> None:
    """Call `function()` on a pool thread; `on_success(result)` or `on_failure(message)` run on the GUI
    thread afterwards. `parent` owns the signal object (keep it alive while the task runs)."""
    signals = _Signals(parent)
    signals.succeeded.connect(on_success)
    signals.failed.connect(on_failure)
    signals.succeeded.connect(signals.deleteLater)
    signals.failed.connect(signals.deleteLater)
    QThreadPool.globalInstance().start(_Call(function, signals))
