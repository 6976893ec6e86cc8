"""Example-based tests of the planner, one or more per product rule (product.md §5, C5).

Scenarios run on the in-memory model of both sides (tests/support/sync_model.py): build a state,
plan, apply, and look at what a user would see on each side.
"""

from __future__ import annotations

import pytest

from ctctdesk.sync.baseline_update import BaselineBuilder, baseline_after
from ctctdesk.sync.errors import PlanError
from ctctdesk.sync.operations import (
    CreateContact,
    CreateList,
    CreateLocalCompany,
    DeleteList,
    Direction,
    MarkLocalUnsubscribed,
    RemoveMembership,
    Side,
    SkipReason,
    UpdateContact,
)
from ctctdesk.sync.plan import PlanSettings, plan
from ctctdesk.sync.presenting import pending_text, plan_lines, plan_to_dict, plan_tree
from ctctdesk.sync.snapshot import Baseline, LocalSnapshot, RemoteContact, RemoteList, RemoteSnapshot
from tests.support.sync_model import CcContact, CrmContact, World


def run(world: World, direction: Direction | str, settings: PlanSettings | None = None):
    p = plan(world.crm.snapshot(), world.remote_snapshot(), world.baseline, direction, settings)
    world.apply(p)
    return p


def replan(world: World, direction: Direction | str):
    return plan(world.crm.snapshot(), world.remote_snapshot(), world.baseline, direction)


def kinds(p) -> list[str]:
    """The plan's changes by their stable names (``CreateRemoteList``: kind and side in one word)."""
    return [op.type_name for op in p.changes]


def of(op, cls, side: Side) -> bool:
    """Is ``op`` a ``cls`` acting on ``side``?"""
    return isinstance(op, cls) and op.side is side


def crm_list(world: World, name: str) -> set[str]:
    """Emails of the members of a CRM list."""
    for list_name, members in world.crm.lists.values():
        if list_name == name:
            return {world.crm.contacts[i].email for i in members}
    raise AssertionError(f"no CRM list {name!r}")


def cc_list(world: World, name: str) -> set[str]:
    for cc_id, (list_name, _) in world.cc.lists.items():
        if list_name == name:
            return {c.email for c in world.cc.contacts.values() if cc_id in c.lists and c.status != "deleted"}
    raise AssertionError(f"no Constant Contact list {name!r}")


def crm_contact(world: World, email: str) -> tuple[int, CrmContact]:
    found = [(i, c) for i, c in world.crm.contacts.items() if c.email.lower() == email.lower()]
    assert len(found) == 1, found
    return found[0]


def add_crm(world: World, email: str, company: str = "Acme", **fields) -> int:
    if not world.crm.has_company(company):
        world.crm.add_company(company)
    local_id = world.crm.new_id()
    world.crm.contacts[local_id] = CrmContact(email=email, company_name=company, **fields)
    return local_id


def add_cc(world: World, email: str, lists=(), **fields) -> str:
    cc_id = world.cc.new_id("c-")
    contact = CcContact(email=email, **fields)
    contact.lists = set(lists)
    world.cc.contacts[cc_id] = contact
    world.cc.touch(contact)
    return cc_id


def synced_world() -> World:
    """Constant Contact with its default list and a 'News' list of two people, already pulled."""
    world = World()
    world.cc.add_list("General Interest", default=True)
    news = world.cc.add_list("News")
    add_cc(world, "ann@acme.com", [news], first_name="Ann", company_name="Acme")
    add_cc(world, "bob@blue.com", [news], first_name="Bob", company_name="Blue")
    run(world, Direction.FROM_CC)
    assert replan(world, Direction.TO_CC).is_empty
    return world


# --- C5: initial activation (seed 004) ------------------------------------------------------------


def test_activation_of_a_new_instance_creates_customers_contacts_and_lists():
    world = World()
    world.cc.add_list("General Interest", default=True)
    lists = [world.cc.add_list("Spring Promo"), world.cc.add_list("Newsletter")]
    for company in range(5):
        for person in range(2):
            add_cc(world, f"p{person}@company{company}.com", lists, first_name=f"P{person}",
                   company_name=f"Company {company}")  # fmt: skip

    p = run(world, Direction.FROM_CC)

    assert sorted(op.name for op in p.operations if isinstance(op, CreateLocalCompany)) == [
        f"Company {i}" for i in range(5)
    ]
    assert len(world.crm.companies) == 5
    for company in range(5):
        staff = [c for c in world.crm.contacts.values() if c.company_name == f"Company {company}"]
        assert len(staff) == 2
    assert {name for name, _ in world.crm.lists.values()} == {
        "General Interest",
        "Spring Promo",
        "Newsletter",
    }
    assert len(crm_list(world, "Spring Promo")) == 10 and len(crm_list(world, "Newsletter")) == 10
    assert sum(of(op, CreateContact, Side.CRM) for op in p.operations) == 10  # R9: once each
    assert replan(world, Direction.FROM_CC).is_empty and replan(world, Direction.TO_CC).is_empty


