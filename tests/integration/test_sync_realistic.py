# ruff: noqa: F811 - pytest fixtures are imported by name
"""R3, R4, R16 against the sandbox as the real service behaves: changes made in Constant Contact by the
contact (unsubscribe, bounce, Update Profile) or by the owner (remove from a list, bulk activities,
delete a list) that do not move the contact's ``updated_at`` still reach the CRM on the next pull."""

from __future__ import annotations

import pytest

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.models import Contact
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, make_env


@pytest.fixture
def sync_env(sandbox, memory_keyring, tmp_path):
    """The usual environment, with the service reading this machine's time from the sandbox's clock so
    a test can move time forward instead of waiting."""
    from ctctdesk.crm.db import close_database

    env = make_env(sandbox, tmp_path, service_clock=sandbox.clock.now_datetime)
    yield env
    close_database()


def sync(env: SyncEnv, direction: str, *, full: bool = False):
    preview = env.service.preview(direction, full=full)
    return env.service.run(preview, force=True)


def local_list(name: str) -> set[str]:
    found = lists.find_list(name)
    assert found is not None, f"no local list {name}"
    return {Contact.get_by_id(cid).email for cid in lists.member_ids(found.id)}


def settle(env: SyncEnv) -> None:
    """A pull after a later edit elsewhere in Constant Contact, so that the next read no longer re-reads
    (within its one-second margin) the contacts the last push imported: what it learns after this
    comes from the change checks alone, as it would hours after a push."""
    env.control("clock", {"advance_seconds": 5})
    made = env.api.post("/v3/contacts", {"email_address": {"address": f"elsewhere{len(env.cc_contacts())}@x.example"},
                                         "create_source": "Account"})
    assert made.status_code == 201, made.text
    assert sync(env, "from_cc").ok


def pushed(env: SyncEnv, count: int = 4, names: tuple[str, ...] = ("One", "Two")) -> list[int]:
    """``count`` CRM contacts in every list of ``names``, pushed, then pulled (the usual start)."""
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(count)]
    for name in names:
        lists.add_members(lists.create_list(name).id, ids)
    assert sync(env, "to_cc").ok
    settle(env)
    return ids


def stamp(env: SyncEnv, email: str) -> str:
    return env.api.contact_by_email(email)["updated_at"]


def test_contact_unsubscribes_leaves_every_list_in_both_and_updated_at_stays(sync_env):
    env = sync_env
    ids = pushed(env)
    before = stamp(env, "p1@firm.example")
    answer = env.control("unsubscribe", {"email": "p1@firm.example"})
    assert answer["list_memberships"] == []  # Constant Contact takes them off every list
    assert stamp(env, "p1@firm.example") == before  # and updated_at does not move
    summary = sync(env, "from_cc")
    assert summary.ok, summary
    assert Contact.get_by_id(ids[1]).email_status == "unsubscribed"
    assert "p1@firm.example" not in local_list("One") | local_list("Two")
    assert env.service.preview("from_cc").plan.changes == ()
    assert env.service.preview("to_cc").plan.changes == ()


def test_contact_bounces_and_the_crm_shows_bounced_on_hold(sync_env):
    env = sync_env
    ids = pushed(env)
    before = stamp(env, "p2@firm.example")
    env.control("bounce", {"email": "p2@firm.example"})
    assert stamp(env, "p2@firm.example") == before
    summary = sync(env, "from_cc")
    assert summary.ok, summary
    assert summary.counts["marked bounced"] == 1
    contact = Contact.get_by_id(ids[2])
    assert contact.email_status == "bounced"
    assert "p2@firm.example" in local_list("One")  # on hold, not gone: it stays in its lists
    assert env.service.preview("from_cc").plan.changes == ()


def test_contact_leaves_one_list_on_update_profile_and_stays_subscribed(sync_env):
    env = sync_env
    ids = pushed(env)
    two = env.cc_lists()["Two"]
    before = stamp(env, "p0@firm.example")
    env.control("update_profile", {"email": "p0@firm.example", "list_ids": [two]})
    assert stamp(env, "p0@firm.example") == before
    assert sync(env, "from_cc").ok
    assert "p0@firm.example" in local_list("One")
    assert "p0@firm.example" not in local_list("Two")
    assert Contact.get_by_id(ids[0]).email_status != "unsubscribed"
    assert env.service.preview("to_cc").plan.changes == ()  # and the push does not put it back


def test_owner_removes_from_a_list_and_deletes_another_without_moving_updated_at(sync_env):
    env = sync_env
    pushed(env, names=("One", "Two", "Three"))
    before = stamp(env, "p3@firm.example")
    env.control("owner/remove_from_list", {"email": "p3@firm.example", "list_name": "One"})
    env.control("owner/delete_list", {"name": "Three"})
    assert stamp(env, "p3@firm.example") == before
    assert sync(env, "from_cc").ok
    assert local_list("One") == {"p0@firm.example", "p1@firm.example", "p2@firm.example"}
    assert lists.find_list("Three") is None
    assert "p3@firm.example" in local_list("Two")


