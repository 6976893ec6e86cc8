"""A stand-in for Campaign Monitor's wire client and sync adapter, for tests of the connection and the
front ends that need no emulator: which API keys work, which clients each reaches, and a service object
that only says who built it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ctctdesk.cmon.connection import ClientChoice, CmonConnection
from ctctdesk.ctct.errors import AuthorizationFailed
from ctctdesk.ctct.tokens import TokenSet

GOOD_KEY = "cm-key-0123456789abcdef"
AGENCY_KEY = "cm-key-agency-fedcba9876"


@dataclass
class FakeCampaignMonitor:
    """Keys → clients; records every service built."""

    accounts: dict[str, list[ClientChoice]] = field(default_factory=lambda: {
        GOOD_KEY: [ClientChoice("c-1", "Harbour Office")],
        AGENCY_KEY: [ClientChoice("c-2", "Zeta Foods"), ClientChoice("c-3", "Alpha Bakery")],
    })
    built: list[dict[str, Any]] = field(default_factory=list)

    def list_clients(self, base_url: str, credentials: TokenSet, **_: Any) -> list[ClientChoice]:
        clients = self.accounts.get(credentials.access_token)
        if clients is None:
            raise AuthorizationFailed("Campaign Monitor refused the API key: check it and try again.")
        return list(clients)

    def build_service(self, **kwargs: Any) -> Any:
        self.built.append(kwargs)
        return FakeService(kwargs["client_id"])

    def connection(self, data_dir, **kwargs: Any) -> CmonConnection:
        return CmonConnection(data_dir, list_clients=self.list_clients, service_factory=self.build_service,
                              **kwargs)


@dataclass
class FakeService:
    client_id: str
    display_name: str = "Campaign Monitor"
