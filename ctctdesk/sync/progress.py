"""Progress reports from a sync run to whoever shows them (the Synchronize tab, the command line).

Why a plain frozen value and a callback: the engine runs on a worker thread and must not know Qt;
the GUI wraps the callback in a signal, the command line prints it. ``queued`` is separate from the
phase text because Constant Contact can hold a bulk job in its queue for minutes (S3) and the user
must be told that the wait is on Constant Contact's side, not a hang.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    #: human text: "Reading Constant Contact", "Importing contacts", "Waiting for Constant Contact"…
    phase: str
    done: int = 0
    total: int = 0  # 0 = unknown (indeterminate progress bar)
    queued: bool = False  # True while Constant Contact holds a bulk job in its queue (S3 message)
    message: str = ""


ProgressCallback = Callable[[Progress], None]


def report(callback: ProgressCallback | None, phase: str, done: int = 0, total: int = 0, *,
           queued: bool = False, message: str = "") -> None:  # fmt: skip
    """Send a progress report if anyone listens (keeps ``if on_progress:`` out of the engine)."""
    if callback is not None:
        callback(Progress(phase, done, total, queued, message))
