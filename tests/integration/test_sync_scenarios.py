# ruff: noqa: F811 - pytest fixtures are imported by name
"""The issue's sync scenarios, end to end: a real CRM database, the sandbox, the engine in between."""

from __future__ import annotations

import pytest

from ctctdesk.crm import contacts, lists
from ctctdesk.crm.models import Company, Contact
from tests.support.crm_fixtures import add_company, add_contact
from tests.support.ctct_fixtures import memory_keyring  # noqa: F401
from tests.support.sync_fixtures import SyncEnv, sync_env  # noqa: F401


def sync(env: SyncEnv, direction: str, **run_options):
    preview = env.service.preview(direction)
    return env.service.run(preview, force=True, **run_options)


def local_list(name: str) -> set[str]:
    found = lists.find_list(name)
    assert found is not None, f"no local list {name}"
    return {Contact.get_by_id(cid).email for cid in lists.member_ids(found.id)}


def cc_members(env: SyncEnv, list_name: str) -> set[str]:
    list_id = env.cc_lists()[list_name]
    return {email for email, c in env.cc_contacts().items() if list_id in c.get("list_memberships", [])}


def test_seed_004_activation_brings_lists_companies_and_contacts(sync_env):
    env = sync_env
    a, b = env.api.new_list("Newsletter"), env.api.new_list("Events")
    rows = [
        {"email": f"person{p}@company{c}.example", "first_name": f"First{p}", "last_name": f"Last{c}",
         "company_name": f"Company {c}"}
        for c in range(5) for p in range(2)
    ]
    env.api.import_contacts(rows, [a, b])
    summary = env.service.activate()
    assert summary.ok, summary
    assert summary.trigger == "activation"
    names = {s.name for s in lists.list_summaries()}
    assert {"Newsletter", "Events", "General Interest"} <= names
    for c in range(5):
        company = Company.get(Company.name == f"Company {c}")
        assert company.type == "customer"
        assert company.contacts.count() == 2
    assert len(local_list("Newsletter")) == 10
    assert local_list("Newsletter") == local_list("Events")
    # A second sync with nothing changed plans nothing.
    assert env.service.preview("from_cc").plan.changes == ()
    assert env.service.preview("to_cc").plan.changes == ()


def test_crm_list_with_three_contacts_from_different_companies_is_pushed(sync_env):
    env = sync_env
    ids = [add_contact(add_company(f"Firm {i}"), f"P{i}", "Q", f"p{i}@firm{i}.example") for i in range(3)]
    crm_list = lists.create_list("Spring Promo")
    lists.add_members(crm_list.id, ids)
    summary = sync(env, "to_cc")
    assert summary.ok, summary
    assert cc_members(env, "Spring Promo") == {f"p{i}@firm{i}.example" for i in range(3)}
    assert summary.counts["contacts added"] == 3
    assert env.service.preview("to_cc").plan.changes == ()


def test_rename_and_member_removal_in_cc_then_pull(sync_env):
    env = sync_env
    ids = [add_contact(add_company(f"Firm {i}"), f"P{i}", "Q", f"p{i}@firm{i}.example") for i in range(3)]
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, ids)
    assert sync(env, "to_cc").ok
    env.control("owner/rename_list", {"name": "Customers", "new_name": "Best Customers"})
    env.control("owner/remove_from_list", {"email": "p1@firm1.example", "list_name": "Best Customers"})
    summary = sync(env, "from_cc")
    assert summary.ok, summary
    assert lists.get_list(crm_list.id).name == "Best Customers"
    assert local_list("Best Customers") == {"p0@firm0.example", "p2@firm2.example"}


def test_contact_deleted_in_cc_is_removed_from_the_local_list_only(sync_env):
    env = sync_env
    ids = [add_contact(add_company("Firm"), f"P{i}", "Q", f"p{i}@firm.example") for i in range(2)]
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, ids)
    assert sync(env, "to_cc").ok
    env.control("owner/delete_contact", {"email": "p0@firm.example"})
    assert sync(env, "from_cc").ok
    assert local_list("Customers") == {"p1@firm.example"}
    assert Contact.get_by_id(ids[0]).email == "p0@firm.example"  # the record stays


