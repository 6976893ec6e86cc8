# ruff: noqa: F811 - pytest fixtures are imported by name
"""What the CRM stores agrees with what it shows after a sync: a linked contact Constant Contact holds as
subscribed is stored "subscribed" (the table showed it so already); and the activation's summary says
how long it really took."""

from __future__ import annotations

from datetime import datetime, timedelta

from ctctdesk.crm import lists
from ctctdesk.crm.models import Contact
from ctctdesk.sync import service as service_module
from ctctdesk.sync.presenting import summary_lines
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import sync_env  # noqa: F401


def status(contact_id: int) -> str:
    return Contact.get_by_id(contact_id).email_status


def test_pushed_and_pulled_contacts_are_stored_as_subscribed_others_keep_their_status(sync_env):
    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(4)]
    loner = add_contact(firm, "Lone", "R", "lone@firm.example")  # in no list: never sent
    lists.add_members(lists.create_list("News").id, ids)
    assert {status(i) for i in ids} == {"unknown"}
    assert env.service.run(env.service.preview("to_cc"), force=True).ok
    assert {status(i) for i in ids} == {"subscribed"}
    assert status(loner) == "unknown"
    env.control("unsubscribe", {"email": "p1@firm.example"})
    env.control("bounce", {"email": "p2@firm.example"})
    made = env.api.post("/v3/contacts", {"email_address": {"address": "new@cc.example"}, "create_source": "Account",
                                         "list_memberships": [env.cc_lists()["News"]]})
    assert made.status_code == 201, made.text
    assert env.service.run(env.service.preview("from_cc"), force=True).ok
    assert [status(i) for i in ids] == ["subscribed", "unsubscribed", "bounced", "subscribed"]
    assert Contact.get(Contact.email == "new@cc.example").email_status == "subscribed"
    assert status(loner) == "unknown"


def test_the_activation_summary_counts_its_reading(sync_env, monkeypatch):
    """The activation is one action — read, then apply — so its duration starts with the reading."""
    env = sync_env
    start = datetime(2026, 11, 30, 12, 0)
    ticks = iter(range(10_000))
    monkeypatch.setattr(service_module, "utc_now", lambda: start + timedelta(seconds=next(ticks)))
    env.control("clock", {"advance_seconds": 1})
    summary = env.service.activate()
    assert summary.ok, summary
    assert summary.started_at == start  # the first moment taken: the preview's start
    took = next(line for line in summary_lines(summary) if "API requests" in line)
    assert took.strip().startswith("Took ") and "Took 0.0 s" not in took
