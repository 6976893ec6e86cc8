"""The sync layer's exception family; the GUI and CLI turn these into plain messages."""


class SyncError(Exception):
    """Base of every error raised by ctctdesk.sync."""


class PlanError(SyncError):
    """The planner cannot produce a safe plan from what it was given."""


class GuardTripped(SyncError):
    """R14: the plan removes too much; run it only after the user confirmed (or with --force)."""


class SyncCancelled(SyncError):
    """The user pressed Cancel; the step that noticed it changed nothing."""


class NotConnectedError(SyncError):
    """There is no Constant Contact connection to sync with."""

    def __init__(self, message: str = "Not connected to Constant Contact.") -> None:
        super().__init__(message)


class PullFirst(SyncError):
    """C5: nothing is pushed to an account before its lists and contacts came into the CRM once."""


class RunInProgress(SyncError):
    """One run at a time: another synchronization (this window, the command line, another desk) runs."""