def test_activation_with_an_existing_crm_matches_companies_and_emails():
    world = World()
    world.crm.add_company("ACME  corp")
    existing = add_crm(world, "Ann@Acme.com", company="ACME  corp", first_name="Ann")
    world.cc.add_list("General Interest", default=True)
    news = world.cc.add_list("News")
    add_cc(world, "ann@acme.com", [news], first_name="Ann", company_name="Acme Corp")
    add_cc(world, "carl@acme.com", [news], first_name="Carl", company_name="acme corp")

    p = run(world, Direction.FROM_CC)

    assert not [op for op in p.operations if isinstance(op, CreateLocalCompany)]  # case and spacing
    assert len(world.crm.contacts) == 2
    assert crm_contact(world, "ann@acme.com")[0] == existing
    assert crm_list(world, "News") == {"Ann@Acme.com", "carl@acme.com"}


# --- R1, R2, R3: never sent -----------------------------------------------------------------------


def test_role_addresses_and_contacts_without_valid_email_are_never_sent():
    world = synced_world()
    role = add_crm(world, "info@acme.com")
    no_email = add_crm(world, "")
    news_id = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    world.crm.lists[news_id][1].update({role, no_email})

    p = run(world, Direction.TO_CC)

    assert not [op for op in p.operations if of(op, CreateContact, Side.CC)]
    reasons = {(s.contact.local_id, s.reason) for s in p.skips}
    assert (role, SkipReason.ROLE_ADDRESS) in reasons and (no_email, SkipReason.NO_EMAIL) in reasons
    assert "info@acme.com" not in cc_list(world, "News")


def test_do_not_contact_removes_from_constant_contact_lists_and_clearing_it_adds_back():
    world = synced_world()
    ann_id, ann = crm_contact(world, "ann@acme.com")
    ann.dnc = True

    p = run(world, Direction.TO_CC)
    assert kinds(p) == ["RemoveRemoteMembership"]
    assert cc_list(world, "News") == {"bob@blue.com"}
    assert replan(world, Direction.TO_CC).is_empty  # stays out, nothing more to do

    ann.dnc = False
    run(world, Direction.TO_CC)
    assert cc_list(world, "News") == {"ann@acme.com", "bob@blue.com"}


def test_unsubscribed_in_constant_contact_is_marked_removed_everywhere_and_never_sent_again():
    world = synced_world()
    ann_id, ann = crm_contact(world, "ann@acme.com")
    local_only = world.crm.add_list("Local only")
    world.crm.lists[local_only][1].add(ann_id)
    cc_id = next(i for i, c in world.cc.contacts.items() if c.email == "ann@acme.com")
    world.cc.contacts[cc_id].status = "unsubscribed"
    world.cc.contacts[cc_id].lists.clear()
    world.cc.touch(world.cc.contacts[cc_id])

    p = run(world, Direction.FROM_CC)

    assert any(isinstance(op, MarkLocalUnsubscribed) for op in p.operations)
    assert ann.email_status == "unsubscribed"
    assert all(ann_id not in members for _, members in world.crm.lists.values())  # every list (R3)
    assert world.crm.eligibility(ann).value == "unsubscribed"  # cannot be ticked

    # Even if someone forces the membership back into the CRM list, a push never re-adds her.
    news_id = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    world.crm.lists[news_id][1].add(ann_id)
    p = run(world, Direction.TO_CC)
    assert not [op for op in p.changes if getattr(op, "contact", None) and op.contact.cc_id == cc_id]
    assert world.cc.contacts[cc_id].status == "unsubscribed" and not world.cc.contacts[cc_id].lists


def test_push_never_imports_an_address_unsubscribed_in_constant_contact():
    world = synced_world()
    add_cc(world, "gone@x.com", [], status="unsubscribed")
    new = add_crm(world, "Gone@X.com")
    news_id = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    world.crm.lists[news_id][1].add(new)

    p = run(world, Direction.TO_CC)

    assert not [op for op in p.operations if of(op, CreateContact, Side.CC)]
    assert [s.reason for s in p.skips] == [SkipReason.UNSUBSCRIBED]


