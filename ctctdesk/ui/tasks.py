"""The one way the window runs slow work: coroutines on Qt's event loop that await a worker thread.

Why one runner: a sync, a connect, a Select All over 100,000 rows each need the same things — the window
keeps painting, the work outlives the button that started it, Cancel reaches the engine, progress
arrives on the GUI thread without flooding it, the worker thread's database connection is closed when
the call ends, and closing the window stops everything cleanly. One object does all of it.

Why qasync: the work is a coroutine that awaits ``TaskRunner.run(...)``; the blocking call runs in the
runner's thread pool through ``loop.run_in_executor``, and the result comes back on the GUI thread as
the coroutine resumes. The asyncio loop is Qt's own event loop (`ensure_event_loop`), created the same
way by ``ctctdesk`` and by the GUI tests, so the loop the tests drive is the loop users run.

A slot that starts work updates the widget at once (busy state, Cancel enabled) and hands its
coroutine to `TaskRunner.spawn`; ``qasync.asyncSlot`` would do the same, but would only begin the
coroutine on the next turn of the loop, leaving a moment where a clicked button still looks idle.

The work function gets a `TaskHandle`: ``handle.cancel`` is the ``threading.Event`` the sync engine
and the connection already understand, ``handle.report(value)`` sends progress (throttled to at most
one delivery per `PROGRESS_INTERVAL`, the last value always delivered before the task's result).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import qasync
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication

from ctctdesk.crm.db import close_database
from ctctdesk.crm.errors import CrmError
from ctctdesk.ctct.errors import CtctError
from ctctdesk.sync.errors import SyncError

log = logging.getLogger(__name__)

T = TypeVar("T")

PROGRESS_INTERVAL = 0.1  # seconds: at most ~10 progress updates a second reach the widgets
MAX_WORKERS = 4  # a sync, a connect, a status read and a bulk CRM write can run side by side
SHUTDOWN_TIMEOUT = 10.0  # seconds the window waits for cancelled work when it closes
UNEXPECTED_TEXT = "Something unexpected went wrong; see the log file for details."


def ensure_event_loop(app: QApplication | None = None) -> qasync.QEventLoop:
    """The asyncio loop running on Qt's event loop of ``app`` (created on first use, then reused).

    ``already_running=True``: coroutines run whenever Qt processes events — under ``app.exec()`` in
    ``ctctdesk`` and under pytest-qt's waits in the tests — so both run the same loop.
    """
    running = asyncio._get_running_loop()
    if isinstance(running, qasync.QEventLoop):
        return running
    app = app or QApplication.instance()
    if app is None:
        raise RuntimeError("Create the QApplication before the event loop.")
    loop = qasync.QEventLoop(app, already_running=True)
    asyncio.set_event_loop(loop)
    return loop


def close_event_loop(loop: qasync.QEventLoop) -> None:
    """After ``app.exec()`` returned: release the loop (it cannot be used again)."""
    loop.stop()
    loop.close()
    asyncio.set_event_loop(None)


def user_message(error: BaseException) -> str:
    """The one line a person sees for a failure: our own errors say what to do; anything else is logged
    with its traceback and shown as a generic line."""
    if isinstance(error, (CrmError, CtctError, SyncError)):
        return str(error)
    log.error("A background task failed unexpectedly", exc_info=error)
    return UNEXPECTED_TEXT


class TaskFailed(Exception):
    """The work raised: ``message`` is for the user (see `user_message`), ``error`` is what was raised."""

    def __init__(self, message: str, error: BaseException) -> None:
        super().__init__(message)
        self.message = message
        self.error = error


class _Progress(QObject):
    """Carries a task's progress to the GUI thread as a Qt signal."""

    progressed = Signal(object)


class TaskHandle:
    """What the work function gets: the cancel event and a thread-safe, throttled progress reporter."""

    def __init__(self, name: str, loop: asyncio.AbstractEventLoop, signal: _Progress | None,
                 cancel: threading.Event, interval: float, clock: Callable[[], float]) -> None:  # fmt: skip
        self.name = name
        self.cancel = cancel
        self._loop = loop
        self._signal = signal
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._latest: Any = None
        self._waiting = False  # a value is waiting to be delivered
        self._scheduled = False  # a delivery is scheduled on the loop
        self._last_delivery = float("-inf")
        self.began = threading.Event()  # set on the worker thread when the work starts
        self.done = threading.Event()  # set on the worker thread when the work has returned

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def report(self, value: Any) -> None:
        """Any thread: remember the value; deliver it now, or at the end of the current interval."""
        if self._signal is None:
            return
        with self._lock:
            self._latest, self._waiting = value, True
            if self._scheduled:
                return
            self._scheduled = True
            delay = max(0.0, self._last_delivery + self._interval - self._clock())
        self._loop.call_soon_threadsafe(self._schedule, delay)

    def _schedule(self, delay: float) -> None:
        if delay <= 0:
            self._deliver()
        else:
            self._loop.call_later(delay, self._deliver)

    def _deliver(self) -> None:
        """GUI thread: emit the newest value (once), if one is waiting."""
        with self._lock:
            self._scheduled = False
            if not self._waiting:
                return
            value, self._waiting = self._latest, False
            self._last_delivery = self._clock()
        signal = self._signal
        if signal is not None:
            try:
                signal.progressed.emit(value)
            except RuntimeError:  # the receiving widget is gone (window closed)
                self._signal = None

    def flush(self) -> None:
        """GUI thread, when the work has returned: the last value arrives before the result."""
        self._deliver()


