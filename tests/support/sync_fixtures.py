"""Fixtures for the sync engine's integration tests: a real CRM database, a sandbox, a connected
Connection (tokens issued by the sandbox's own authorization server) and the SyncService over both."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.crm_fixtures import open_crm
from tests.support.sandbox_http import Api


def connect(connection: Any, sandbox: Any) -> None:
    """Save sandbox-issued tokens the way a finished sign-in does."""
    from ctctdesk.ctct.tokens import TokenSet

    issued = sandbox.oauth.issue_token("contact_data account_read", None)
    tokens = TokenSet(issued["access_token"], issued.get("refresh_token"), time.time() + 3600,
                      tuple(issued.get("scope", "").split()))
    connection._connected(tokens)  # noqa: SLF001 - the same bookkeeping a real connect does


@dataclass
class SyncEnv:
    sandbox: Any
    api: Api
    connection: Any
    service: Any
    data_dir: Path

    def control(self, path: str, body: dict | None = None) -> dict:
        answer = self.api.control(path, body or {})
        assert answer.ok, answer.text
        return answer.json()

    def cc_contacts(self) -> dict[str, dict]:
        """email → contact JSON (with list memberships) of every non-deleted Constant Contact contact."""
        contacts = self.api.all_contacts(status="all", include="list_memberships,custom_fields,phone_numbers")
        return {c["email_address"]["address"].lower(): c for c in contacts if not c.get("deleted_at")}

    def cc_lists(self) -> dict[str, str]:
        """name → list id."""
        return {item["name"]: item["list_id"] for item in self.api.get("/v3/contact_lists", params={"limit": 1000}).json()["lists"]}


def make_env(sandbox: Any, tmp_path: Path, *, clock: Any = None, service_clock: Any = None,
             **service_options: Any) -> SyncEnv:
    """The environment of a sync test; the client runs on `clock` (default: a fake one the sandbox's
    clock follows, see tests/support/clocks.py); `service_clock` is the sync service's own time (UTC
    datetimes), e.g. the sandbox's clock for tests that move it by hand."""
    from ctctdesk.ctct.connection import Connection
    from ctctdesk.ctct.endpoints import ConnectionSettings
    from ctctdesk.sync.service import SyncService
    from tests.support.clocks import client_clock

    data_dir = tmp_path / "data"
    database = open_crm(data_dir)
    settings = ConnectionSettings.for_sandbox(sandbox.base_url, redirect_port=0)
    connection = Connection(data_dir, settings=settings, clock=clock or client_clock(sandbox))
    connect(connection, sandbox)
    token = sandbox.oauth.issue_token("contact_data account_read", None)["access_token"]
    service_options.setdefault("pull_first", False)  # engine tests start with pushes; C5 has its own
    service = SyncService(database, connection, clock=service_clock, **service_options)
    return SyncEnv(sandbox, Api(sandbox.base_url, token), connection, service, data_dir)


@pytest.fixture
def sync_env(request, sandbox, memory_keyring, tmp_path) -> SyncEnv:  # noqa: F811 - fixtures by name
    from ctctdesk.crm.db import close_database
    from tests.support.clocks import clock_for

    env = make_env(sandbox, tmp_path, clock=clock_for(request, sandbox))
    yield env
    close_database()
