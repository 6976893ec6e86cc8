"""Where the connection and the composition root meet Campaign Monitor's wire client.

Two plain functions, so the connection (`ctctdesk.cmon.connection`) and `ctctdesk.app` do not depend
on the names inside `ctctdesk.cmon.client`, and tests replace them with a stand-in.
"""

from __future__ import annotations

from typing import Any

from ctctdesk.ctct.errors import CtctError
from ctctdesk.ctct.tokens import TokenSet


class NotAvailable(CtctError):
    """This build has no Campaign Monitor client yet."""


def list_clients(base_url: str, credentials: TokenSet) -> list[Any]:
    raise NotAvailable("Campaign Monitor is not available in this build of ctctdesk.")


def open_wire(base_url: str, credentials: TokenSet, *, clock: Any, quota: Any = None) -> Any:
    """The wire client (the sync adapter's `CmonWire`) for these credentials."""
    raise NotAvailable("Campaign Monitor is not available in this build of ctctdesk.")
