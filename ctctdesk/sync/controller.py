"""The Synchronize tab's state machine, without Qt: what is going on, which buttons work and why.

Why apart from the widget: the rules of the tab (a preview comes before Run, Run applies exactly the
preview shown and only once, nothing is pushed before the first pull — C5 —, one thing at a time,
Cancel only while something runs) can then be tested as plain Python, and the widget only shows
`SyncController.view()`. The controller does no I/O: the widget runs the service's calls through the
task runner and reports back with `previewed`, `finished` and `failed`.

States: IDLE (nothing previewed yet), PREVIEWING, PREVIEWED, RUNNING (a run or the initial
activation), DONE (the preview was run), FAILED (the last preview or run stopped with an error).
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from typing import Any

from ctctdesk.ctct.connection import ConnectionState
from ctctdesk.sync.operations import Direction
from ctctdesk.sync.service import StopReason

NOT_CONNECTED_TEXT = "Connect in Settings → Constant Contact first."
ACTIVATION_HINT = ("First sync with this account: start with “Update CRM from Constant Contact”. This initial "
                   "activation brings Constant Contact's lists and contacts into the CRM before anything is "
                   "pushed (C5).")
DIRECTION_TIP = "Shows a preview first; nothing changes until you press Run."
PREVIEW_TIP = "Read both sides again and show what the chosen direction would change."
RUN_TIP = "Apply exactly the plan shown in the preview."
CANCEL_TIP = "Stop after the current step; what is done is kept and the next run continues."
BUSY_TIP = "Wait until the current preview or run has finished (or press Cancel)."
CHOOSE_TIP = "Choose a direction first."
PREVIEW_FIRST_TIP = "Preview first: Run applies exactly the plan the preview shows."
ALREADY_RUN_TIP = "This preview was run already: preview again to see what is left."
NOTHING_TO_RUN_TIP = "The preview has nothing to change."
FULL_CHECK_TIP = ("Read every contact in Constant Contact for the next pull preview, not only what changed "
                  "(R16): slower and uses more requests; for when something seems missed.")
RUN_TEXT = {Direction.TO_CC: "Run: update Constant Contact",
            Direction.FROM_CC: "Run: update the CRM",
            Direction.BOTH: "Run both ways"}


class SyncState(enum.Enum):
    IDLE = "idle"
    PREVIEWING = "previewing"
    PREVIEWED = "previewed"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Control:
    """One button: whether it works, and the tooltip saying what it does or why it does not."""

    enabled: bool
    reason: str


@dataclass(frozen=True)
class SyncView:
    """Everything the tab shows about the state (texts of results are the widget's business)."""

    state: SyncState
    push: Control
    pull: Control
    preview: Control
    run: Control
    cancel: Control
    chosen: Direction | None
    run_text: str
    activation_hint: bool  # C5: say that the first sync is a pull
    full_check: Control = Control(False, FULL_CHECK_TIP)  # the "Full check" box (R16)
    full_checked: bool = False


class NotAllowed(Exception):
    """A transition the current state does not allow (the widget keeps such buttons disabled)."""


class SyncController:
    """State of one Synchronize tab; every method runs on the GUI thread (or a test's thread)."""

    def __init__(self) -> None:
        self.state = SyncState.IDLE
        self.direction: Direction | None = None
        self.preview: Any = None  # the Preview the user sees; Run applies exactly this one
        self.connection: ConnectionState | None = None  # None: not known yet
        self.has_pulled: bool | None = None  # has a pull completed for this account (C5)? None: not known
        self.activating = False
        self.cancel_event: threading.Event | None = None
        self.full_check = False  # "Full check": the next pull preview reads all of Constant Contact

    # -- facts from outside ------------------------------------------------------------------------------
    @property
    def connected(self) -> bool:
        return self.connection is ConnectionState.CONNECTED

    @property
    def busy(self) -> bool:
        return self.state in (SyncState.PREVIEWING, SyncState.RUNNING)

    @property
    def must_activate(self) -> bool:
        """C5: connected, and no pull has brought the account's lists in yet."""
        return self.connected and self.has_pulled is False

    def set_connection(self, state: ConnectionState | None) -> bool:
        """A new connection state; True when it is a first connection, which starts the activation (C5).

        A disconnect forgets whether the account was pulled (the next connection starts over); a
        reconnect after a break is not a first connection.
        """
        was, self.connection = self.connection, state
        if state is ConnectionState.NOT_CONNECTED and was not in (None, ConnectionState.NOT_CONNECTED):
            self.has_pulled = None
        return state is ConnectionState.CONNECTED and was is ConnectionState.NOT_CONNECTED

    def set_has_pulled(self, value: bool | None) -> None:
        self.has_pulled = value

    # -- transitions -------------------------------------------------------------------------------------
    def choose(self, direction: Direction | str) -> None:
        """Pick a direction (S1); the preview it shows is forgotten."""
        if self.busy:
            raise NotAllowed("busy")
        self.direction = Direction(direction)
        self._forget_preview()

    def set_full_check(self, value: bool) -> None:
        """The "Full check" choice: the next pull preview reads all of Constant Contact (R16)."""
        if self.busy:
            raise NotAllowed("busy")
        self.full_check = bool(value)

    @property
    def preview_is_full(self) -> bool:
        """Whether the preview about to start is a full check (only a pull reads Constant Contact so)."""
        return self.full_check and self.direction is Direction.FROM_CC

    def begin_preview(self) -> tuple[Direction, threading.Event]:
        control = self.view().preview
        if not control.enabled or self.direction is None:
            raise NotAllowed(control.reason)
        self._forget_preview()
        self.state = SyncState.PREVIEWING
        self.cancel_event = threading.Event()
        return self.direction, self.cancel_event

    def previewed(self, preview: Any) -> None:
        if self.preview_is_full:
            self.full_check = False  # one full check is enough: the next preview reads incrementally again
        self.preview = preview
        self.state = SyncState.PREVIEWED
        self.cancel_event = None

    def begin_run(self) -> tuple[Any, threading.Event]:
        """The preview Run applies, and the cancel event of the run."""
        control = self.view().run
        if not control.enabled:
            raise NotAllowed(control.reason)
        self.state = SyncState.RUNNING
        self.cancel_event = threading.Event()
        return self.preview, self.cancel_event

    def begin_activation(self) -> threading.Event:
        """The first pull after connecting (C5); allowed whenever nothing else runs."""
        if self.busy:
            raise NotAllowed(BUSY_TIP)
        self.direction = None
        self._forget_preview()
        self.state = SyncState.RUNNING
        self.activating = True
        self.cancel_event = threading.Event()
        return self.cancel_event

    def finished(self, summary: Any) -> None:
        """A run or activation ended with a summary (cancelled and stopped runs too)."""
        if summary.direction in (Direction.FROM_CC, Direction.BOTH) and summary.stop is StopReason.COMPLETED:
            self.has_pulled = True  # as the service records it (C5); contact errors do not undo a pull
        self.state = SyncState.DONE
        if self.activating:
            self.preview = None
        self.activating = False
        self.cancel_event = None

    def failed(self) -> None:
        """The preview or run raised; a preview that failed is gone, a run's preview stays shown."""
        if self.state is SyncState.PREVIEWING:
            self.preview = None
        self.state = SyncState.FAILED
        self.activating = False
        self.cancel_event = None

    def retry_run(self) -> None:
        """After the service asked for confirmation mid-run (R14): the same preview may run again."""
        if self.preview is not None:
            self.state = SyncState.PREVIEWED

    def cancel(self) -> bool:
        """Ask the running preview or run to stop after its current step; False when nothing to cancel."""
        if not self.view().cancel.enabled or self.cancel_event is None:
            return False
        self.cancel_event.set()
        return True

    @property
    def cancelling(self) -> bool:
        return self.cancel_event is not None and self.cancel_event.is_set()

    def _forget_preview(self) -> None:
        self.preview = None
        if not self.busy:
            self.state = SyncState.IDLE

    # -- what the widget shows ---------------------------------------------------------------------------
    def view(self) -> SyncView:
        connected, busy = self.connected, self.busy
        off_reason = NOT_CONNECTED_TEXT if not connected else BUSY_TIP
        direction = Control(connected and not busy, DIRECTION_TIP if connected and not busy else off_reason)
        push = direction
        if self.must_activate:
            push = Control(False, ACTIVATION_HINT)
        return SyncView(
            state=self.state,
            push=push,
            pull=direction,
            preview=self._preview_control(connected, busy),
            run=self._run_control(connected, busy),
            cancel=Control(busy and self.cancel_event is not None and not self.cancel_event.is_set(),
                           CANCEL_TIP),
            chosen=self.direction,
            run_text=RUN_TEXT.get(self.direction, "Run") if self.direction else "Run",
            activation_hint=self.must_activate,
            full_check=direction if not (connected and not busy) else Control(True, FULL_CHECK_TIP),
            full_checked=self.full_check,
        )

    def _preview_control(self, connected: bool, busy: bool) -> Control:
        if not connected:
            return Control(False, NOT_CONNECTED_TEXT)
        if busy:
            return Control(False, BUSY_TIP)
        if self.direction is None:
            return Control(False, CHOOSE_TIP)
        if self.must_activate and self.direction is Direction.TO_CC:
            return Control(False, ACTIVATION_HINT)
        return Control(True, PREVIEW_TIP)

    def _run_control(self, connected: bool, busy: bool) -> Control:
        if not connected:
            return Control(False, NOT_CONNECTED_TEXT)
        if busy:
            return Control(False, BUSY_TIP)
        if self.preview is None:
            return Control(False, PREVIEW_FIRST_TIP)
        if self.state is SyncState.DONE:
            return Control(False, ALREADY_RUN_TIP)
        if self.preview.plan.is_empty:
            return Control(False, NOTHING_TO_RUN_TIP)
        if self.must_activate and self.preview.direction is Direction.TO_CC:
            return Control(False, ACTIVATION_HINT)
        return Control(True, RUN_TIP)