def test_unsubscribed_in_cc_leaves_every_local_list_and_is_never_sent_again(sync_env):
    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(2)]
    first, second = lists.create_list("One"), lists.create_list("Two")
    lists.add_members(first.id, ids)
    lists.add_members(second.id, ids)
    assert sync(env, "to_cc").ok
    env.control("unsubscribe", {"email": "p0@firm.example"})
    assert sync(env, "from_cc").ok
    contact = Contact.get_by_id(ids[0])
    assert contact.email_status == "unsubscribed"
    assert contact.ineligible_reason == "unsubscribed"
    assert "p0@firm.example" not in local_list("One") | local_list("Two")
    with pytest.raises(Exception, match="cannot be in a list"):
        lists.set_member(first.id, ids[0], True)
    third = lists.create_list("Three")
    lists.add_members(third.id, ids)
    assert sync(env, "both").ok
    cc = env.cc_contacts()["p0@firm.example"]
    assert cc["email_address"]["permission_to_send"] == "unsubscribed"
    assert env.cc_lists()["Three"] not in cc.get("list_memberships", [])


def test_do_not_contact_is_removed_from_cc_lists_on_push(sync_env):
    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(2)]
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, ids)
    assert sync(env, "to_cc").ok
    contacts.set_do_not_contact([ids[0]], True)
    assert sync(env, "to_cc").ok
    assert cc_members(env, "Customers") == {"p1@firm.example"}


def test_role_addresses_are_never_sent(sync_env):
    env = sync_env
    firm = add_company("Firm")
    person = add_contact(firm, "Pat", "Q", "pat@firm.example")
    role = add_contact(firm, "Front", "Desk", "info@firm.example")
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [person, role])  # the role address is refused by the CRM already
    Contact.update(ineligible_reason=None).where(Contact.id == role).execute()  # even if it slipped in
    lists.Membership.insert(email_list=crm_list.id, contact=role).on_conflict_ignore().execute()
    from ctctdesk.crm.rules import refresh_ineligibility

    refresh_ineligibility([role])
    assert sync(env, "to_cc").ok
    assert "info@firm.example" not in env.cc_contacts()


def test_custom_fields_arrive_in_cc(sync_env):
    env = sync_env
    person = add_contact(add_company("Firm"), "Pat", "Q", "pat@firm.example")
    contacts.set_custom_fields(person, {"Region": "North", "Shoe Size": "42"})
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [person])
    assert sync(env, "to_cc").ok
    fields = {f["label"]: f["custom_field_id"] for f in env.api.get("/v3/contact_custom_fields").json()["custom_fields"]}
    assert {"Region", "Shoe Size"} <= set(fields)
    values = {f["custom_field_id"]: f["value"] for f in env.cc_contacts()["pat@firm.example"]["custom_fields"]}
    assert values[fields["Region"]] == "North"
    assert values[fields["Shoe Size"]] == "42"


def test_a_change_on_each_side_between_syncs_both_survive(sync_env):
    env = sync_env
    person = add_contact(add_company("Firm"), "Pat", "Quinn", "pat@firm.example")
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [person])
    assert sync(env, "to_cc").ok
    contacts.update_contact(person, job_title="Director")
    env.control("owner/update_contact", {"email": "pat@firm.example", "last_name": "Quinn-Smith"})
    assert sync(env, "both").ok
    local = Contact.get_by_id(person)
    assert (local.job_title, local.last_name) == ("Director", "Quinn-Smith")
    cc = env.cc_contacts()["pat@firm.example"]
    assert (cc.get("job_title"), cc.get("last_name")) == ("Director", "Quinn-Smith")


def test_same_person_in_two_lists_is_one_cc_contact_with_two_memberships(sync_env):
    env = sync_env
    person = add_contact(add_company("Firm"), "Pat", "Q", "pat@firm.example")
    one, two = lists.create_list("One"), lists.create_list("Two")
    lists.add_members(one.id, [person])
    lists.add_members(two.id, [person])
    assert sync(env, "to_cc").ok
    everyone = env.api.all_contacts(status="all", include="list_memberships")
    matching = [c for c in everyone if c["email_address"]["address"] == "pat@firm.example"]
    assert len(matching) == 1
    cc_lists = env.cc_lists()
    assert {cc_lists["One"], cc_lists["Two"]} <= set(matching[0]["list_memberships"])


def test_history_records_each_run(sync_env):
    env = sync_env
    person = add_contact(add_company("Firm"), "Pat", "Q", "pat@firm.example")
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [person])
    first = sync(env, "to_cc")
    second = sync(env, "from_cc", trigger="schedule")
    history = env.service.history()
    assert [h.run_id for h in history[:2]] == [second.run_id, first.run_id]
    assert history[1].direction == "to_cc" and history[0].trigger == "schedule"
    assert first.requests_used > 0 and first.finished_at is not None