class TaskRunner(QObject):
    """Runs blocking calls for the widgets of one window; see the module docstring.

    ``started``/``finished`` carry the task's name (status bar, tests waiting for idle).
    """

    started = Signal(str)
    finished = Signal(str)

    def __init__(self, parent: QObject | None = None, *, max_workers: int = MAX_WORKERS,
                 progress_interval: float = PROGRESS_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        super().__init__(parent)
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers, thread_name_prefix="ctctdesk-task")
        self._interval = progress_interval
        self._clock = clock
        self._running: dict[asyncio.Future[Any], TaskHandle] = {}
        self._coroutines: set[asyncio.Task[Any]] = set()  # keeps the awaiting coroutines alive
        self._closed = False

    @property
    def busy(self) -> bool:
        """Some work has not returned yet (its worker thread is busy or it waits for one)."""
        return bool(self.running())

    def running(self) -> list[str]:
        """Names of the tasks whose work has not returned yet."""
        return [handle.name for handle in self._running.values() if not handle.done.is_set()]

    async def run(self, name: str, work: Callable[[TaskHandle], T], *,
                  on_progress: Callable[[Any], None] | None = None,
                  cancel: threading.Event | None = None) -> T:  # fmt: skip
        """Run ``work(handle)`` on a worker thread and return its result.

        Raises `TaskFailed` (with the user's message) when the work raised, and
        ``asyncio.CancelledError`` when the runner was shut down meanwhile (the window is closing:
        the caller's widget may be gone, so it must not go on).
        """
        if self._closed:
            raise asyncio.CancelledError()
        loop = ensure_event_loop()
        signal = None
        if on_progress is not None:
            signal = _Progress()
            signal.progressed.connect(on_progress)
        handle = TaskHandle(name, loop, signal, cancel or threading.Event(), self._interval, self._clock)
        current = asyncio.current_task()
        if current is not None:
            self._coroutines.add(current)
        future = loop.run_in_executor(self._executor, _call, work, handle)
        self._running[future] = handle
        self.started.emit(name)
        try:
            result = await future
        except Exception as error:
            handle.flush()
            raise TaskFailed(user_message(error), error) from error
        else:
            handle.flush()
            return result
        finally:
            self._running.pop(future, None)
            if current is not None:
                self._coroutines.discard(current)
            if self._closed:
                raise asyncio.CancelledError()  # noqa: B012 - the window is gone: stop the caller here
            self.finished.emit(name)

    def spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        """Start a coroutine that is not a slot (e.g. from a timer); kept alive until it ends."""
        task = asyncio.ensure_future(coroutine, loop=ensure_event_loop())
        self._coroutines.add(task)
        task.add_done_callback(self._spawned_done)
        return task

    def _spawned_done(self, task: asyncio.Task[Any]) -> None:
        self._coroutines.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("A background coroutine failed", exc_info=task.exception())

    def cancel_all(self) -> None:
        for handle in list(self._running.values()):
            handle.cancel.set()

    def shutdown(self, timeout: float = SHUTDOWN_TIMEOUT) -> bool:
        """Window closing: cancel every task, wait (bounded) for the worker threads; True if all ended.

        Blocks the GUI thread for at most ``timeout`` seconds: the engine checks Cancel between steps
        and every wait wakes on it, so a run ends well within that.
        """
        if self._closed:
            return True
        self._closed = True
        self.cancel_all()
        self._executor.shutdown(wait=False, cancel_futures=True)  # queued work never starts
        deadline = time.monotonic() + timeout
        pending = [handle.name for handle in self._running.values() if handle.began.is_set()
                   and not handle.done.wait(max(0.0, deadline - time.monotonic()))]  # fmt: skip
        for task in list(self._coroutines):
            task.cancel()
        if pending:
            log.warning("Background tasks %s did not stop within %.0f s of closing the window",
                        ", ".join(pending), timeout)  # fmt: skip
        return not pending


def _call(work: Callable[[TaskHandle], T], handle: TaskHandle) -> T:
    """Worker thread: run the work, then close this thread's database connection (peewee opens one per
    thread; the pool's threads are reused, so a connection left open would outlive the task)."""
    handle.began.set()
    try:
        return work(handle)
    finally:
        try:
            close_database()
        finally:
            handle.done.set()
