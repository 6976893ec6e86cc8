"""The sync layer's exception family; the GUI and CLI turn these into plain messages."""


class SyncError(Exception):
    """Base of every error raised by ctctdesk.sync."""


class PlanError(SyncError):
    """The planner cannot produce a safe plan from what it was given."""
