# ruff: noqa: F811 - pytest fixtures are imported by name
"""R16: a list whose member count changed is read by export when paging it would cost more; who left
and who joined it (without moving ``updated_at``) reaches the CRM either way."""

from __future__ import annotations

import pytest

from ctctdesk.ctct.client import CtctClient
from ctctdesk.sync import remote_reader
from tests.integration.test_sync_realistic import local_list, pushed, sync
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import make_env


@pytest.fixture
def sync_env(sandbox, memory_keyring, tmp_path, monkeypatch):
    """The realistic environment, with every list counted as large (so small test lists go by export)."""
    from ctctdesk.crm.db import close_database

    monkeypatch.setattr(remote_reader, "export_pays", lambda members: True)
    env = make_env(sandbox, tmp_path, service_clock=sandbox.clock.now_datetime)
    yield env
    close_database()


def paged_lists(monkeypatch) -> list[tuple[str, ...]]:
    """Records the ``lists=`` of every contact search (the paging of lists' members)."""
    seen: list[tuple[str, ...]] = []
    real = CtctClient.search_contacts

    def recording(self, **kwargs):
        if kwargs.get("lists"):
            seen.append(tuple(kwargs["lists"]))
        return real(self, **kwargs)

    monkeypatch.setattr(CtctClient, "search_contacts", recording)
    return seen


def test_removals_and_a_copy_into_a_list_are_seen_through_exports(sync_env, monkeypatch):
    env = sync_env
    pushed(env, count=6, names=("One", "Two", "Three"))
    cc = env.cc_contacts()
    one, two, three = (env.cc_lists()[name] for name in ("One", "Two", "Three"))
    p0, p1 = cc["p0@firm.example"]["contact_id"], cc["p1@firm.example"]["contact_id"]
    env.api.finish(env.api.post("/v3/activities/remove_list_memberships",
                                {"source": {"contact_ids": [p0, p1]}, "list_ids": [one, three]}))
    env.api.finish(env.api.post("/v3/activities/add_list_memberships",  # p0 and p1 back into Three
                                {"source": {"list_ids": [two]}, "list_ids": [three]}))
    env.control("owner/remove_from_list", {"email": "p5@firm.example", "list_name": "Three"})
    paged = paged_lists(monkeypatch)
    before = env.sandbox.counters.by_endpoint["POST /v3/activities/contact_exports"]
    assert sync(env, "from_cc").ok
    assert env.sandbox.counters.by_endpoint["POST /v3/activities/contact_exports"] - before == 2  # One, Three
    assert paged == []
    assert local_list("One") == {f"p{i}@firm.example" for i in range(2, 6)}
    assert local_list("Three") == {f"p{i}@firm.example" for i in range(5)}
    assert local_list("Two") == {f"p{i}@firm.example" for i in range(6)}
    assert env.service.preview("from_cc").plan.changes == ()


def test_an_export_naming_an_address_nobody_known_has_is_paged_instead(sync_env, monkeypatch):
    env = sync_env
    pushed(env, count=4, names=("One",))
    env.control("owner/remove_from_list", {"email": "p3@firm.example", "list_name": "One"})
    real = CtctClient.list_member_emails

    def with_a_stranger(self, list_ids):
        return {list_id: emails | {"stranger@elsewhere.example"} for list_id, emails in real(self, list_ids).items()}

    monkeypatch.setattr(CtctClient, "list_member_emails", with_a_stranger)
    paged = paged_lists(monkeypatch)
    assert sync(env, "from_cc").ok
    assert paged == [(env.cc_lists()["One"],)]
    assert local_list("One") == {f"p{i}@firm.example" for i in range(3)}


def test_a_service_without_exports_pages_large_lists(sync_env, monkeypatch):
    """An EmailService written before the addition (no ``list_member_emails``) keeps working."""
    env = sync_env
    pushed(env, count=4, names=("One",))
    env.control("owner/remove_from_list", {"email": "p3@firm.example", "list_name": "One"})
    monkeypatch.delattr(CtctClient, "list_member_emails")
    paged = paged_lists(monkeypatch)
    assert sync(env, "from_cc").ok
    assert paged == [(env.cc_lists()["One"],)]
    assert local_list("One") == {f"p{i}@firm.example" for i in range(3)}


def test_export_pays_for_lists_over_four_pages():
    assert not remote_reader.export_pays(2000)
    assert remote_reader.export_pays(2001)
