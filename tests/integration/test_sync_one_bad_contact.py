# ruff: noqa: F811 - pytest fixtures are imported by name
"""R15: a contact Constant Contact refuses is skipped and named; everything else in the run arrives,
Do Not Contact removals first of all. The refusals come from the sandbox's own validation (the spec's
limits); ctctdesk is made to forget a limit so that the service, not the planner, has to refuse."""

from __future__ import annotations

import pytest

from ctctdesk.crm import contacts, lists
from ctctdesk.sync import snapshot
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, sync_env  # noqa: F401

TOO_LONG = "x" * 300  # the service takes at most 255 characters in a custom field value


def push(env: SyncEnv):
    return env.service.run(env.service.preview("to_cc"), force=True)


def cc_members(env: SyncEnv, list_name: str) -> set[str]:
    list_id = env.cc_lists()[list_name]
    return {email for email, c in env.cc_contacts().items() if list_id in c.get("list_memberships", [])}


@pytest.fixture
def unaware_of_the_value_limit(monkeypatch):
    """As if Constant Contact were stricter than ctctdesk knows: values are sent unshortened."""
    monkeypatch.setattr(snapshot, "CUSTOM_FIELD_LIMIT", 10_000)


def test_one_refused_new_contact_among_many_is_named_and_the_rest_arrives(sync_env, unaware_of_the_value_limit):
    env = sync_env
    firm = add_company("Firm")
    old = [add_contact(firm, f"Old{i}", "Q", f"old{i}@firm.example") for i in range(3)]
    customers = lists.create_list("Customers")
    lists.add_members(customers.id, old)
    assert push(env).ok
    contacts.set_do_not_contact([old[0]], True)  # must leave Constant Contact's list whatever happens
    new = [add_contact(firm, f"New{i}", "Q", f"new{i}@firm.example") for i in range(9)]
    bad = add_contact(firm, "Bea", "Broken", "bea@firm.example")
    contacts.set_custom_fields(bad, {"Notes": TOO_LONG})
    lists.add_members(customers.id, [*new[:5], bad, *new[5:]])

    summary = push(env)

    assert not summary.ok
    assert [e.email for e in summary.errors] == ["bea@firm.example"]
    assert "Bea Broken" in summary.errors[0].message and "255" in summary.errors[0].message
    assert cc_members(env, "Customers") == {f"new{i}@firm.example" for i in range(9)} | {
        "old1@firm.example", "old2@firm.example"}
    assert summary.counts["memberships removed"] == 1
    recorded = env.service.history()[0]
    assert [e.email for e in recorded.errors] == ["bea@firm.example"]
    # The refused contact is tried again next time (nothing recorded as sent), the others are not.
    again = env.service.preview("to_cc").plan.changes
    assert again and {op.contact.label for op in again} == {"Bea Broken <bea@firm.example>"}


def test_one_refused_update_does_not_hold_back_the_others_or_the_removals(sync_env, unaware_of_the_value_limit):
    env = sync_env
    firm = add_company("Firm")
    people = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(6)]
    customers = lists.create_list("Customers")
    lists.add_members(customers.id, people)
    assert push(env).ok
    for person in people[1:]:
        contacts.set_custom_fields(person, {"Region": "North"})
    contacts.set_custom_fields(people[3], {"Region": TOO_LONG})
    contacts.set_do_not_contact([people[0]], True)

    summary = push(env)

    assert [e.email for e in summary.errors] == ["p3@firm.example"]
    assert "P3 Q" in summary.errors[0].message
    assert "p0@firm.example" not in cc_members(env, "Customers")
    fields = {f["label"]: f["custom_field_id"] for f in env.api.get("/v3/contact_custom_fields").json()["custom_fields"]}
    for i in (1, 2, 4, 5):
        values = {f["custom_field_id"]: f["value"] for f in env.cc_contacts()[f"p{i}@firm.example"]["custom_fields"]}
        assert values[fields["Region"]] == "North"
    assert not env.cc_contacts()["p3@firm.example"].get("custom_fields")


def test_a_custom_field_the_full_account_refuses_holds_back_only_the_contacts_that_have_it(sync_env):
    env = sync_env
    for n in range(100):  # the account's allowance, used by fields no contact has a value in
        made = env.api.post("/v3/contact_custom_fields", {"label": f"Old {n:03}", "type": "string"})
        assert made.status_code == 201, made.text
    firm = add_company("Firm")
    people = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(4)]
    contacts.set_custom_fields(people[2], {"Brand New": "yes"})
    customers = lists.create_list("Customers")
    lists.add_members(customers.id, people)

    summary = push(env)

    assert [e.email for e in summary.errors] == ["p2@firm.example"]
    assert "Brand New" in summary.errors[0].message
    assert cc_members(env, "Customers") == {"p0@firm.example", "p1@firm.example", "p3@firm.example"}


def test_do_not_contact_removals_go_first_even_when_the_service_stops_the_import(sync_env):
    env = sync_env
    firm = add_company("Firm")
    people = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(3)]
    customers = lists.create_list("Customers")
    lists.add_members(customers.id, people)
    assert push(env).ok
    contacts.set_do_not_contact([people[0]], True)
    contacts.set_custom_fields(people[1], {"Region": "North"})  # an update by import, with its lists
    lists.add_members(customers.id, [add_contact(firm, "New", "Q", "new@firm.example")])
    env.control("faults", {"kind": "503", "count": 50, "path_prefix": "/v3/activities/contacts_json_import"})

    summary = push(env)

    assert not summary.ok and summary.stopped_reason  # the import could not be done: the run stopped there
    assert cc_members(env, "Customers") == {"p1@firm.example", "p2@firm.example"}  # but p0 is off the list
    env.sandbox.faults.clear()
    assert push(env).ok
    assert cc_members(env, "Customers") == {"p1@firm.example", "p2@firm.example", "new@firm.example"}


def test_an_update_after_the_removals_does_not_put_the_contact_back_on_the_list(sync_env):
    env = sync_env
    firm = add_company("Firm")
    pat = add_contact(firm, "Pat", "Q", "pat@firm.example")
    one, two = lists.create_list("One"), lists.create_list("Two")
    lists.add_members(one.id, [pat])
    lists.add_members(two.id, [pat])
    assert push(env).ok
    assert env.service.run(env.service.preview("from_cc"), force=True).ok  # Constant Contact as read now
    lists.remove_members(one.id, [pat])
    contacts.set_custom_fields(pat, {"Region": "North"})

    assert push(env).ok

    assert cc_members(env, "One") == set()
    assert cc_members(env, "Two") == {"pat@firm.example"}
    assert [f["value"] for f in env.cc_contacts()["pat@firm.example"]["custom_fields"]] == ["North"]
