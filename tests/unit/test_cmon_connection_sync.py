"""The data folder's Campaign Monitor connection drives the sync engine: connect by API key, the initial
pull and a push go through `SyncService` and the engine's adapter (over the in-memory Campaign Monitor of
tests.support.fake_cmon), and the history names Campaign Monitor."""

from __future__ import annotations

import pytest

from ctctdesk import email_services
from ctctdesk.app import build_context, switch_service
from ctctdesk.cmon import wiring
from ctctdesk.cmon.connection import ClientChoice
from ctctdesk.crm import lists
from ctctdesk.sync.campaign_monitor.service import CampaignMonitorService
from tests.support.cmon_sync import WorldClock
from tests.support.crm_fixtures import small_office
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401 - fixture
from tests.support.fake_cmon import FakeCampaignMonitor

KEY = "office-api-key-5150"


@pytest.fixture
def keys(memory_keyring):  # noqa: F811 - the in-memory keyring, by a short name
    return memory_keyring


def test_connect_pull_and_push_through_the_connection(tmp_path, keys, monkeypatch):
    world = FakeCampaignMonitor(client_id="client-1")
    seen_keys = []

    def list_clients(base_url, credentials, **_):
        seen_keys.append(credentials.access_token)
        return [ClientChoice(world.client_id, "Harbour Office")]

    monkeypatch.setattr(wiring, "list_clients", list_clients)
    monkeypatch.setattr("ctctdesk.app.campaign_monitor_service",
                        lambda client_id, clock, **_: CampaignMonitorService(world, client_id, clock=clock))
    newsletter = world.create_list(world.client_id, "Newsletter")
    world.import_subscribers(newsletter, [{"EmailAddress": "pat@example.com", "Name": "Pat Doe"}])

    context = build_context(tmp_path)
    try:
        office = small_office()
        switch_service(context, email_services.CAMPAIGN_MONITOR)
        context.connection.inner.clock = WorldClock(lambda: world.now)
        context.connection.connect_api_key(KEY)
        assert seen_keys == [KEY]

        pulled = context.sync.activate()
        assert pulled.ok and pulled.service == "Campaign Monitor"
        assert "Newsletter" in [s.name for s in lists.list_summaries()]

        local = lists.find_list("Newsletter")
        lists.set_member(local.id, office["alice"], True)  # added in the CRM: the push sends her
        preview = context.sync.preview("to_cc")
        pushed = context.sync.run(preview, force=True)
        assert pushed.ok and pushed.service == "Campaign Monitor"
        assert world.members("Newsletter") == {"pat@example.com", "alice@acme-plumbing.com"}
        assert [run.service for run in context.sync.history()] == ["Campaign Monitor", "Campaign Monitor"]
    finally:
        context.close()
