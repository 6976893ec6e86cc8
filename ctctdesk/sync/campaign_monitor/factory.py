"""The one call the front end makes to get Campaign Monitor as the engine's email service.

``campaign_monitor_service(base_url=…, api_key=… | tokens=…, client_id=…, clock=…)`` opens the wire
client (``ctctdesk.cmon.client.open_client``: pacing, retries) and wraps it in the adapter. Keep the
returned object for the connection's life (the `AccountAccess.client()` of the sync service): it
remembers what it read and wrote (see `CampaignMonitorService.picture`), and its ``requests_sent``
is the request counter the history records.
"""

from __future__ import annotations

from typing import Any

from ctctdesk.cmon.client import CmonClient, open_client
from ctctdesk.sync.campaign_monitor.client_wire import ClientWire
from ctctdesk.sync.campaign_monitor.service import CampaignMonitorService


def campaign_monitor_service(*, client_id: str, api_key: str | None = None, tokens: Any = None,
                             base_url: str | None = None, clock: Any = None,
                             requests_per_second: int | None = None) -> CampaignMonitorService:  # fmt: skip
    """The email service for one Campaign Monitor client, signed in with an API key or OAuth tokens."""
    client = open_client(api_key=api_key, tokens=tokens, api_base_url=base_url, clock=clock,
                         requests_per_second=requests_per_second)  # fmt: skip
    return service_over(client, client_id)


def service_over(client: CmonClient, client_id: str) -> CampaignMonitorService:
    """The email service over an already open wire client (tests; a front end that keeps its client)."""
    return CampaignMonitorService(ClientWire(client), client_id, clock=client.transport.clock)