def test_disconnect_forgets_linked_lists_and_baseline_but_keeps_people(sync_env):
    env = sync_env
    person = add_contact(add_company("Firm"), "Pat", "Q", "pat@firm.example")
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [person])
    assert sync(env, "both").ok
    lists.create_list("Local only")  # made after the last sync: never linked
    removed = env.service.forget_account()
    assert removed == 2  # Customers and the account's default list that the pull brought in
    assert {s.name for s in lists.list_summaries()} == {"Local only"}
    assert Contact.get_by_id(person).email == "pat@firm.example"
    from ctctdesk.sync import store

    assert store.load_baseline().is_empty


def test_a_baseline_of_another_account_is_never_reused(sync_env):
    from ctctdesk.sync import store

    env = sync_env
    person = add_contact(add_company("Firm"), "Pat", "Q", "pat@firm.example")
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [person])
    assert sync(env, "to_cc").ok
    account = store.get_state("account_id")
    store.set_state("account_id", "another-account")
    store.BaseContact.update(cc_id="not-this-account").execute()
    store.bump_revision()  # as every baseline write does
    preview = env.service.preview("to_cc")
    assert preview.plan.baseline_ignored
    assert env.service.run(preview).ok
    baseline = store.load_baseline()
    assert baseline.account_id == account
    assert baseline.contacts[person].cc_id == env.cc_contacts()["pat@firm.example"]["contact_id"]
    assert env.service.preview("to_cc").plan.changes == ()


def test_a_mass_removal_needs_confirmation(sync_env):
    from ctctdesk.sync.errors import GuardTripped

    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(60)]
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, ids)
    assert sync(env, "to_cc").ok
    lists.remove_members(crm_list.id, ids[:55])
    preview = env.service.preview("to_cc")
    assert preview.needs_confirmation and preview.guard_reason
    with pytest.raises(GuardTripped):
        env.service.run(preview)
    assert len(cc_members(env, "Customers")) == 60
    assert env.service.run(preview, force=True).ok
    assert len(cc_members(env, "Customers")) == 5


def test_changes_waiting_the_other_way_are_counted(sync_env):
    env = sync_env
    person = add_contact(add_company("Firm"), "Pat", "Q", "pat@firm.example")
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [person])
    assert sync(env, "to_cc").ok
    before = env.service.preview("to_cc").pending_other_way  # e.g. the account's default list
    env.control("owner/update_contact", {"email": "pat@firm.example", "job_title": "Chief"})
    preview = env.service.preview("to_cc")
    assert preview.pending_other_way == before + 1 and preview.plan.changes == ()
    env.service.run(preview)
    assert env.service.pending_other_way() == before + 1


def test_a_change_left_pending_by_pushes_still_arrives_with_a_later_pull(sync_env):
    env = sync_env
    person = add_contact(add_company("Firm"), "Pat", "Quinn", "pat@firm.example")
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, [person])
    assert sync(env, "to_cc").ok
    env.control("owner/update_contact", {"email": "pat@firm.example", "job_title": "Chief"})
    assert sync(env, "to_cc").ok  # reads the change, leaves it pending (R8)
    assert sync(env, "to_cc").ok  # reads only what changed since: nothing
    preview = env.service.preview("from_cc")
    assert preview.plan.changes
    assert env.service.run(preview).ok
    assert Contact.get_by_id(person).job_title == "Chief"


def test_a_sync_with_nothing_changed_reads_incrementally(sync_env):
    """1,200 linked contacts: a complete read takes three pages; after the first sync only what changed
    since the previous read is fetched, so nothing changed costs five requests."""
    env = sync_env
    firm = add_company("Firm")
    ids = [add_contact(firm, f"P{i}", "Q", f"p{i}@firm.example") for i in range(1200)]
    crm_list = lists.create_list("Customers")
    lists.add_members(crm_list.id, ids)
    assert sync(env, "to_cc").ok
    # reads re-fetch what changed within a second of the previous read's newest change: let time pass
    # (the client's fake clock; the sandbox's clock follows it)
    env.connection.clock.advance(2.5)
    env.control("owner/update_contact", {"email": "p7@firm.example", "job_title": "Chief"})
    assert sync(env, "to_cc").ok  # reads everything pushed since the first read
    summary = sync(env, "to_cc")
    assert summary.counts == {}
    # account, lists with their counts, one page each of changes, unsubscribes, bounced or deleted
    assert summary.requests_used == 5