# --- R4, R5 ---------------------------------------------------------------------------------------


def test_contact_deleted_in_constant_contact_leaves_the_local_lists_but_stays_in_the_crm():
    world = synced_world()
    cc_id = next(i for i, c in world.cc.contacts.items() if c.email == "bob@blue.com")
    world.cc.contacts[cc_id].status = "deleted"
    world.cc.contacts[cc_id].lists.clear()
    world.cc.touch(world.cc.contacts[cc_id])

    p = run(world, Direction.FROM_CC)

    assert kinds(p) == ["RemoveLocalMembership"]
    assert crm_list(world, "News") == {"ann@acme.com"}
    crm_contact(world, "bob@blue.com")  # the record stays
    assert replan(world, Direction.FROM_CC).is_empty and replan(world, Direction.TO_CC).is_empty


def test_removing_a_member_in_the_crm_removes_the_membership_only():
    world = synced_world()
    bob_id, _ = crm_contact(world, "bob@blue.com")
    news_id = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    world.crm.lists[news_id][1].discard(bob_id)

    p = run(world, Direction.TO_CC)

    assert kinds(p) == ["RemoveRemoteMembership"]
    assert cc_list(world, "News") == {"ann@acme.com"}
    assert any(c.email == "bob@blue.com" and c.status == "active" for c in world.cc.contacts.values())


# --- R6: lists ------------------------------------------------------------------------------------


def test_list_created_in_the_crm_appears_in_constant_contact_then_rename_and_removal_come_back():
    world = synced_world()
    ids = [add_crm(world, f"p{i}@c{i}.com", company=f"C{i}") for i in range(3)]
    vip = world.crm.add_list("VIP")
    world.crm.lists[vip][1].update(ids)

    p = run(world, Direction.TO_CC)
    assert kinds(p).count("CreateRemoteList") == 1 and kinds(p).count("CreateRemoteContact") == 3
    assert cc_list(world, "VIP") == {"p0@c0.com", "p1@c1.com", "p2@c2.com"}

    cc_vip = next(i for i, (n, _) in world.cc.lists.items() if n == "VIP")
    world.cc.lists[cc_vip] = ("VIP customers", False)
    gone = next(c for c in world.cc.contacts.values() if c.email == "p1@c1.com")
    gone.lists.discard(cc_vip)
    world.cc.touch(gone)

    p = run(world, Direction.FROM_CC)
    assert sorted(kinds(p)) == ["RemoveLocalMembership", "RenameLocalList"]
    assert crm_list(world, "VIP customers") == {"p0@c0.com", "p2@c2.com"}


def test_the_default_list_is_never_deleted():
    world = synced_world()
    default = next(i for i, (n, _) in world.crm.lists.items() if n == "General Interest")
    del world.crm.lists[default]

    p = run(world, Direction.TO_CC)

    assert not [op for op in p.operations if of(op, DeleteList, Side.CC)]
    assert [s.reason for s in p.skips] == [SkipReason.DEFAULT_LIST]
    assert "General Interest" in {n for n, _ in world.cc.lists.values()}


def test_a_list_deleted_in_the_crm_is_deleted_in_constant_contact():
    world = synced_world()
    news = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    del world.crm.lists[news]
    p = run(world, Direction.TO_CC)
    assert kinds(p) == ["DeleteRemoteList"]
    assert "News" not in {n for n, _ in world.cc.lists.values()}


# --- R7: identity across an email change ------------------------------------------------------------


def test_an_email_change_keeps_the_constant_contact_identity():
    world = synced_world()
    ann_id, ann = crm_contact(world, "ann@acme.com")
    cc_id = next(i for i, c in world.cc.contacts.items() if c.email == "ann@acme.com")
    ann.email = "ann.new@acme.com"

    p = run(world, Direction.TO_CC)

    (op,) = p.changes
    assert of(op, UpdateContact, Side.CC) and op.contact.cc_id == cc_id
    assert op.changes == (("email", "ann.new@acme.com"),)
    assert world.cc.contacts[cc_id].email == "ann.new@acme.com"
    assert len(world.cc.contacts) == 2


# --- R8: three-way, nothing lost ----------------------------------------------------------------------


