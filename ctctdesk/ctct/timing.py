"""The clock and cancel scope of the client, kept under their old name.

They are service-neutral and live in `ctctdesk.timing`; this module re-exports them so the Constant Contact
client and its callers keep importing them from here.
"""

from ctctdesk.timing import CancelScope, Clock, FakeClock, SystemClock

__all__ = ["CancelScope", "Clock", "FakeClock", "SystemClock"]