def test_bulk_activities_of_another_app_move_copy_and_remove_are_seen(sync_env):
    """Bulk list actions in Constant Contact (here through the API, as another tool would) do not move
    updated_at; the list counts give them away."""
    env = sync_env
    pushed(env, count=6, names=("One", "Two"))
    cc = env.cc_contacts()
    one, two = env.cc_lists()["One"], env.cc_lists()["Two"]
    three = env.api.new_list("Three")
    p0, p1 = cc["p0@firm.example"]["contact_id"], cc["p1@firm.example"]["contact_id"]
    env.api.finish(env.api.post("/v3/activities/remove_list_memberships",
                                {"source": {"contact_ids": [p0, p1]}, "list_ids": [one]}))
    env.api.finish(env.api.post("/v3/activities/add_list_memberships",  # a copy into a new list
                                {"source": {"list_ids": [two]}, "list_ids": [three]}))
    assert sync(env, "from_cc").ok
    assert local_list("One") == {f"p{i}@firm.example" for i in range(2, 6)}
    assert local_list("Three") == {f"p{i}@firm.example" for i in range(6)}
    assert env.service.preview("from_cc").plan.changes == ()


def test_a_removal_and_an_addition_that_cancel_in_the_count_are_settled_by_the_full_check(sync_env):
    """The reader's stated blind spot: one contact leaves a list and another joins it, neither moving
    updated_at, so the list's count is unchanged. The full check (``sync --full``) sees both."""
    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(3)]
    lists.add_members(lists.create_list("One").id, ids[:2])
    lists.add_members(lists.create_list("Two").id, ids)
    assert sync(env, "to_cc").ok
    settle(env)
    one = env.cc_lists()["One"]
    p2 = env.cc_contacts()["p2@firm.example"]["contact_id"]
    env.control("update_profile", {"email": "p0@firm.example", "list_ids": [one]})
    env.api.finish(env.api.post("/v3/activities/add_list_memberships",
                                {"source": {"contact_ids": [p2]}, "list_ids": [one]}))
    assert sync(env, "from_cc").ok
    assert local_list("One") == {"p0@firm.example", "p1@firm.example"}  # not seen: same count
    summary = sync(env, "from_cc", full=True)
    assert summary.ok, summary
    assert local_list("One") == {"p1@firm.example", "p2@firm.example"}
    assert env.service.preview("from_cc").plan.changes == ()


def test_deleted_contact_leaves_the_local_lists_and_its_record_stays(sync_env):
    env = sync_env
    ids = pushed(env)
    env.control("owner/delete_contact", {"email": "p1@firm.example"})
    assert sync(env, "from_cc").ok
    assert "p1@firm.example" not in local_list("One") | local_list("Two")
    assert Contact.get_by_id(ids[1]).email == "p1@firm.example"


def test_crm_values_of_a_contact_unsubscribed_in_cc_are_not_counted_as_waiting(sync_env):
    """``make demo``: "2 changes in the CRM not yet in Constant Contact" forever — the push never sends
    anything for an unsubscribed contact (R3), so those values are not waiting for it."""
    env = sync_env
    one = env.api.new_list("One")
    env.api.import_contacts([{"email": "una@firm.example", "first_name": "Una"}], [one])
    env.control("unsubscribe", {"email": "una@firm.example"})
    person = add_contact(add_company("Firm"), "Una", "Q", "una@firm.example")
    contacts.update_contact(person, phone="+1 555 0100")
    contacts.set_custom_fields(person, {"Region": "North"})
    assert sync(env, "from_cc").ok
    assert Contact.get_by_id(person).email_status == "unsubscribed"
    assert env.service.preview("from_cc").pending_other_way == 0
    assert env.service.preview("to_cc").plan.changes == ()


def test_nothing_changed_costs_five_requests_and_a_full_check_reads_everything(sync_env):
    env = sync_env
    pushed(env, count=3)
    settle(env)
    summary = sync(env, "from_cc")
    assert summary.counts == {}
    # account, lists with counts, changes, unsubscribes, bounced or deleted: one page each
    assert summary.requests_used == 5
    env.api.control("counters", method="DELETE")
    full = sync(env, "from_cc", full=True)
    assert full.counts == {}
    by_endpoint = env.api.control("counters", method="GET").json()["by_endpoint"]
    assert by_endpoint.get("GET /v3/contacts", 0) == 1  # every contact, in one page of 500


def test_command_line_full_check_reads_every_contact(sandbox, memory_keyring, tmp_path, capsys):
    import json

    from ctctdesk.cli import main
    from ctctdesk.commands import sync_commands as sc
    from tests.integration.test_sync_commands import prepare

    common = prepare(sandbox, tmp_path)
    assert main(["sync", "--both", *common]) == sc.EXIT_OK
    capsys.readouterr()
    sandbox.counters.reset()
    assert main(["sync", "--from-cc", "--full", "--json", *common]) == sc.EXIT_OK
    summary = json.loads(capsys.readouterr().out)
    assert summary["ok"] and summary["counts"] == {}
    by_endpoint = sandbox.counters.snapshot(sandbox.clock.now())["by_endpoint"]
    assert by_endpoint["GET /v3/contacts"] == 1  # one page with every contact, no change checks