def test_a_change_on_each_side_both_survive_and_pending_changes_are_counted():
    world = synced_world()
    _, ann = crm_contact(world, "ann@acme.com")
    ann.job_title = "Director"
    cc_ann = next(c for c in world.cc.contacts.values() if c.email == "ann@acme.com")
    cc_ann.phone = "555-0100"
    world.cc.touch(cc_ann)

    push = run(world, Direction.TO_CC)
    assert push.pending_other_way == 1
    assert pending_text(push.direction, push.pending_other_way) == "1 change in Constant Contact not yet in the CRM"
    assert cc_ann.job_title == "Director" and cc_ann.phone == "555-0100"  # the CC edit is kept

    run(world, Direction.FROM_CC)
    assert ann.phone == "555-0100" and ann.job_title == "Director"
    assert replan(world, Direction.TO_CC).is_empty and replan(world, Direction.FROM_CC).is_empty


def test_the_same_field_changed_on_both_sides_goes_to_the_source_and_is_listed():
    world = synced_world()
    _, ann = crm_contact(world, "ann@acme.com")
    ann.last_name = "Crm"
    cc_ann = next(c for c in world.cc.contacts.values() if c.email == "ann@acme.com")
    cc_ann.last_name = "Cc"
    world.cc.touch(cc_ann)

    p = run(world, Direction.FROM_CC)

    assert ann.last_name == "Cc"
    (conflict,) = p.conflicts
    assert (conflict.field, conflict.source_value, conflict.target_value) == ("last_name", "Cc", "Crm")
    assert 'Ann Crm <ann@acme.com>: last name — keeps "Cc"; the CRM had "Crm"' in "\n".join(plan_lines(p))


# --- R9: no duplicates --------------------------------------------------------------------------------


def test_the_same_person_in_two_lists_is_one_contact_with_two_memberships_both_ways():
    world = synced_world()
    person = add_crm(world, "dana@d.com", company="D")
    for name in ("Alpha", "Beta"):
        world.crm.lists[world.crm.add_list(name)][1].add(person)

    p = run(world, Direction.TO_CC)
    (create,) = [op for op in p.operations if of(op, CreateContact, Side.CC)]
    assert sorted(ref.name for ref in create.lists) == ["Alpha", "Beta"]
    assert sum(c.email == "dana@d.com" for c in world.cc.contacts.values()) == 1

    other = World()
    lists = [other.cc.add_list("Alpha"), other.cc.add_list("Beta")]
    add_cc(other, "erin@e.com", lists, company_name="E")
    p = run(other, Direction.FROM_CC)
    (create,) = [op for op in p.operations if of(op, CreateContact, Side.CRM)]
    assert len(create.lists) == 2 and len(other.crm.contacts) == 1


# --- R10: field limits ---------------------------------------------------------------------------------


def test_over_long_values_are_shortened_for_constant_contact_with_a_warning_and_kept_in_the_crm():
    world = synced_world()
    _, ann = crm_contact(world, "ann@acme.com")
    ann.job_title = "Senior Vice President of Strategic Partnerships and Alliances EMEA"

    p = run(world, Direction.TO_CC)

    (warning,) = p.truncations
    assert warning.field == "job_title" and len(warning.sent) <= 50
    cc_ann = next(c for c in world.cc.contacts.values() if c.email == "ann@acme.com")
    assert cc_ann.job_title == warning.sent
    assert ann.job_title.endswith("EMEA")  # the CRM keeps the full value
    assert replan(world, Direction.TO_CC).is_empty and replan(world, Direction.FROM_CC).is_empty


def test_custom_fields_arrive_in_constant_contact():
    world = synced_world()
    person = add_crm(world, "fay@f.com", company="F")
    world.crm.contacts[person].custom = {"Region": "North"}
    news = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    world.crm.lists[news][1].add(person)

    run(world, Direction.TO_CC)

    cc_fay = next(c for c in world.cc.contacts.values() if c.email == "fay@f.com")
    assert cc_fay.custom == {"Region": "North"}


# --- R14: guard and account --------------------------------------------------------------------------------


def big_world(people: int = 100) -> World:
    world = World()
    news = world.cc.add_list("News")
    for i in range(people):
        add_cc(world, f"p{i}@x.com", [news], company_name="X")
    run(world, Direction.FROM_CC)
    return world


