"""Where the connection meets the wire client and the sync adapter of Campaign Monitor.

Kept apart so the connection (`ctctdesk.cmon.connection`) depends on two plain functions, not on the
names inside `ctctdesk.cmon.client` and `ctctdesk.cmon.service`.
"""

from __future__ import annotations

from typing import Any

from ctctdesk.ctct.errors import CtctError
from ctctdesk.ctct.tokens import TokenSet


class NotAvailable(CtctError):
    """This build has no Campaign Monitor client yet."""


def list_clients(base_url: str, credentials: TokenSet) -> list[Any]:
    raise NotAvailable("Campaign Monitor is not available in this build of ctctdesk.")


def build_service(**kwargs: Any) -> Any:
    raise NotAvailable("Campaign Monitor is not available in this build of ctctdesk.")