def test_mass_removal_needs_confirmation_but_a_small_one_does_not():
    world = big_world()
    news = next(iter(world.crm.lists))
    members = sorted(world.crm.lists[news][1])
    world.crm.lists[news][1].difference_update(members[:10])
    small = replan(world, Direction.TO_CC)
    assert not small.guard.needs_confirmation and small.guard.removals == 10

    world.crm.lists[news][1].difference_update(members[:60])
    big = replan(world, Direction.TO_CC)
    assert big.guard.needs_confirmation and big.guard.removals == 60
    assert "Large change: confirmation needed before running" in "\n".join(plan_lines(big))
    assert plan_to_dict(big)["needs_confirmation"] is True


def test_a_side_that_looks_emptied_needs_confirmation():
    world = big_world(5)
    world.crm.lists.clear()
    p = replan(world, Direction.TO_CC)
    assert p.guard.needs_confirmation
    assert "every linked list is gone from the CRM" in p.guard.reasons


def test_a_baseline_of_another_account_is_never_applied():
    world = big_world(5)
    world.cc.account_id = "another-account"
    world.crm.lists.clear()  # would delete the list in the old account's view

    p = replan(world, Direction.TO_CC)

    assert p.baseline_ignored and p.account_id == "another-account"
    assert not [op for op in p.operations if (of(op, DeleteList, Side.CC) or of(op, RemoveMembership, Side.CC))]
    new_base = baseline_after(world.baseline, p)
    assert new_base.account_id == "another-account"
    assert not new_base.lists  # the old links are gone; people are linked again by email only


def test_a_first_sync_needs_a_complete_read_and_both_is_two_plans():
    remote = RemoteSnapshot({}, {"l": RemoteList("l", "News")}, complete=False)
    with pytest.raises(PlanError):
        plan(LocalSnapshot({}, {}), remote, Baseline.empty(), Direction.FROM_CC)
    with pytest.raises(PlanError):
        plan(LocalSnapshot({}, {}), RemoteSnapshot({}, {}), Baseline.empty(), Direction.BOTH)


# --- incremental reads, baseline and description -------------------------------------------------------------


def test_an_incremental_read_folded_into_the_mirror_sees_unchanged_contacts():
    full = RemoteSnapshot({"a": RemoteContact("a", "a@x.com"), "b": RemoteContact("b", "b@x.com")}, {})
    newer = RemoteSnapshot({"b": RemoteContact("b", "b@x.com", status="deleted")}, {}, complete=False)
    merged = full.merged(newer)
    assert merged.complete and merged.contacts["a"].email == "a@x.com"
    assert merged.contacts["b"].status == "deleted"


def test_baseline_after_a_first_push_links_everything_created():
    world = World()
    ids = [add_crm(world, f"p{i}@x.com") for i in range(2)]
    vip = world.crm.add_list("VIP")
    world.crm.lists[vip][1].update(ids)
    p = replan(world, Direction.TO_CC)
    created = {op.op_id: f"new-{op.op_id}" for op in p.operations if of(op, CreateList, Side.CC)}
    created.update({op.op_id: f"c-{op.op_id}" for op in p.operations if of(op, CreateContact, Side.CC)})

    base = baseline_after(world.baseline, p, created)

    assert set(base.contacts) == set(ids)
    assert base.lists[vip].member_ids == frozenset(ids) and base.lists[vip].cc_id.startswith("new-")


def test_summary_groups_the_preview_per_list():
    world = synced_world()
    person = add_crm(world, "gil@g.com", company="G")
    news = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    world.crm.lists[news][1].add(person)
    bob_id, _ = crm_contact(world, "bob@blue.com")
    world.crm.lists[news][1].discard(bob_id)

    root = plan_tree(replan(world, Direction.TO_CC))

    (group,) = [node for node in root.children if node.kind == "list"]
    assert group.text == "News" and group.count == 2
    assert [c.text for c in group.find("Contacts added").children] == ["gil@g.com"]
    assert [c.text for c in group.find("Contacts removed").children] == ["Bob <bob@blue.com>"]
    assert root.find("New contacts in Constant Contact").count == 1


def test_the_baseline_builder_reports_what_to_persist_after_each_confirmed_operation():
    world = synced_world()
    bob_id, _ = crm_contact(world, "bob@blue.com")
    news = next(i for i, (n, _) in world.crm.lists.items() if n == "News")
    world.crm.lists[news][1].discard(bob_id)
    p = replan(world, Direction.TO_CC)
    builder = BaselineBuilder.for_plan(world.baseline, p)
    builder.take_changes()

    (op,) = p.operations
    builder.apply(op)

    contacts, lists = builder.take_changes()
    assert contacts == set() and lists == {news}
    assert bob_id not in builder.list(news).member_ids
    assert builder.take_changes() == (set(), set())
